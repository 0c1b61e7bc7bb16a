"""The coded record: loading and validating the seeds (seeds.py, validation.py), the
yearly ties between actors (dyads.py) and the observed targets the model is scored
against (targets.py).

Layer 3: imports only model.vocabulary.
"""
