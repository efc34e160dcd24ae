"""Each submission's portfolio records, kept beside it (revision 0009): a JSON document and
the fingerprint of the code that derived it. What the document holds, and when it is derived
again, is `chainreview.portfolio.kept`'s business; here it is bytes under (case, submission).

The records are derived data, like the memo: keeping them is no change to the case and is not
audited (reading the package they are derived from is)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from chainreview.sql_batches import batches
from chainreview.store.db import Tx
from chainreview.store.tables import PortfolioRecords

__all__ = ["keep", "kept"]

Key = tuple[str, int]
"""(case id, submission number)."""


def keep(tx: Tx, key: Key, fingerprint: str, document: bytes) -> None:
    """Keep `document` as the records of the submission `key`, in place of any kept before
    (two readers deriving the same records at once both succeed)."""
    backend = tx.session.get_bind().dialect.name
    insert = postgresql.insert if backend == "postgresql" else sqlite.insert
    values = {"fingerprint": fingerprint, "document": document}
    statement = insert(PortfolioRecords).values(case_id=key[0], submission=key[1], **values)
    tx.session.execute(
        statement.on_conflict_do_update(index_elements=["case_id", "submission"], set_=values)
    )


def kept(tx: Tx, keys: Iterable[Key]) -> dict[Key, tuple[str, bytes]]:
    """The kept records of those submissions that have them: (fingerprint, document)."""
    wanted = set(keys)
    found: dict[Key, tuple[str, bytes]] = {}
    for cases in batches(case for case, _ in wanted):
        rows = tx.session.execute(
            select(
                PortfolioRecords.case_id,
                PortfolioRecords.submission,
                PortfolioRecords.fingerprint,
                PortfolioRecords.document,
            ).where(PortfolioRecords.case_id.in_(cases))
        )
        for case, number, fingerprint, document in rows:
            if (case, number) in wanted:
                found[case, number] = (fingerprint, bytes(document))
    return found
