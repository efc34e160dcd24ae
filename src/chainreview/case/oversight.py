"""The office's checks on the case database itself: the audit log's hash chain, checked for the
reviewers, approvers and admins who answer for it."""

from __future__ import annotations

from chainreview.case.access import OFFICE, Caller, check_role
from chainreview.store.audit import verify_audit
from chainreview.store.db import Store
from chainreview.store.records import AuditVerdict


def verify_log(store: Store, *, caller: Caller) -> AuditVerdict:
    """`verify_audit`'s verdict on the whole log, for the office's roles only."""
    check_role(caller, OFFICE, "verifying the audit log")
    return verify_audit(store)
