"""The city's link: every centre's committed events copied to one central PostgreSQL.

`schema` applies the versioned migrations of `migrations/`; `rows` turns log rows into
the city's rows (pure); `shipper` is the centre's component that sends them.  Only the
composition root (`app.py`) and the CLI import this package: nothing else of the
centre knows PostgreSQL exists (pyproject.toml, `[tool.importlinter]`).
"""
