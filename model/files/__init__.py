"""Writing results: output folders that never clobber what a user did not ask to replace
(safe_output) and the manifest that says which code, inputs and seeds made them.

Layer 2, just above model.vocabulary (layer 1): every layer that writes files may use it.
"""
