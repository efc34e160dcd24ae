"""JSON Signature Format (JSF 0.82) signatures of CycloneDX JSON documents.

`inspect_jsf` reports whether the BOM root carries a signature and whether it is well formed:
a known algorithm, a base64url `value`, and a key reference (`publicKey`, `certificatePath` or
`keyId`). When a signer embeds a JWK `publicKey` or a certificate path, the signature is also
checked against the RFC 8785 (JCS) canonical form of the document without its `value`, as JSF
prescribes. A good check proves the document is unchanged since that key signed it, not who holds
the key: certificate chains are not validated and key ids are not resolved.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import re
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from chainreview.components.model import Signature, SignatureStatus

_ASYMMETRIC = frozenset(
    {
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "Ed25519",
        "Ed448",
    }
)
_HMAC = frozenset({"HS256", "HS384", "HS512"})
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_Locator = Callable[[dict[str, Any]], dict[str, Any]]
"""Finds, in a copy of the document, the signer object being verified (and trims its siblings)."""
_BITS = ("256", "384", "512")
"""Digest sizes of the JWA algorithms (`ES256`, `RS384`, …).

`cryptography` is imported only when a signature is actually checked (below): reading an
unsigned SBOM, the common case and the scan path, never loads it."""


class _Malformed(Exception):
    """A signer object that does not follow JSF; the message says what is wrong."""


def inspect_jsf(doc: dict[str, Any]) -> Signature:
    """Report the JSF signature on the root of `doc`: absent, present (verified or not), invalid."""
    if "signature" not in doc:
        return Signature()
    envelope = doc["signature"]
    if not isinstance(envelope, dict):
        return _invalid(None, "signature is not an object")
    if "signers" in envelope or "chain" in envelope:
        return _inspect_multiple(doc, envelope)
    try:
        signer = _check_signer(envelope)
    except _Malformed as exc:
        return _invalid(_algorithm_of(envelope), str(exc))
    return _verify(doc, signer, _root_signer)


def _root_signer(unsigned: dict[str, Any]) -> dict[str, Any]:
    signer: dict[str, Any] = unsigned["signature"]
    return signer


def _inspect_multiple(doc: dict[str, Any], envelope: dict[str, Any]) -> Signature:
    """Signers (independent signatures) or a chain (each signer also covers the earlier ones)."""
    key = "signers" if "signers" in envelope else "chain"
    signers = envelope[key]
    if len(envelope) != 1:
        return _invalid(None, f"a {key!r} signature must have no other properties")
    if not isinstance(signers, list) or not signers:
        return _invalid(None, f"{key!r} must be a non-empty array of signers")
    results: list[Signature] = []
    for index, signer in enumerate(signers):
        try:
            checked = _check_signer(signer)
        except _Malformed as exc:
            return _invalid(_algorithm_of(signer), f"{key}[{index}]: {exc}")
        result = _verify(doc, checked, _multiple_locator(key, index))
        if result.status is SignatureStatus.INVALID:
            return _invalid(result.algorithm, f"{key}[{index}]: {result.detail}")
        results.append(result)
    return _present(
        ", ".join(dict.fromkeys(r.algorithm for r in results if r.algorithm)),
        "; ".join(f"{key}[{index}]: {r.detail}" for index, r in enumerate(results)),
    )


def _multiple_locator(key: str, index: int) -> _Locator:
    """Select signer `index` inside the copy to verify, dropping what it does not cover."""

    def locate(unsigned: dict[str, Any]) -> dict[str, Any]:
        signers: list[dict[str, Any]] = unsigned["signature"][key]
        kept = [signers[index]] if key == "signers" else signers[: index + 1]
        unsigned["signature"][key] = kept
        return kept[-1]

    return locate


def _check_signer(signer: object) -> dict[str, Any]:
    """Return a well-formed JSF signer object, or raise `_Malformed` saying what is wrong."""
    if not isinstance(signer, dict):
        raise _Malformed("signer is not an object")
    algorithm = signer.get("algorithm")
    if not isinstance(algorithm, str) or not algorithm:
        raise _Malformed("no algorithm")
    if algorithm not in _ASYMMETRIC | _HMAC and not urlsplit(algorithm).scheme:
        raise _Malformed(f"unknown algorithm {algorithm[:100]!r}")
    value = signer.get("value")
    if not isinstance(value, str) or not value:
        raise _Malformed("no signature value")
    if not _BASE64URL.fullmatch(value) or len(value) % 4 == 1:
        raise _Malformed("signature value is not base64url")
    _check_key_reference(signer)
    return signer


def _check_key_reference(signer: dict[str, Any]) -> None:
    public_key = signer.get("publicKey")
    certificates = signer.get("certificatePath")
    key_id = signer.get("keyId")
    if public_key is None and certificates is None and key_id is None:
        raise _Malformed("no publicKey, certificatePath or keyId")
    if public_key is not None and not (isinstance(public_key, dict) and "kty" in public_key):
        raise _Malformed("publicKey is not a JWK object with 'kty'")
    if certificates is not None and not (
        isinstance(certificates, list)
        and certificates
        and all(isinstance(c, str) for c in certificates)
    ):
        raise _Malformed("certificatePath is not a non-empty array of strings")
    if key_id is not None and not isinstance(key_id, str):
        raise _Malformed("keyId is not a string")


def _verify(doc: dict[str, Any], signer: dict[str, Any], locate: _Locator) -> Signature:
    """Check a well-formed signer against the document with its embedded key, when it has one."""
    algorithm: str = signer["algorithm"]
    reason = _unverifiable(signer)
    if reason:
        return _present(algorithm, f"not verified: {reason}")
    unsigned = copy.deepcopy(doc)
    del locate(unsigned)["value"]
    try:
        data = canonical_json(unsigned)
    except ValueError as exc:
        return _present(algorithm, f"not verified: document cannot be canonicalised ({exc})")
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

    source = "publicKey" if "publicKey" in signer else "certificatePath"
    try:
        key = _public_key(signer)
        _check(algorithm, key, _b64url(signer["value"]), data)
    except InvalidSignature:
        return _invalid(algorithm, "signature does not verify")
    except (ValueError, TypeError, KeyError, UnsupportedAlgorithm):
        return _invalid(algorithm, f"{source} does not hold a usable {algorithm} key")
    if source == "publicKey":
        return _present(algorithm, "verified")
    return _present(
        algorithm, "verified with the certificate's key (certificate path not validated)"
    )


def _unverifiable(signer: dict[str, Any]) -> str:
    """Why this signer cannot be checked here, or "" when it can."""
    algorithm: str = signer["algorithm"]
    if algorithm in _HMAC:
        return "HMAC needs the shared secret"
    if algorithm not in _ASYMMETRIC:
        return f"proprietary algorithm {algorithm[:100]!r}"
    if "publicKey" not in signer and "certificatePath" not in signer:
        return "key given by keyId only"
    if "excludes" in signer:
        return "signatures with 'excludes' are not checked"
    return ""


def _present(algorithm: str, detail: str) -> Signature:
    return Signature(status=SignatureStatus.PRESENT, algorithm=algorithm, detail=detail)


def _invalid(algorithm: str | None, detail: str) -> Signature:
    return Signature(status=SignatureStatus.INVALID, algorithm=algorithm, detail=detail)


def _algorithm_of(signer: object) -> str | None:
    algorithm = signer.get("algorithm") if isinstance(signer, dict) else None
    return algorithm if isinstance(algorithm, str) else None


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _jwk_int(jwk: dict[str, Any], name: str) -> int:
    return int.from_bytes(_b64url(jwk[name]), "big")


def _public_key(signer: dict[str, Any]) -> PublicKeyTypes:
    """The signer's JWK `publicKey`, else the key of the first certificate of its path."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
    from cryptography.utils import CryptographyDeprecationWarning

    curves: dict[str, ec.EllipticCurve] = {
        "P-256": ec.SECP256R1(),
        "P-384": ec.SECP384R1(),
        "P-521": ec.SECP521R1(),
    }
    okp_keys: dict[str, Callable[[bytes], PublicKeyTypes]] = {
        "Ed25519": ed25519.Ed25519PublicKey.from_public_bytes,
        "Ed448": ed448.Ed448PublicKey.from_public_bytes,
    }
    jwk = signer.get("publicKey")
    if jwk is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            der = _b64url(signer["certificatePath"][0])
            # The CycloneDX spec samples' certificate carries extra data in its signature
            # algorithm: cryptography < 50 reads it with a deprecation warning, 50 refuses it
            # (then reported invalid). pyproject pins cryptography below 49 for that reason.
            return x509.load_der_x509_certificate(der).public_key()
    kty = jwk["kty"]
    if kty == "EC":
        numbers = ec.EllipticCurvePublicNumbers(
            _jwk_int(jwk, "x"), _jwk_int(jwk, "y"), curves[jwk["crv"]]
        )
        return numbers.public_key()
    if kty == "OKP":
        return okp_keys[jwk["crv"]](_b64url(jwk["x"]))
    if kty == "RSA":
        return rsa.RSAPublicNumbers(_jwk_int(jwk, "e"), _jwk_int(jwk, "n")).public_key()
    raise ValueError(f"unknown key type {kty!r}")


def _check(algorithm: str, key: PublicKeyTypes, signature: bytes, data: bytes) -> None:
    """Verify `signature` over `data`; InvalidSignature on mismatch, TypeError on a wrong key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

    digests: dict[str, type[hashes.HashAlgorithm]] = dict(
        zip(_BITS, (hashes.SHA256, hashes.SHA384, hashes.SHA512), strict=True)
    )
    key_classes: dict[str, type] = {
        "ES": ec.EllipticCurvePublicKey,
        "RS": rsa.RSAPublicKey,
        "PS": rsa.RSAPublicKey,
        "Ed25519": ed25519.Ed25519PublicKey,
        "Ed448": ed448.Ed448PublicKey,
    }
    family, bits = algorithm[:2], algorithm[2:]
    if not isinstance(key, key_classes[algorithm if family == "Ed" else family]):
        raise TypeError(f"a {type(key).__name__} cannot check {algorithm}")
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(_der_ecdsa(signature, key.curve), data, ec.ECDSA(digests[bits]()))
    elif isinstance(key, rsa.RSAPublicKey):
        digest = digests[bits]()
        pad: padding.AsymmetricPadding = (
            padding.PKCS1v15()
            if family == "RS"
            else padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
        )
        key.verify(signature, data, pad, digest)
    elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        key.verify(signature, data)


def _der_ecdsa(signature: bytes, curve: ec.EllipticCurve) -> bytes:
    """JWA's fixed-size `r || s` ECDSA signature as the DER form `cryptography` expects."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    size = (curve.key_size + 7) // 8
    if len(signature) != 2 * size:
        raise InvalidSignature
    r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    return encode_dss_signature(r, s)


def canonical_json(value: Any) -> bytes:
    """Serialise a parsed JSON value per RFC 8785 (JCS), UTF-8 encoded; ValueError if impossible."""
    return _jcs(value).encode("utf-8")


def _jcs(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return _jcs_number(value)
    if isinstance(value, list):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(f"{_jcs(key)}:{_jcs(value[key])}" for key in keys) + "}"
    raise ValueError(f"not a JSON value: {type(value).__name__}")


def _jcs_number(number: float) -> str:
    """ECMAScript Number.prototype.toString of the IEEE double nearest to `number`."""
    if isinstance(number, int) and abs(number) < 2**53:
        return str(number)
    value = float(number)
    if not math.isfinite(value):
        raise ValueError("NaN and infinities have no JSON form")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    significant = (whole + fraction).lstrip("0")
    leading_zeros = len(whole) + len(fraction) - len(significant)
    point = len(whole) + int(exponent or 0) - leading_zeros
    return sign + _ecmascript_digits(significant.rstrip("0"), point)


def _ecmascript_digits(digits: str, point: int) -> str:
    """Lay out significant `digits` whose value is 0.digits × 10**point, as ECMAScript does."""
    count = len(digits)
    if count <= point <= 21:
        return digits + "0" * (point - count)
    if 0 < point <= 21:
        return f"{digits[:point]}.{digits[point:]}"
    if -6 < point <= 0:
        return "0." + "0" * -point + digits
    exponent = point - 1
    sign = "+" if exponent >= 0 else "-"
    head = digits[0] if count == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{head}e{sign}{abs(exponent)}"
