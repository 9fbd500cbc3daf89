"""Offline check of a consent token: docs/TOKENS.md, "Validating a token
offline", steps 2 to 8, with nothing but the hub's published keys.

What a token alone cannot show (a withdrawal since it was issued) is for the
online check; what depends on the request (the caller, the resource, the
period) is for `resources.py`.
"""

import base64
import binascii
import datetime
import json
import re
from dataclasses import dataclass

from joserfc import jws
from joserfc.errors import JoseError

from .refusals import Refusal

CONSENT_TYPE = "urn:altinn:consent"
CONSUMER_AUTHORITY = "iso6523-actorid-upis"
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_CONSUMER_ID = re.compile(r"^0192:(\d{9})$")
# The order of P-256: a signature with s above half of it is the "high-S
# twin" of a valid one. The hub only makes low-S signatures and refuses the
# twin, so a token has exactly one valid string; so do we.
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass(frozen=True)
class ConsentToken:
    """What a verified token says."""

    consent_id: str
    consumer: str  # organisation number (from `to.ID`)
    offered_by: str  # `from`: urn:altinn:person:identifier-no:… or urn:altinn:organization:identifier-no:…
    rights: dict  # resource id -> its consented metadata {key: value}
    one_time: bool
    valid_to: datetime.datetime
    claims: dict


def verify(token, keys, issuer, now, leeway):
    """Returns the ConsentToken, or raises Refusal.

    `keys`: a SigningKeys; `now`: seconds since the epoch; `leeway`: the
    clock skew allowed on `iat` and `exp`, in seconds."""
    parts = token.split(".")
    if len(parts) != 3 or not all(_B64URL.match(p) for p in parts):
        raise Refusal("token_malformed", "The bearer token is not a JWS in compact form (three base64url parts).")
    header = _json_object(parts[0], "header")
    if header.get("alg") != "ES256":
        raise Refusal("token_algorithm_unsupported", "Only ES256 tokens are accepted; this one says alg %s." % _shown(header.get("alg")))
    if "crit" in header:
        raise Refusal("token_malformed", "The token has critical header parameters; consent tokens have none.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise Refusal("token_malformed", "The token header names no signing key (kid).")
    key = keys.key_for(kid)
    if key is None:
        raise Refusal("token_key_unknown", "The token names a signing key the hub does not publish.")
    _require_low_s(parts[2])
    try:
        jws.deserialize_compact(token, key, algorithms=["ES256"])
    except JoseError:
        raise Refusal("token_signature_invalid", "The token's signature does not verify: it was changed, or not signed by the hub.") from None
    claims = _json_object(parts[1], "claims")
    _check_times(claims, now, leeway)
    if claims.get("iss") != issuer:
        raise Refusal("token_issuer_wrong", "The token was issued by %s, not by the hub this data source trusts." % _shown(claims.get("iss")))
    return _consent(claims, now)


def _json_object(part, what):
    try:
        value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (binascii.Error, ValueError):
        value = None
    if not isinstance(value, dict):
        raise Refusal("token_malformed", "The token's %s is not a JSON object." % what)
    return value


def _require_low_s(signature):
    try:
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 64 or int.from_bytes(raw[32:], "big") > _P256_ORDER // 2:
        raise Refusal("token_signature_invalid", "The token's signature is not a 64-byte low-S ES256 signature.")


def _check_times(claims, now, leeway):
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _is_number(exp) or not _is_number(iat):
        raise Refusal("token_malformed", "The token lacks numeric exp and iat claims.")
    if now > exp + leeway:
        raise Refusal("token_expired", "The token expired; ask the hub for a fresh one (IssueToken).")
    if iat > now + leeway:
        raise Refusal("token_not_yet_valid", "The token is issued in the future; check the clocks.")


def _consent(claims, now):
    details = claims.get("authorization_details")
    consent = details[0] if isinstance(details, list) and len(details) == 1 else None
    if not isinstance(consent, dict) or consent.get("type") != CONSENT_TYPE:
        raise Refusal("token_malformed", "The token carries no consent (authorization_details of type %s)." % CONSENT_TYPE)
    to = consent.get("to")
    consumer = _CONSUMER_ID.match(to.get("ID", "")) if isinstance(to, dict) and isinstance(to.get("ID"), str) else None
    if consumer is None or to.get("authority") != CONSUMER_AUTHORITY:
        raise Refusal("token_malformed", "The consent names no consumer (to.ID 0192:<organisation number>).")
    valid_to = _rfc3339(consent.get("validTo"))
    rights = _rights(consent.get("consentRights"))
    if not isinstance(consent.get("id"), str) or not isinstance(consent.get("from"), str) or valid_to is None or rights is None:
        raise Refusal("token_malformed", "The consent lacks its id, from, validTo or consentRights.")
    if valid_to.timestamp() <= now:
        raise Refusal("consent_expired", "The consent ended at %s." % consent["validTo"])
    return ConsentToken(consent_id=consent["id"], consumer=consumer.group(1), offered_by=consent["from"], rights=rights,
                        one_time=claims.get("consent_once") is True, valid_to=valid_to, claims=claims)


def _rights(value):
    """{resource: metadata} from consentRights, or None if it is malformed."""
    if not isinstance(value, list) or not value:
        return None
    rights = {}
    for right in value:
        if not isinstance(right, dict) or not isinstance(right.get("resource"), list) or not isinstance(right.get("metadata", {}), dict):
            return None
        for resource in right["resource"]:
            if not isinstance(resource, dict) or resource.get("type") != "urn:altinn:resource" or not isinstance(resource.get("value"), str):
                return None
            rights[resource["value"]] = {k: v for k, v in right.get("metadata", {}).items() if isinstance(v, str)}
    return rights


def _rfc3339(value):
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _shown(value):
    """A value from the token, short and quoted, for a message."""
    return json.dumps(value)[:60]
