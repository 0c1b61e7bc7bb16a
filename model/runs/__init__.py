"""Running ensembles of the world and writing what they produced: seeds and executors
(ensemble, executors, distributed), the outcome arrays (outcomes), the result files,
figures and report of one run (results, plots, report) and the ``run`` pipeline (runner).

Layer 5, beside model.classroom (neither imports the other): imports the world and below.
"""
