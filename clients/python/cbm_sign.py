"""Sign a request to the CBM Exchange Portal, in Python (3.9+, with `cryptography`).

A partner that does not use the TypeScript client signs each request itself: a compact
JWS (`cbm-request+jwt`) over the method, the request-target exactly as sent and the SHA-256
of the exact body bytes, sent as `Authorization: Bearer <token>`. The header and claims
are the contract's `RequestTokenHeader` and `RequestTokenClaims` (openapi/openapi.yaml);
the README ("Signing in another language") walks through them, and
test/vectors/request-signing.json has tokens to reproduce byte for byte.

    from cbm_sign import sign_request
    token = sign_request(private_jwk, "AT", "https://cbm.example.org", "POST", "/contacts", body)
    requests.post("https://cbm.example.org/contacts", data=body,
                  headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})

Run as a script, it prints the token for one request (the key is a private JWK file):

    python3 cbm_sign.py KEY.jwk AT https://cbm.example.org POST /contacts contact.json
"""

import base64
import hashlib
import json
import sys
import time
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def b64u(data: bytes) -> str:
    """base64url without padding, as JOSE encodes every part."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact_json(value) -> bytes:
    """JSON with no spaces, members in the order given, non-ASCII as UTF-8 (RFC 8259)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def thumbprint(jwk: dict) -> str:
    """The key's `kid`: its RFC 7638 thumbprint (SHA-256 of the required members, sorted)."""
    if jwk["kty"] == "OKP":
        members = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}
    else:
        members = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]}
    return b64u(hashlib.sha256(compact_json(members)).digest())


def _signer(private_jwk: dict):
    """(alg, sign(bytes) -> signature) for an Ed25519 or P-256 private JWK."""
    d = b64u_decode(private_jwk["d"])
    if private_jwk["kty"] == "OKP" and private_jwk["crv"] == "Ed25519":
        key = ed25519.Ed25519PrivateKey.from_private_bytes(d)
        return "EdDSA", key.sign
    if private_jwk["kty"] == "EC" and private_jwk["crv"] == "P-256":
        key = ec.derive_private_key(int.from_bytes(d, "big"), ec.SECP256R1())

        def sign_es256(data: bytes) -> bytes:
            # JWS wants r || s, 32 bytes each (RFC 7518 section 3.4), not DER.
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")

        return "ES256", sign_es256
    raise ValueError("use an Ed25519 (OKP) or P-256 (EC) key")


def sign_request(private_jwk, principal, audience, method, target, body=None, *, now=None, lifetime=120, jti=None):
    """The request token for one request.

    target: the path and query exactly as they will be sent (e.g. "/contacts?state=AT");
    body: the exact body bytes (or text, sent as UTF-8) of a POST, PUT, PATCH or DELETE;
    now, jti: for tests (the portal refuses a jti it has seen on a write).
    """
    method = method.upper()
    alg, sign = _signer(private_jwk)
    iat = int(time.time() if now is None else now)
    header = {"alg": alg, "typ": "cbm-request+jwt", "kid": thumbprint(private_jwk)}
    claims = {
        "iss": principal,
        "aud": audience,
        "iat": iat,
        "exp": iat + lifetime,  # the portal accepts at most 300 s
        "jti": jti or str(uuid.uuid4()),
        "htm": method,
        "htu": target,
    }
    if method in WRITES:
        data = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        claims["body_sha256"] = b64u(hashlib.sha256(data).digest())
    signing_input = f"{b64u(compact_json(header))}.{b64u(compact_json(claims))}"
    return f"{signing_input}.{b64u(sign(signing_input.encode('ascii')))}"


if __name__ == "__main__":
    if len(sys.argv) not in (6, 7):
        sys.exit("usage: cbm_sign.py KEY.jwk PRINCIPAL AUDIENCE METHOD TARGET [BODY_FILE]")
    key_file, principal, audience, method, target = sys.argv[1:6]
    with open(key_file, encoding="utf-8") as f:
        jwk = json.load(f)
    body = None
    if len(sys.argv) == 7:
        with open(sys.argv[6], "rb") as f:
            body = f.read()
    print(sign_request(jwk, principal, audience, method, target, body))
