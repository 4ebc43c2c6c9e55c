"""The city service (`queue-server city serve`): the city's accounts, its API and pages,
and the live feed from PostgreSQL's LISTEN/NOTIFY to the browsers' websockets.

It reads only the city's PostgreSQL (the read model kept by migrations/0003), never a
centre: a centre's link being down shows as its lag, nothing else.  It shares the
centre's password hashing and daily-report figures, nothing of the centre's server
(pyproject.toml, `[tool.importlinter]`, contract "city-service").
"""
