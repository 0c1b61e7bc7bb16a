"""The classroom: a class session served to a teacher's console, the teams' browsers and a
projector, with event cards, role-play, role cards and a debrief.

The web app (``app.py``, ``views.py``, ``assets.py``, served by ``server.py``) needs the
``[classroom]`` extra (starlette, uvicorn); the rest (the session and its saved files,
role-play, event cards, sentences, charts, the ensemble beside the class, the debrief and
the role cards) needs only the core dependencies, so it can be tested and used without a
browser.

Layer 5, beside model.runs (neither imports the other): imports the world and below.
"""
