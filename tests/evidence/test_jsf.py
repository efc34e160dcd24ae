"""Tests of JSF signature inspection: the spec's signed BOMs, malformed signers, and documents
signed here with fresh keys (EC, RSA, EdDSA) whose verification must succeed, then fail once a
byte of the document changes.

The signed data is built here with `json.dumps(sort_keys=True, separators=(",", ":"))`, which is
RFC 8785 canonical form for the ASCII-only documents used, independently of `canonical_json`.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from chainreview import raw
from chainreview.components.model import SignatureStatus
from chainreview.evidence import cyclonedx_json
from chainreview.evidence.jsf import canonical_json, inspect_jsf

SPEC_TESTS = "cyclonedx-specification/tools/src/test/resources"

Signer = Callable[[bytes], bytes]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64(value: int, size: int) -> str:
    return _b64(value.to_bytes(size, "big"))


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _es256() -> tuple[dict[str, str], Signer]:
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": _int_b64(numbers.x, 32), "y": _int_b64(numbers.y, 32)}

    def sign(data: bytes) -> bytes:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return jwk, sign


def _rsa(pss: bool) -> tuple[dict[str, str], Signer]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "RSA", "n": _int_b64(numbers.n, 256), "e": _int_b64(numbers.e, 3)}
    pad: padding.AsymmetricPadding = (
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        if pss
        else padding.PKCS1v15()
    )
    return jwk, lambda data: key.sign(data, pad, hashes.SHA256())


def _ed25519() -> tuple[dict[str, str], Signer]:
    key = ed25519.Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(public)}, key.sign


KEYS = {
    "ES256": _es256,
    "RS256": lambda: _rsa(False),
    "PS256": lambda: _rsa(True),
    "Ed25519": _ed25519,
}


def _bom() -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [{"type": "library", "name": "a", "version": "1.0", "bom-ref": "a"}],
    }


def _sign_single(doc: dict[str, Any], algorithm: str) -> dict[str, Any]:
    jwk, sign = KEYS[algorithm]()
    signed = copy.deepcopy(doc)
    signed["signature"] = {"algorithm": algorithm, "publicKey": jwk}
    signed["signature"]["value"] = _b64(sign(_canonical(signed)))
    return signed


@pytest.mark.parametrize("algorithm", sorted(KEYS))
def test_signature_with_embedded_key_verifies(algorithm: str) -> None:
    signed = _sign_single(_bom(), algorithm)
    result = inspect_jsf(signed)
    assert (result.status, result.algorithm, result.detail) == (
        SignatureStatus.PRESENT,
        algorithm,
        "verified",
    )
    signed["components"][0]["version"] = "1.1"
    tampered = inspect_jsf(signed)
    assert (tampered.status, tampered.detail) == (
        SignatureStatus.INVALID,
        "signature does not verify",
    )


def test_multiple_signers_each_cover_only_themselves() -> None:
    doc = _bom()
    signers = []
    for algorithm in ("ES256", "Ed25519"):
        jwk, sign = KEYS[algorithm]()
        signer: dict[str, Any] = {"algorithm": algorithm, "publicKey": jwk}
        alone = {**doc, "signature": {"signers": [signer]}}
        signers.append({**signer, "value": _b64(sign(_canonical(alone)))})
    signed = {**doc, "signature": {"signers": signers}}
    result = inspect_jsf(signed)
    assert result.status is SignatureStatus.PRESENT
    assert result.algorithm == "ES256, Ed25519"
    assert result.detail == "signers[0]: verified; signers[1]: verified"
    signers[1]["value"] = signers[0]["value"]
    assert inspect_jsf(signed).detail == "signers[1]: signature does not verify"


def test_chain_signers_cover_the_earlier_ones() -> None:
    doc = _bom()
    chain: list[dict[str, Any]] = []
    for algorithm in ("ES256", "ES256"):
        jwk, sign = KEYS[algorithm]()
        signer: dict[str, Any] = {"algorithm": algorithm, "publicKey": jwk}
        covered = {**doc, "signature": {"chain": [*chain, signer]}}
        chain.append({**signer, "value": _b64(sign(_canonical(covered)))})
    signed = {**doc, "signature": {"chain": chain}}
    assert inspect_jsf(signed).detail == "chain[0]: verified; chain[1]: verified"


def test_absent_signature() -> None:
    assert inspect_jsf(_bom()).status is SignatureStatus.ABSENT


@pytest.mark.parametrize(
    ("signature", "detail"),
    [
        ("text", "signature is not an object"),
        ({"value": "AAAA", "keyId": "k"}, "no algorithm"),
        ({"algorithm": "XX999", "value": "AAAA", "keyId": "k"}, "unknown algorithm 'XX999'"),
        ({"algorithm": "ES256", "keyId": "k"}, "no signature value"),
        (
            {"algorithm": "ES256", "value": "tqIT...", "keyId": "k"},
            "signature value is not base64url",
        ),
        ({"algorithm": "ES256", "value": "AAAA"}, "no publicKey, certificatePath or keyId"),
        (
            {"algorithm": "ES256", "value": "AAAA", "publicKey": {"crv": "P-256"}},
            "publicKey is not",
        ),
        ({"algorithm": "ES256", "value": "AAAA", "certificatePath": []}, "certificatePath is not"),
        ({"signers": []}, "'signers' must be a non-empty array of signers"),
        ({"chain": [{"algorithm": "ES256"}]}, "chain[0]: no signature value"),
        (
            {"algorithm": "ES256", "value": "AAAA", "publicKey": {"kty": "EC", "crv": "P-1"}},
            "publicKey does not hold a usable ES256 key",
        ),
    ],
)
def test_malformed_signatures_are_invalid(signature: object, detail: str) -> None:
    result = inspect_jsf({**_bom(), "signature": signature})
    assert result.status is SignatureStatus.INVALID
    assert result.detail.startswith(detail)


@pytest.mark.parametrize(
    ("signer", "detail"),
    [
        ({"algorithm": "ES256", "keyId": "key-1"}, "not verified: key given by keyId only"),
        ({"algorithm": "HS256", "keyId": "k"}, "not verified: HMAC needs the shared secret"),
        ({"algorithm": "urn:acme:sig", "keyId": "k"}, "not verified: proprietary algorithm"),
    ],
)
def test_well_formed_but_unverifiable_signatures_are_present(
    signer: dict[str, str], detail: str
) -> None:
    result = inspect_jsf({**_bom(), "signature": {**signer, "value": "AAAA"}})
    assert result.status is SignatureStatus.PRESENT
    assert result.detail.startswith(detail)


def _spec_doc(shared_data: Path, version: str, name: str) -> dict[str, Any]:
    path = shared_data / SPEC_TESTS / version / f"{name}-{version}.json"
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def test_spec_1_4_signature_verifies_with_its_certificate(shared_data: Path) -> None:
    doc = _spec_doc(shared_data, "1.4", "valid-signatures")
    assert "publicKey" not in doc["signature"] and doc["signature"]["certificatePath"]
    result = inspect_jsf(doc)
    assert result.status is SignatureStatus.PRESENT
    assert result.algorithm == "ES256"
    assert result.detail.startswith("verified")
    doc["serialNumber"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
    assert inspect_jsf(doc).status is SignatureStatus.INVALID


@pytest.mark.parametrize("version", ["1.5", "1.6", "1.7"])
def test_later_spec_samples_reuse_the_1_4_signature(shared_data: Path, version: str) -> None:
    """These samples carry the 1.4 signature bytes over a different document, so they fail."""
    doc = _spec_doc(shared_data, version, "valid-signatures")
    original = _spec_doc(shared_data, "1.4", "valid-signatures")
    assert doc["signature"]["value"] == original["signature"]["value"]
    unsigned, original_unsigned = copy.deepcopy(doc), copy.deepcopy(original)
    del unsigned["signature"]["value"], original_unsigned["signature"]["value"]
    assert _canonical(unsigned) != _canonical(original_unsigned)
    result = inspect_jsf(doc)
    assert (result.status, result.detail) == (SignatureStatus.INVALID, "signature does not verify")


@pytest.mark.parametrize("version", ["1.6", "1.7"])
def test_attestation_placeholder_signature_is_invalid(shared_data: Path, version: str) -> None:
    doc = _spec_doc(shared_data, version, "valid-attestation")
    assert doc["signature"]["value"].endswith("...")
    result = inspect_jsf(doc)
    assert (result.status, result.detail) == (
        SignatureStatus.INVALID,
        "signature value is not base64url",
    )


def test_reader_reports_the_root_signature(shared_data: Path) -> None:
    path = shared_data / SPEC_TESTS / "1.4" / "valid-signatures-1.4.json"
    document = cyclonedx_json.read(raw.load_json(path.read_bytes(), "s.json"), "s.json")
    assert document.signature.status is SignatureStatus.PRESENT
    assert len(document.components) == 1


def test_canonical_json_matches_rfc_8785_examples() -> None:
    # Section 3.2.2 of RFC 8785: the input (with its JSON escapes) and the canonical output.
    source = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(json.loads(source)) == expected.encode()


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.5, "-1.5"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (123456789012345680000.0, "123456789012345680000"),
        (2**53, "9007199254740992"),
        (2**60, "1152921504606847000"),
        (5e-324, "5e-324"),
    ],
)
def test_canonical_json_numbers(number: float, text: str) -> None:
    assert canonical_json(number) == text.encode()


def test_canonical_json_sorts_keys_by_utf16_code_units() -> None:
    # U+10000 is D800 DC00 in UTF-16, which sorts before U+FB01 (a code-point sort would not).
    value = {"\ufb01": 1, "\U00010000": 2, "a": 3}
    assert canonical_json(value) == '{"a":3,"\U00010000":2,"\ufb01":1}'.encode()


def test_canonical_json_refuses_non_finite_numbers() -> None:
    with pytest.raises(ValueError, match="NaN"):
        canonical_json([float("nan")])
