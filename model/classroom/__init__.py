"""The classroom: an offline Mesa SolaraViz app, event cards, role-play and role cards.

The web app (``app.py``, served by ``server.py``) and the network picture need the
``[classroom]`` extra (solara, networkx); the rest (the session model, role-play, event
cards, sentences, the other figures and the role cards) needs only the core dependencies,
so it can be tested and used without a browser.

Layer 5, beside model.runs (neither imports the other): imports the world and below.
"""
