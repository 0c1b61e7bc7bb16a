"""Questions asked of many runs: comparing scenarios (differences: the statistics;
compare: the output), sweeping levers (sweep),
calibrating parameters to the record (calibrate, abc, calibration_report) and scoring
the model against history (backtest, scores); and the model numbers the classroom
exercises' debriefs quote (debrief_numbers).

Layer 6: imports runs, world, record and below, never the CLI.
"""
