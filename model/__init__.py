"""ASEAN-DPRK diplomatic-event simulation: a Mesa 3 model calibrated on a coded record.

Entry points: ``asean-sim`` (model.cli), :class:`model.world.diplomacy.DiplomacyModel`,
:func:`model.world.scenario.load_scenario`, :func:`model.record.seeds.load_record`.

The sub-packages are the pipeline, each layer importing only those below it
(tests/test_layers.py): model.cli; model.analysis; model.runs beside model.classroom;
model.world; model.record; model.files; model.vocabulary.
"""

__version__ = "0.1.0"
