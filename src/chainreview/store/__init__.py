"""The case database: the only package that imports SQLAlchemy and Alembic (`docs/store.md`).

`open_store(url, home=…)` opens it; the modules per aggregate (`cases`, `files`, `rounds`,
`outcomes`, `acceptances`, `users`) read and write inside `Store.transaction(actor)`, each
change with its entry in the hash-chained audit log (`audit`); records cross the boundary as
the frozen dataclasses of `records`, never as ORM objects.
"""
