"""The review's policy on purchases written here (not the examples), rule by rule.

`_Package` writes a small, clean declaration package: one CII system, one domestic product whose
SBOM lists three PyPI packages with no advisory in the bundled PyPA database, a vendor that signed
every Art. 6 commitment, every questionnaire answer benign (read off the catalogue's own concern
criteria). Its review passes with conditions under CN.9 on no condition but the signed
commitments: every factor but F16 (high criticality, which decides nothing alone) is low or
below, the vendor's 30% share does not make the function concentrated (F06 low), and the only
factors undetermined are those the tool cannot settle (F13 is the reviewer's alone; the bundled
intel has no lifecycle feed and lacks lists). Each test changes one thing and states the
article or threshold the expected outcome follows. Reviews run on the bundled snapshot with
`allow_demo_intel` (the demo mark is tested apart) at a fixed date.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from chainreview.determination.model import ConditionKind, Determination, Outcome
from chainreview.factors import load_catalogue
from chainreview.factors.catalogue import AnswerType, Question
from chainreview.factors.interface import FactorAssessment, Party
from chainreview.levels import Level
from chainreview.reviewer import ReviewResult, review

AS_OF = date(2026, 12, 1)
VENDOR = "Qinghe Data Systems Co., Ltd."
CLEAN = (("six", "1.16.0"), ("attrs", "23.1.0"), ("tomli", "2.0.1"))
"""PyPI packages with no advisory in the bundled PyPA database (no vulns/<name>/ folder)."""
KEV = ("salt", "3000.1")
"""PYSEC-2020-102/103/104 = CVE-2020-11651/11652/16846, all in CISA KEV, fixed in 3000.2+."""
UNSCORED = ("jinja2", "2.10")
"""PYSEC-2019-217 and PYSEC-2021-66: no severity (read as critical), fixed versions known."""
ORDER = (
    Outcome.NO_REVIEW_NEEDED,
    Outcome.PASS,
    Outcome.PASS_WITH_CONDITIONS,
    Outcome.REFER_TO_SPECIAL_REVIEW,
    Outcome.FAIL,
)


def _benign(question: Question) -> object:
    """An answer that raises no concern, by the catalogue's criterion for the question."""
    concern = question.concern
    if question.answer is AnswerType.YES_NO:
        return not concern.when if concern.when is not None else False
    if question.answer is AnswerType.NUMBER:
        low = concern.below if concern.below is not None else 0
        high = concern.above if concern.above is not None else low + 100
        return (low + high) / 2 if concern.above is not None else low + 1
    if question.answer is AnswerType.CHOICE:
        return next(o for o in question.options if o not in concern.when_any)
    if question.answer is AnswerType.DATE:
        return "2020-01-01" if concern.within_days is not None else "2026-11-01"
    return "Declared in the technical file."


def _component(name: str, version: str) -> dict[str, Any]:
    return {
        "type": "library",
        "bom-ref": f"pkg:pypi/{name}@{version}",
        "name": name,
        "version": version,
        "purl": f"pkg:pypi/{name}@{version}",
        "supplier": {"name": f"{name} maintainers"},
        "hashes": [{"alg": "SHA-256", "content": "a" * 64}],
    }


class _Package:
    """A clean declaration package written under `root`, edited by the tests before review."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest: dict[str, Any] = {
            "schema_version": "1.0",
            "declaration": {"id": "T-1", "title": "Ledger database", "date": "2026-11-20"},
            "operator": {"name": "Test Bank Co., Ltd.", "sector": "finance"},
            "cii_systems": [
                {"id": "SYS-A", "name": "Core ledger", "criticality": "high",
                 "internet_facing": False}
            ],
            "purchase": {
                "reference": "T-PO-1",
                "description": "A database for the core ledger.",
                "alternatives": [
                    {"vendor": "Other Data Co., Ltd.", "country": "CN", "qualified": True,
                     "replaces": "P-1"}
                ],
            },
            "products": [
                {
                    "id": "P-1",
                    "name": "Qinghe DB",
                    "version": "3.1",
                    "vendor": "qinghe",
                    "category": "large-database-or-application-software",
                    "quantity": 4,
                    "support_end": "2033-12-31",
                    "deployments": [
                        {"system": "SYS-A", "function": "ledger database", "share_percent": 30}
                    ],
                    "capabilities": {
                        "remote_update": {"supported": False},
                        "remote_maintenance": {"supported": False},
                        "telemetry": {"supported": False, "destinations": []},
                        "data": [
                            {"category": "business", "description": "Ledger entries."}
                        ],
                        "interfaces": [],
                        "encryption": {"in_transit": True, "at_rest": True},
                        "integrity": {"secure_boot": True, "signed_firmware": True,
                                      "user_verification": "published SHA-256 digests"},
                    },
                    "sboms": ["sbom/p1.cdx.json"],
                }
            ],
            "vendors": [{"file": "vendor/qinghe.yaml"}],
            "questionnaire": "questionnaire.yaml",
        }  # fmt: skip
        self.vendor: dict[str, Any] = {
            "id": "qinghe",
            "legal_name": VENDOR,
            "jurisdiction": "CN",
            "listings": [],
            "ownership": [
                {"entity": "Qinghe founders' partnership", "country": "CN", "owns": VENDOR,
                 "share_percent": 70, "control": True, "state_link": False}
            ],
            "sites": [
                {"kind": kind, "country": "CN", "in_country": True, "entity": VENDOR}
                for kind in ("r-and-d", "packaging-test", "service")
            ],
            "certifications": [],
            "commitments": [
                {"commitment": kind, "signed": True, "date": "2026-11-01", "signatory": "CEO"}
                for kind in ("no-illegal-data-acquisition", "no-illegal-device-control",
                             "no-unjustified-supply-interruption",
                             "no-unjustified-support-interruption")
            ],
            "vulnerability_handling": {
                "security_contact": "security@qinghe.example",
                "cvd_policy_url": "https://qinghe.example/cvd",
                "csaf_provider_metadata_url": "https://qinghe.example/.well-known/csaf/provider-metadata.json",
            },
        }  # fmt: skip
        self.answers: dict[str, object] = {
            q.id: _benign(q) for f in load_catalogue().factors for q in f.questions
        }
        self.components = [_component(n, v) for n, v in CLEAN]
        self.root_component: dict[str, Any] = {
            "type": "application",
            "bom-ref": "qinghe-db",
            "name": "Qinghe DB",
            "version": "3.1",
            "supplier": {"name": VENDOR},
            "hashes": [{"alg": "SHA-256", "content": "b" * 64}],
        }

    def write(self) -> Path:
        (self.root / "sbom").mkdir(parents=True, exist_ok=True)
        (self.root / "vendor").mkdir(exist_ok=True)
        refs = [c["bom-ref"] for c in self.components]
        sbom = {
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "version": 1,
            "metadata": {
                "timestamp": "2026-11-01T00:00:00Z",
                "authors": [{"name": VENDOR}],
                "component": self.root_component,
            },
            "components": self.components,
            "dependencies": [
                {"ref": self.root_component["bom-ref"], "dependsOn": refs},
                *({"ref": ref, "dependsOn": []} for ref in refs),
            ],
        }
        (self.root / "sbom" / "p1.cdx.json").write_text(json.dumps(sbom), encoding="utf-8")
        answers = [{"question": q, "answer": a} for q, a in sorted(self.answers.items())]
        for name, value in (
            ("declaration.yaml", self.manifest),
            ("vendor/qinghe.yaml", self.vendor),
            ("questionnaire.yaml", {"answers": answers}),
        ):
            (self.root / name).write_text(yaml.safe_dump(value, sort_keys=False), "utf-8")
        return self.root

    @property
    def product(self) -> dict[str, Any]:
        value: dict[str, Any] = self.manifest["products"][0]
        return value


@pytest.fixture
def package(tmp_path: Path) -> _Package:
    return _Package(tmp_path / "package")


def _review(package: _Package, home: Path, **options: Any) -> ReviewResult:
    return review(package.write(), home=home, as_of=AS_OF, allow_demo_intel=True, **options)


def _by_id(determination: Determination) -> dict[str, FactorAssessment]:
    return {a.factor_id: a for a in determination.assessments}


def test_the_clean_package_passes_on_what_the_tool_cannot_settle(
    package: _Package, bundled_home: Path
) -> None:
    d = _review(package, bundled_home).determination
    by_id = _by_id(d)
    open_ = {f for f, a in by_id.items() if a.level is Level.UNDETERMINED}
    assert open_ == {"F04", "F05", "F07", "F11", "F13", "F20"}, [
        (a.factor_id, a.level, a.reasons[:2]) for a in d.assessments if a.level != "none"
    ]
    assert all(not by_id[f].missing_evidence for f in open_ - {"F13"})  # limitations only
    # F16 (criticality) decides nothing alone: it does not make CN.8 hold (policy 2.1.0)
    assert (d.outcome, d.rule) == (Outcome.PASS_WITH_CONDITIONS, "CN.9")
    assert by_id["F16"].level is Level.HIGH and by_id["F06"].level is Level.LOW
    assert d.conditions == ()
    assert d.rationale[-1] == (
        "No condition beyond the supplier commitments the vendors have signed, which the "
        "operator sees kept (Arts. 6, 19); what the review's data could not settle is listed "
        "among its limitations."
    )


@pytest.mark.parametrize(
    ("share", "level"),
    [
        # F06, A10.3 diversity of sources: the declared share alone puts the function's
        # Herfindahl index at share² or more; above 0.18 (US 2023 Merger Guidelines' "highly
        # concentrated") the function is concentrated on that evidence: 43% (0.185) is, 42%
        # (0.176) is not, whatever the rest of the market
        (42, Level.LOW),
        (43, Level.MEDIUM),
        (100, Level.MEDIUM),
    ],
)
def test_a_function_is_concentrated_on_the_share_declared(
    package: _Package, bundled_home: Path, share: int, level: Level
) -> None:
    package.product["deployments"][0]["share_percent"] = share
    d = _review(package, bundled_home).determination
    assert _by_id(d)["F06"].level is level
    spread = [c for c in d.conditions if c.text.startswith("The function spread")]
    assert bool(spread) is (level is Level.MEDIUM)


def test_a_commitment_neither_signed_nor_refused_is_one_condition(
    package: _Package, bundled_home: Path
) -> None:
    # Art. 6: the procurement documents require the supplier's commitments; one the vendor has
    # not given is asked for once, as the commitment condition naming the factors that read it
    # (F05 supply continuity, F19 commitments), not again as evidence to supply
    package.vendor["commitments"] = []
    d = _review(package, bundled_home).determination
    assert [(c.kind, c.factors, c.due.value) for c in d.conditions] == [
        (ConditionKind.COMMITMENT, ("F19",), "before-contract"),
        (ConditionKind.COMMITMENT, ("F19",), "before-contract"),
        (ConditionKind.COMMITMENT, ("F05", "F19"), "before-contract"),
        (ConditionKind.COMMITMENT, ("F05", "F19"), "before-contract"),
    ]
    assert all(c.kind is not ConditionKind.EVIDENCE for c in d.conditions)
    # the factors still say what is missing, in one wording
    f05 = _by_id(d)["F05"]
    assert (
        "qinghe's Art. 6 commitment “no interruption of product supply without good reason” "
        "(neither signed nor refused)" in [g.what for g in f05.missing_evidence]
    )


# --- scope: Art. 2, Art. 5, Art. 7 --------------------------------------------------------------


def test_a_purchase_for_systems_that_are_not_cii_needs_no_review_nor_sbom(
    package: _Package, bundled_home: Path
) -> None:
    # Art. 2: the Measures reach CII operators' purchases for CII; no SBOM is needed then
    package.manifest["cii_systems"][0]["cii"] = False
    package.product["sboms"] = []
    d = _review(package, bundled_home).determination
    assert (d.outcome, d.rule) == (Outcome.NO_REVIEW_NEEDED, "CN.0")
    assert d.rationale[0].startswith("The purchase serves no critical information infrastructure")
    assert "(Art. 2)" in d.rationale[0] and d.conditions == ()
    # the scope (CN.0, the first rule) rests on the declaration alone: final even on demo data
    on_demo = review(package.write(), home=bundled_home, as_of=AS_OF).determination
    assert (on_demo.outcome, on_demo.final, on_demo.provisional) == (d.outcome, True, ())


def test_a_cii_purchase_without_an_sbom_is_asked_for_it_once(
    package: _Package, bundled_home: Path
) -> None:
    # GB/T 43698-2024: the SBOM ships with the product; without it the key factor F02 is not
    # settled (CN.6, Art. 15 supplementary materials) and F12 is high. The SBOM is requested
    # once, from the vendor, during the review, for every factor it settles
    package.product["sboms"] = []
    d = _review(package, bundled_home).determination
    assert (d.outcome, d.rule) == (Outcome.REFER_TO_SPECIAL_REVIEW, "CN.6")
    asking = [c for c in d.conditions if "SBOM" in c.text]
    assert [(c.kind, c.party, c.due.value) for c in asking] == [
        (ConditionKind.EVIDENCE, Party.VENDOR, "during-review")
    ]
    assert asking[0].text == "Supply the missing evidence (Art. 15): an SBOM of P-1"
    assert {"F02", "F12", "F17"} <= set(asking[0].factors)
    # what would lower F12 names the product
    (f12,) = [a for a in d.assessments if a.factor_id == "F12"]
    assert [m.text for m in f12.mitigations] == [
        "A machine-readable SBOM (CycloneDX or SPDX) of the delivered release of P-1"
    ]


def _office_system(package: _Package) -> None:
    package.manifest["cii_systems"].append(
        {"id": "OFF", "name": "Office LAN", "criticality": "low", "internet_facing": True,
         "cii": False}
    )  # fmt: skip


def test_a_product_of_the_purchase_that_serves_no_cii_system_is_not_weighed(
    package: _Package, bundled_home: Path
) -> None:
    # Art. 2: the Measures reach what a CII operator buys for CII. A second product of the same
    # purchase, for the office network (not CII), with no SBOM and a vendor-run remote update,
    # needs no evidence and does not move the outcome of the product that serves CII
    clean = _review(package, bundled_home).determination
    _office_system(package)
    office = copy.deepcopy(package.product)
    office.update(id="P-2", name="Office appliance", sboms=[])
    office["deployments"] = [{"system": "OFF", "function": "file sharing"}]
    office["capabilities"]["remote_update"] = {"supported": True, "operated_by": "vendor",
                                               "automatic": True, "signed": False}  # fmt: skip
    package.manifest["products"].append(office)
    result = _review(package, bundled_home)
    d = result.determination
    assert (d.outcome, d.rule) == (clean.outcome, clean.rule)
    assert d.rationale[:-1] == clean.rationale
    assert d.conditions == clean.conditions
    assert [a.level for a in d.assessments] == [a.level for a in clean.assessments]
    assert d.rationale[-1] == (
        "Not weighed: P-2 serves no critical information infrastructure system, outside the "
        "Measures (Art. 2); no evidence of it is needed."
    )
    assert [p.product for p in result.products] == ["P-1"]
    assert result.declaration.id == "T-1" and "declaration.yaml" in d.inputs
    # a product on both: only its deployment on the CII system is weighed (no share asked for
    # the office function)
    package.manifest["products"].pop()
    package.product["deployments"].append({"system": "OFF", "function": "file sharing"})
    d = _review(package, bundled_home).determination
    assert d.conditions == clean.conditions and d.rationale == clean.rationale


def test_anticipated_no_effect_needs_no_review_without_an_sbom(
    package: _Package, bundled_home: Path
) -> None:
    # Art. 5: the operator anticipates no effect on national security; Art. 9: the office may
    # then decide no review is needed, if nothing the evidence shows contradicts it
    package.manifest["cii_systems"][0]["criticality"] = "medium"
    package.manifest["purchase"]["national_security_anticipation"] = {
        "effect": "none",
        "reason": "Ledger archive, read-only, no control path.",
    }
    package.product["sboms"] = []
    d = _review(package, bundled_home).determination
    assert (d.outcome, d.rule) == (Outcome.NO_REVIEW_NEEDED, "CN.4")
    # CN.4 reads factor levels, which current feeds could raise: provisional on demo data
    on_demo = review(package.write(), home=bundled_home, as_of=AS_OF).determination
    assert (on_demo.rule, on_demo.final) == ("CN.4", False) and on_demo.provisional
    # the same anticipation on a purchase handling important data is contradicted (Art. 10 item 5)
    package.product["capabilities"]["data"].append(
        {"category": "important", "stored_in": ["CN"], "processed_in": ["CN"]}
    )
    assert _review(package, bundled_home).determination.outcome is not Outcome.NO_REVIEW_NEEDED


def test_a_listing_abroad_above_one_million_users_is_weighed_under_item_6(
    package: _Package, bundled_home: Path
) -> None:
    # Art. 7: a platform operator with personal information of more than 1,000,000 users that
    # lists abroad must declare; Art. 10 item 6 is weighed (F11)
    listing = {"venue": "NASDAQ", "country": "US", "personal_information_users": 1_200_000}
    package.manifest["operator"]["listing"] = listing
    f11 = _by_id(_review(package, bundled_home).determination)["F11"]
    assert f11.floor is Level.HIGH
    assert any("above 1,000,000: a declaration is mandatory, Art. 7" in r for r in f11.reasons)
    assert [m.party for m in f11.mitigations] == [Party.OPERATOR]
    # not above the threshold: the office may still review it (Art. 16), medium
    listing["personal_information_users"] = 1_000_000
    assert _by_id(_review(package, bundled_home).determination)["F11"].floor is Level.MEDIUM
    # Hong Kong is not 国外 for Art. 7 (REGIMES §1.2)
    listing.update(country="HK", personal_information_users=5_000_000)
    assert _by_id(_review(package, bundled_home).determination)["F11"].floor is Level.NONE


def test_a_mandatory_listing_declaration_is_reviewed_even_without_cii(
    package: _Package, bundled_home: Path
) -> None:
    # Art. 7 reaches the listing whatever systems the purchase serves
    package.manifest["cii_systems"][0]["cii"] = False
    package.manifest["operator"]["listing"] = {
        "venue": "NYSE",
        "country": "US",
        "personal_information_users": 3_000_000,
    }
    d = _review(package, bundled_home).determination
    assert d.rule != "CN.0" and d.outcome is not Outcome.NO_REVIEW_NEEDED


def test_remote_update_says_only_what_is_declared(package: _Package, bundled_home: Path) -> None:
    # Art. 10 item 1 (illegal remote control): a vendor-run update channel is at least medium,
    # high when automatic; when the declaration does not say whether it is automatic, the review
    # asks that alone and does not assume the operator applies the updates
    package.product["capabilities"]["remote_update"] = {"supported": True, "operated_by": "vendor",
                                                        "signed": True}  # fmt: skip
    f01 = _by_id(_review(package, bundled_home).determination)["F01"]
    assert (f01.level, f01.floor) == (Level.UNDETERMINED, Level.MEDIUM)
    assert "P-1: vendor can push updates remotely (whether automatically is not declared)" in (
        f01.reasons
    )
    assert [g.what for g in f01.missing_evidence] == [
        "whether P-1's remote updates apply automatically"
    ]
    package.product["capabilities"]["remote_update"]["automatic"] = False
    f01 = _by_id(_review(package, bundled_home).determination)["F01"]
    assert f01.level is Level.MEDIUM and f01.missing_evidence == ()
    assert "P-1: vendor can push updates remotely (with the operator applying it)" in f01.reasons


# --- evidence: unidentified components, empty SBOMs ------------------------------------------


def test_the_vendors_own_unidentified_component_is_a_transparency_gap(
    package: _Package, bundled_home: Path
) -> None:
    # GB/T 43698-2024: the supplier ships an SBOM the acquirer can verify; a first-party part
    # without an identifier is for the vendor to name (F12), not an unknown third-party status
    firmware = {"type": "firmware", "bom-ref": "qh-fw", "name": "Qinghe storage firmware",
                "version": "3.1.0", "supplier": {"name": "QINGHE DATA SYSTEMS CO LTD"}}  # fmt: skip
    package.components.append(firmware)
    d = _review(package, bundled_home).determination
    by_id = _by_id(d)
    assert by_id["F12"].level is Level.MEDIUM
    assert by_id["F02"].level is Level.NONE and by_id["F02"].missing_evidence == ()
    assert d.outcome is Outcome.PASS_WITH_CONDITIONS
    (condition,) = [c for c in d.conditions if "Identifiers (purl or CPE)" in c.text]
    assert (condition.party, condition.factors) == (Party.VENDOR, ("F12",))


@pytest.mark.parametrize("identifier", ["cpe", "maven purl"])
def test_the_vendors_own_component_the_snapshot_cannot_check_is_for_the_vendor_to_attest(
    package: _Package, bundled_home: Path, identifier: str
) -> None:
    # GB/T 43698-2024: the vendor's own component carries the identifier F12 asks for, but the
    # snapshot covers it only in part (NVD selection) or not at all (no Maven advisories): its
    # status is the vendor's to attest (F12, a condition), the snapshot's gap a limitation of the
    # review; F02 does not read it as a third-party part of unknown status (no CN.6 referral)
    firmware = {"type": "firmware", "bom-ref": "qh-agent", "name": "qinghe-agent",
                "version": "3.1.0", "supplier": {"name": VENDOR}}  # fmt: skip
    package.components.append({**firmware, **IDENTIFIERS[identifier]})
    d = _review(package, bundled_home).determination
    by_id = _by_id(d)
    assert by_id["F02"].level is Level.NONE
    assert (by_id["F02"].missing_evidence, by_id["F02"].limitations) == ((), ())
    assert by_id["F12"].floor is Level.MEDIUM
    assert any("1 of the vendor's own components not" in r for r in by_id["F12"].reasons)
    assert (d.outcome, d.rule) == (Outcome.PASS_WITH_CONDITIONS, "CN.8")
    (attestation,) = [c for c in d.conditions if c.text.startswith("The vendor's attestation")]
    assert (attestation.party, attestation.factors) == (Party.VENDOR, ("F12",))
    (gap,) = [lim for lim in d.limitations if "qinghe-agent" in lim.text]
    assert gap.factors == ("F12",) and gap.text.startswith("1 of the vendor's own component(s)")
    # a third-party component in the same place stays unsettled evidence for F02 (CN.6)
    package.components[-1] = {**firmware, **IDENTIFIERS[identifier], "supplier": {"name": "X"}}
    assert _review(package, bundled_home).determination.rule == "CN.6"


def test_a_third_party_unidentified_component_leaves_f02_unsettled(
    package: _Package, bundled_home: Path
) -> None:
    package.components.append(
        {"type": "library", "bom-ref": "libfoo", "name": "libfoo", "version": "1.2",
         "supplier": {"name": "Foo Project"}}
    )  # fmt: skip
    d = _review(package, bundled_home).determination
    f02 = _by_id(d)["F02"]
    assert f02.level is Level.UNDETERMINED
    assert [g.what for g in f02.missing_evidence] == [
        "identifiers (purl or CPE) for 1 third-party component(s) of P-1 (libfoo 1.2)"
    ]
    assert (d.outcome, d.rule) == (Outcome.REFER_TO_SPECIAL_REVIEW, "CN.6")


def _spdx_of_the_product_alone(package: _Package) -> None:
    """An SPDX 2.3 SBOM that describes the product and lists nothing else."""
    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "qinghe-db",
        "documentNamespace": "https://qinghe.example/spdx/qinghe-db-3.1",
        "creationInfo": {
            "created": "2026-11-01T00:00:00Z",
            "creators": [f"Organization: {VENDOR}"],
        },
        "packages": [
            {"SPDXID": "SPDXRef-db", "name": "Qinghe DB", "versionInfo": "3.1",
             "downloadLocation": "NOASSERTION", "supplier": f"Organization: {VENDOR}",
             "checksums": [{"algorithm": "SHA256", "checksumValue": "c" * 64}]}
        ],
        "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                           "relatedSpdxElement": "SPDXRef-db"}],
    }  # fmt: skip
    (package.root / "sbom").mkdir(parents=True, exist_ok=True)
    (package.root / "sbom" / "p1.spdx.json").write_text(json.dumps(document), encoding="utf-8")
    package.product["sboms"] = ["sbom/p1.spdx.json"]


def _cyclonedx_listing_the_product(package: _Package) -> None:
    """A CycloneDX SBOM with no root that lists the product itself as its only component."""
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [
            {"type": "application", "bom-ref": "db", "name": "qinghe  DB", "version": "3.1",
             "supplier": {"name": VENDOR}}
        ],
    }  # fmt: skip
    (package.root / "sbom").mkdir(parents=True, exist_ok=True)
    (package.root / "sbom" / "p1-flat.cdx.json").write_text(json.dumps(document), "utf-8")
    package.product["sboms"] = ["sbom/p1-flat.cdx.json"]


@pytest.mark.parametrize(
    "shape", ["cyclonedx root", "cyclonedx bare root", "spdx root", "cyclonedx product listed"]
)
def test_an_sbom_with_no_components_is_no_sbom_evidence(
    package: _Package, bundled_home: Path, shape: str
) -> None:
    # GB/T 43698-2024 SBOM completeness: an SBOM that lists only the product itself (here with a
    # supplier and a hash, or nothing but a name) is no SBOM evidence: F12 as for a missing SBOM,
    # the vulnerability factors undetermined, never a pass; no factor weighs the root's fields
    # (F09 suppliers, F14 hashes) as if they described the components
    package.components = []
    if shape == "cyclonedx bare root":
        package.root_component = {"type": "application", "bom-ref": "x", "name": "x"}
    elif shape == "spdx root":
        _spdx_of_the_product_alone(package)
    elif shape == "cyclonedx product listed":  # no root: the product (its declared name) listed
        _cyclonedx_listing_the_product(package)
    result = _review(package, bundled_home)
    d = result.determination
    by_id = _by_id(d)
    assert by_id["F12"].level is Level.HIGH
    assert by_id["F12"].rule.startswith("F12.R1")  # the missing-SBOM rule
    assert "no active finding needs a remedy" in by_id["F18"].reasons  # found none, knows none
    wanted = "an SBOM listing the components of P-1 (its SBOMs list only the product)"
    for factor in ("F02", "F17", "F18", "F09", "F14"):
        assert by_id[factor].level is Level.UNDETERMINED, factor
        assert wanted in [g.what for g in by_id[factor].missing_evidence], factor
    assert not any("components carry a hash" in r for r in by_id["F14"].reasons)
    assert not any("components name a supplier" in r for r in by_id["F09"].reasons)
    assert d.outcome is not Outcome.PASS and d.rule == "CN.6"
    (scan,) = result.products
    assert scan.coverage is not None and scan.coverage.checked == 0


# --- data: CSL Art. 37, PIPL Arts. 38-40, Provisions 2024 Art. 7 ------------------------------


def _personal(package: _Package, **fields: Any) -> None:
    entry = {"category": "personal", "individuals": 800_000, "stored_in": ["CN"]}
    package.product["capabilities"]["data"].append({**entry, **fields})


def test_a_ciios_personal_information_abroad_without_assessment_is_critical(
    package: _Package, bundled_home: Path
) -> None:
    # a CIIO needs the assessment for any amount (Provisions 2024 Art. 7(1))
    _personal(package, processed_in=["CN", "SG"])
    d = _review(package, bundled_home).determination
    f10 = _by_id(d)["F10"]
    assert f10.level is Level.CRITICAL and (d.outcome, d.rule) == (Outcome.FAIL, "CN.2")
    assert (
        "personal data in SG needs an export security assessment, not declared" in (f10.reasons[0])
    )
    # with a completed assessment that covers Singapore: medium, the purchase can pass
    package.product["capabilities"]["data"][-1]["export_assessment"] = {
        "status": "completed",
        "countries": ["SG"],
    }
    d = _review(package, bundled_home).determination
    assert _by_id(d)["F10"].level is Level.MEDIUM
    assert d.outcome is Outcome.PASS_WITH_CONDITIONS


def test_below_the_thresholds_an_operator_that_is_no_ciio_is_medium(
    package: _Package, bundled_home: Path
) -> None:
    # not a CIIO, 800,000 people (not above 1,000,000; Provisions 2024 Art. 7(2), Art. 8)
    package.manifest["operator"]["ciio"] = False
    _personal(package, processed_in=["SG"])
    assert _by_id(_review(package, bundled_home).determination)["F10"].level is Level.MEDIUM
    # sensitive personal information of more than 10,000 people needs the assessment
    package.product["capabilities"]["data"][-1]["sensitive"] = ["financial-account"]
    assert _by_id(_review(package, bundled_home).determination)["F10"].level is Level.CRITICAL


@pytest.mark.parametrize(
    ("data", "level"),
    [
        # Provisions 2024 Art. 7(2) / Art. 8: personal information of more than 1,000,000 people
        # needs the assessment; 1,000,000 is not more
        ({"category": "personal", "individuals": 1_000_000}, Level.MEDIUM),
        ({"category": "personal", "individuals": 1_000_001}, Level.CRITICAL),
        # sensitive personal information of more than 10,000 people
        (
            {"category": "personal", "individuals": 10_000, "sensitive": ["medical-health"]},
            Level.MEDIUM,
        ),
        (
            {"category": "personal", "individuals": 10_001, "sensitive": ["medical-health"]},
            Level.CRITICAL,
        ),
        ({"category": "sensitive-personal", "individuals": 10_001}, Level.CRITICAL),
        # important data needs it whatever the amount (Provisions 2024 Art. 7)
        ({"category": "important"}, Level.CRITICAL),
        # a count not declared is read as above the thresholds (docs/review-policy.md)
        ({"category": "personal"}, Level.CRITICAL),
    ],
)
def test_export_thresholds_of_an_operator_that_is_no_ciio(
    package: _Package, bundled_home: Path, data: dict[str, Any], level: Level
) -> None:
    package.manifest["operator"]["ciio"] = False
    package.product["capabilities"]["data"].append({**data, "stored_in": ["CN", "DE"]})
    f10 = _by_id(_review(package, bundled_home).determination)["F10"]
    assert f10.floor is level, f10.reasons


def test_core_data_abroad_is_critical_whatever_the_assessment(
    package: _Package, bundled_home: Path
) -> None:
    package.product["capabilities"]["data"].append(
        {"category": "core", "stored_in": ["CN", "DE"],
         "export_assessment": {"status": "completed", "countries": ["DE"]}}
    )  # fmt: skip
    assert _by_id(_review(package, bundled_home).determination)["F10"].level is Level.CRITICAL


def test_a_product_with_no_restricted_data_says_what_f10_weighed(
    package: _Package, bundled_home: Path
) -> None:
    # Art. 10 item 5 reaches core data, important data and personal information: a product that
    # declares only business data (or none) is at none for F10, and the result says why
    f10 = _by_id(_review(package, bundled_home).determination)["F10"]
    assert f10.level is Level.NONE
    assert f10.reasons == ("P-1 handles no core, important or personal data (declared: business)",)
    package.product["capabilities"]["data"] = []
    f10 = _by_id(_review(package, bundled_home).determination)["F10"]
    assert f10.reasons == (
        "P-1 handles no core, important or personal data (no data class declared)",
    )


def test_undeclared_data_locations_are_missing_evidence(
    package: _Package, bundled_home: Path
) -> None:
    package.product["capabilities"]["data"].append({"category": "personal", "individuals": 500})
    f10 = _by_id(_review(package, bundled_home).determination)["F10"]
    assert f10.level is Level.UNDETERMINED
    assert [g.what for g in f10.missing_evidence] == [
        "where P-1's personal data is stored and processed"
    ]


# --- supply interruption (A10.2, A10.3) ------------------------------------------------------


def test_a_sole_source_for_most_of_a_critical_function_raises_f05_on_its_own(
    package: _Package, bundled_home: Path
) -> None:
    # GB/T 36637-2018 供应中断; the bundled snapshot lacks the CSL: a limitation, not a mask
    package.manifest["purchase"]["alternatives"] = []
    package.product["deployments"][0]["share_percent"] = 80
    d = _review(package, bundled_home).determination
    f05 = _by_id(d)["F05"]
    assert f05.level is Level.HIGH and f05.limitations
    assert any("is the only qualified supplier of 80%" in r for r in f05.reasons)
    texts = {c.text for c in d.conditions}
    assert {
        "Spares and stock for at least twelve months of operation held in the country",
        "A second qualified supplier for the function",
        "A tested exit plan for moving the function to another supplier",
    } <= texts
    assert not any("screening" in t for t in texts)  # a missing list is no condition


@pytest.mark.parametrize(
    ("share", "criticality", "raised"),
    [
        # docs/review-policy.md, supply interruption: the only qualified supplier of 50% or more
        # of a function of a high- or critical-criticality CII system
        (50, "high", True),
        (49, "high", False),
        (100, "critical", True),
        (100, "medium", False),
    ],
)
def test_the_sole_source_threshold(
    package: _Package, bundled_home: Path, share: int, criticality: str, raised: bool
) -> None:
    package.manifest["purchase"]["alternatives"] = []
    package.manifest["cii_systems"][0]["criticality"] = criticality
    package.product["deployments"][0]["share_percent"] = share
    f05 = _by_id(_review(package, bundled_home).determination)["F05"]
    sole = [r for r in f05.reasons if "is the only qualified supplier of" in r]
    assert bool(sole) is raised and (f05.floor is Level.HIGH) is raised, f05.reasons


def test_foreign_export_controls_raise_f05(package: _Package, bundled_home: Path) -> None:
    # A10.3 (supply interruption for political, diplomatic or trade reasons): export controls
    # that could stop updates, spares or support raise F05 to high on their own; its
    # mitigations reach the conditions, a second source only where none is qualified yet
    package.answers["F07.Q2"] = True
    d = _review(package, bundled_home).determination
    f05 = _by_id(d)["F05"]
    assert f05.level is Level.HIGH and f05.rule.startswith("F05.R7")
    texts = [c.text for c in d.conditions if "F05" in c.factors]
    assert texts == [
        "Spares and stock for at least twelve months of operation held in the country",
        "A tested exit plan for moving the function to another supplier",
    ]  # the purchase declares a qualified alternative already
    package.manifest["purchase"]["alternatives"] = []
    d = _review(package, bundled_home).determination
    texts = [c.text for c in d.conditions if "F05" in c.factors]
    assert "A second qualified supplier for the function" in texts


# --- provenance --------------------------------------------------------------------------------


def test_a_review_on_demo_intelligence_is_provisional(
    package: _Package, bundled_home: Path
) -> None:
    d = review(package.write(), home=bundled_home, as_of=AS_OF).determination
    assert not d.final and d.provisional[0].startswith("The review rests on demo intelligence")
    assert d.outcome is Outcome.PASS_WITH_CONDITIONS  # the outcome is still given


@pytest.mark.parametrize(
    ("regime", "day", "zone"),
    [
        # 2026-12-02 03:30 UTC is 11:30 on 2 December in Beijing (UTC+8) and 22:30 on
        # 1 December in New York (UTC-5): the default review date is the regime's today
        ("cn-crm-2022", "2026-12-02", "Asia/Shanghai"),
        ("nist-800-161", "2026-12-01", "America/New_York"),
    ],
)
def test_the_default_review_date_is_today_in_the_regimes_time_zone(
    package: _Package, bundled_home: Path, regime: str, day: str, zone: str
) -> None:
    clock = lambda: datetime(2026, 12, 2, 3, 30, tzinfo=UTC)  # noqa: E731
    d = review(package.write(), home=bundled_home, regime=regime, clock=clock).determination
    assert (d.as_of, d.as_of_basis) == (day, f"today in {zone}")


def test_coverage_in_the_result_matches_the_sbom(package: _Package, bundled_home: Path) -> None:
    (scan,) = _review(package, bundled_home).products
    assert scan.coverage is not None
    assert scan.coverage.roots == (package.root_component["bom-ref"],)
    assert scan.coverage.checked == len(package.components) == len(CLEAN)
    assert [g.target for g in scan.coverage.groups] == ["PyPI"]


# --- properties on whole reviews ------------------------------------------------------------------


def _rank(result: ReviewResult) -> int:
    return ORDER.index(result.determination.outcome)


@pytest.mark.parametrize("added", [KEV, UNSCORED])
@pytest.mark.parametrize(
    "variant",
    [
        "clean",
        "third-party unidentified",
        "first-party unidentified",
        "sole source",
        "anticipated no effect",
        "low criticality offline",
        "not cii",
    ],
)
def test_adding_a_critical_or_kev_finding_never_gives_a_better_outcome(
    package: _Package, bundled_home: Path, added: tuple[str, str], variant: str
) -> None:
    _VARIANTS[variant](package)
    before = _rank(_review(package, bundled_home))
    package.components.append(_component(*added))
    assert _rank(_review(package, bundled_home)) >= before


IDENTIFIERS = {
    # no advisory in the bundled PyPA database: checked, nothing found
    "pypi purl": {"purl": "pkg:pypi/qinghe-agent@3.1.0"},
    # the bundled NVD is a partial selection: checked only in part
    "cpe": {"cpe": "cpe:2.3:o:qinghe:qinghe-agent:3.1.0:*:*:*:*:*:*:*"},
    # the bundled snapshot holds no Maven advisories: not checked
    "maven purl": {"purl": "pkg:maven/cn.qinghe/qinghe-agent@3.1.0"},
}


@pytest.mark.parametrize("identifier", sorted(IDENTIFIERS))
@pytest.mark.parametrize(
    "variant",
    [
        "clean",
        "third-party unidentified",
        "sole source",
        "no alternative",
        "anticipated no effect",
        "low criticality offline",
    ],
)
def test_identifying_a_first_party_component_never_gives_a_worse_outcome(
    package: _Package, bundled_home: Path, variant: str, identifier: str
) -> None:
    # F12 asks the vendor for identifiers (purl or CPE) of its own components (GB/T 43698-2024);
    # supplying one that has no advisory must not leave the review less settled, whether the
    # snapshot covers it fully, in part (NVD selection) or not at all (no Maven advisories)
    _VARIANTS[variant](package)
    firmware = {"type": "firmware", "bom-ref": "qh-agent", "name": "qinghe-agent",
                "version": "3.1.0", "supplier": {"name": VENDOR}}  # fmt: skip
    package.components.append(firmware)
    before = _rank(_review(package, bundled_home))
    package.components[-1] = {**copy.deepcopy(firmware), **IDENTIFIERS[identifier]}
    assert _rank(_review(package, bundled_home)) <= before


def _third_party(package: _Package) -> None:
    package.components.append({"type": "library", "bom-ref": "lib", "name": "lib"})


def _first_party(package: _Package) -> None:
    package.components.append(
        {"type": "firmware", "bom-ref": "fw", "name": "fw", "supplier": {"name": VENDOR}}
    )


def _sole_source(package: _Package) -> None:
    package.manifest["purchase"]["alternatives"] = []
    package.product["deployments"][0]["share_percent"] = 90


def _no_alternative(package: _Package) -> None:
    package.manifest["purchase"]["alternatives"] = []


def _anticipated_no_effect(package: _Package) -> None:
    # Art. 5 anticipation of no effect, on a medium-criticality system (CN.4)
    package.manifest["cii_systems"][0]["criticality"] = "medium"
    package.manifest["purchase"]["national_security_anticipation"] = {
        "effect": "none",
        "reason": "Ledger archive, read-only.",
    }


def _low_criticality(package: _Package) -> None:
    # a low-criticality CII system that is not internet-facing (CN.5)
    package.manifest["cii_systems"][0]["criticality"] = "low"


def _not_cii(package: _Package) -> None:
    # outside the Measures (Art. 2, CN.0)
    package.manifest["cii_systems"][0]["cii"] = False


_VARIANTS: dict[str, Callable[[_Package], None]] = {
    "clean": lambda package: None,
    "third-party unidentified": _third_party,
    "first-party unidentified": _first_party,
    "sole source": _sole_source,
    "no alternative": _no_alternative,
    "anticipated no effect": _anticipated_no_effect,
    "low criticality offline": _low_criticality,
    "not cii": _not_cii,
}


def test_wording_has_no_empty_brackets_or_code_marks(package: _Package, bundled_home: Path) -> None:
    _third_party(package)
    _first_party(package)
    _sole_source(package)
    package.components.append(_component(*UNSCORED))
    del package.vendor["vulnerability_handling"]["cvd_policy_url"]  # "no … policy", not "no a"
    package.answers.pop("F03.Q2")
    package.product["capabilities"]["data"].append({"category": "personal"})  # count unknown
    d = _review(package, bundled_home).determination
    texts = [*d.rationale, *(c.text for c in d.conditions), *(lim.text for lim in d.limitations)]
    texts += [r for a in d.assessments for r in (*a.reasons, a.rule)]
    for text in texts:
        for bad in ("()", "no a ", "at least none", "`", "None"):
            assert bad not in text, (bad, text)
    assert {c.kind for c in d.conditions} >= {ConditionKind.MITIGATION, ConditionKind.EVIDENCE}
