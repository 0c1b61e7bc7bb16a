"""ASEAN-DPRK diplomatic-event simulation: a Mesa 3 model calibrated on a coded record.

Entry points: ``asean-sim`` (model.cli.commands), :class:`model.world.DiplomacyModel`,
:func:`model.scenario.load_scenario`, :func:`model.record.load_record`.
"""

__version__ = "0.1.0"
