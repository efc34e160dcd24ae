"""Policies: the shipped ones load and validate; a broken file is refused with its pointer."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from chainreview.determination.model import Outcome
from chainreview.determination.policy import load_policy, policy_ids
from chainreview.errors import InputError
from chainreview.factors.catalogue import profile_ids

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "chainreview" / "determination" / "policies"


def test_one_policy_per_regime_profile() -> None:
    assert policy_ids() == profile_ids()


@pytest.mark.parametrize("regime", policy_ids())
def test_shipped_policy_loads_with_its_digest(regime: str) -> None:
    policy = load_policy(None, regime)
    assert policy.id == policy.regime == regime
    assert policy.version.count(".") == 2
    assert policy.sha256 == hashlib.sha256((SHIPPED / f"{regime}.yaml").read_bytes()).hexdigest()
    assert policy.default is Outcome.REFER_TO_SPECIAL_REVIEW


def test_user_policy_file_is_read_and_digested(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    shipped = (SHIPPED / "cn-crm-2022.yaml").read_bytes()
    shipped_version = load_policy(None, "cn-crm-2022").version.encode()
    path.write_bytes(shipped.replace(b'"' + shipped_version + b'"', b'"9.9.9"'))
    policy = load_policy(path, "cn-crm-2022")
    assert policy.version == "9.9.9"
    assert policy.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # a policy file is read again for each review (it may change); the shipped one once
    path.write_bytes(shipped.replace(b'"' + shipped_version + b'"', b'"9.9.10"'))
    assert load_policy(path, "cn-crm-2022").version == "9.9.10"
    assert load_policy(None, "cn-crm-2022") is load_policy(None, "cn-crm-2022")


def test_unknown_condition_is_refused_with_its_pointer(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = (SHIPPED / "cn-crm-2022.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("kev_affected: true", "kev_listed: true"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_policy(path, "cn-crm-2022")
    assert caught.value.location == "/rules/1/when/kev_listed"


def test_factor_outside_the_catalogue_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = (SHIPPED / "cn-crm-2022.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("[F07, F08, F11]", "[F07, F99]"), encoding="utf-8")
    with pytest.raises(InputError, match="F99 is not in the factor catalogue"):
        load_policy(path, "cn-crm-2022")


def test_regime_without_policy_is_refused() -> None:
    with pytest.raises(InputError, match="no policy ships"):
        load_policy(None, "xx-none")


def test_commitments_are_art6_kinds_or_free_text(tmp_path: Path) -> None:
    shipped = load_policy(None, "cn-crm-2022")
    assert [c.kind.value for c in shipped.commitments if c.kind] == [
        "no-illegal-data-acquisition",
        "no-illegal-device-control",
        "no-unjustified-supply-interruption",
        "no-unjustified-support-interruption",
    ]
    assert not shipped.demo_final  # a review on demo intelligence is provisional
    path = tmp_path / "mine.yaml"
    text = (SHIPPED / "cn-crm-2022.yaml").read_text(encoding="utf-8")
    text = text.replace("on_demo_intel: provisional", "on_demo_intel: final")
    text = text.replace(
        "  - {commitment: no-illegal-data-acquisition}\n",
        "  - The supplier keeps a local office.\n",
    )
    path.write_text(text, encoding="utf-8")
    mine = load_policy(path, "cn-crm-2022")
    assert mine.demo_final
    (free,) = [c for c in mine.commitments if c.kind is None]
    assert (free.mitigation.text, free.mitigation.party.value) == (
        "The supplier keeps a local office.",
        "vendor",
    )
