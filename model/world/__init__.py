"""The simulated world: scenarios and their shocks and levers, the parameters, the
starting state (initial, warmstart), the agents and the Mesa models (diplomacy.py one
replicate at a time, batched.py many replicates as arrays), the stance dynamics, the
negotiation of a statement, and the events a run emits.

Layer 4: imports model.record, model.files and model.vocabulary, never runs or above.
"""
