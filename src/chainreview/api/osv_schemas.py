"""What the OSV routes read and write: osv.dev's query API shapes (docs/api-http.md, *OSV
query service*), bounded like every input of the API."""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from chainreview.api.schemas import Model
from chainreview.matches.osv_query import MAX_QUERIES, Query

NAME_MAX: Final = 512
"""Longest package name or version taken (Maven coordinates, Go module paths fit)."""

Text = Annotated[str, Field(max_length=NAME_MAX)]


class PackageIn(Model):
    """A package by `name` and `ecosystem` (osv.dev's names: `PyPI`, `Go`, `Debian:12`; a name
    alone: every ecosystem held), or by `purl`."""

    name: Text | None = None
    ecosystem: Annotated[str, Field(max_length=64)] | None = None
    purl: Annotated[str, Field(max_length=2048)] | None = None


EXAMPLE: Final[dict[str, JsonValue]] = {
    "package": {"name": "requests", "ecosystem": "PyPI"},
    "version": "2.19.1",
}


class QueryIn(Model):
    """One query, as osv.dev's `POST /v1/query` takes it; an empty string is a field left out
    (as in osv.dev's protocol buffers)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_extra={"examples": [EXAMPLE]}
    )

    commit: Annotated[str, Field(max_length=64)] | None = None
    version: Text | None = None
    package: PackageIn | None = None
    page_token: Annotated[str, Field(max_length=64)] | None = None

    def query(self) -> Query:
        package = self.package or PackageIn()
        return Query(
            ecosystem=package.ecosystem or None,
            name=package.name or None,
            purl=package.purl or None,
            version=self.version or None,
            commit=self.commit or None,
            page_token=self.page_token or None,
        )


class BatchIn(Model):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [{"queries": [EXAMPLE, {"package": {"purl": "pkg:pypi/flask@0.12.2"}}]}]
        },
    )

    queries: Annotated[list[QueryIn], Field(max_length=MAX_QUERIES)]


class Vuln(BaseModel):
    """An OSV record, as the snapshot holds it (`modified` is left out only where the record
    lacks it: the import keeps such a record, with a warning)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    modified: str | None = None


class VulnId(Model):
    id: str
    modified: str | None = None


class UndeterminedOut(Model):
    """Advisories of the package that cannot decide the version (chainreview's own field)."""

    ids: list[str]
    reason: str


class QueryOut(Model):
    """The advisories affecting the version, sorted by id (`{}` when none, as osv.dev
    answers); `next_page_token` when more follow; `undetermined` when some cannot decide."""

    vulns: list[Vuln] | None = None
    next_page_token: str | None = None
    undetermined: list[UndeterminedOut] | None = None


class BatchResultOut(Model):
    vulns: list[VulnId] | None = None
    next_page_token: str | None = None
    undetermined: list[UndeterminedOut] | None = None


class BatchOut(Model):
    """One result per query, in order: ids and `modified` only (`GET /v1/vulns/{id}` gives a
    whole record)."""

    results: list[BatchResultOut]
