"""A token's claims, for showing. The bank got the token straight from the
hub over mutual TLS, so it reads it without checking it (that is the data
source's job); on the page the person's national identity number is masked.
"""

import base64
import copy
import json
import re

_PERSON = re.compile(r"^(urn:altinn:person:identifier-no:\d{6})\d{5}$")


def decode(token):
    """The claims (a dict), or None if the token cannot be read."""
    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def for_display(claims):
    """A copy with `from` masked: the birth date stays, the personal number goes."""
    shown = copy.deepcopy(claims)
    for consent in shown.get("authorization_details", []):
        if isinstance(consent, dict) and isinstance(consent.get("from"), str):
            consent["from"] = _PERSON.sub(r"\1*****", consent["from"])
    return shown
