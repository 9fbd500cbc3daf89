"""The Altinn 2 way of asking (seed 004): send the browser to the portal
with the whole request in the URL's query, and let the portal create it.

The national identity number does not go into the URL in clear: only its
hex SHA-256 as `UserToken` (seed 004), which lets the portal check that the
right person answers. The hash hides nothing from someone who sees the URL
(the few possible ids are tried in seconds): the API flow, where the bank
knows the person, puts nothing in a URL.
"""

import hashlib
import urllib.parse
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
PATH = "/ui/AccessConsent/request"


def consent_url(portal_url, resources, covered_by, redirect_url, valid_to, language, purpose, national_id=None):
    """The portal URL with seed 004's parameters, in its order.

    `resources`: {resource id: {metadata key: value}}; `valid_to`: an aware
    datetime, written as Norwegian time `YYYY-MM-DD hh:mm:ss`."""
    parameters = [
        ("Resources", ".".join(resources)),
        ("CoveredBy", covered_by),
        ("RedirectUrl", redirect_url),
        ("ValidToDate", valid_to.astimezone(OSLO).strftime("%Y-%m-%d %H:%M:%S")),
        ("LanguageCode", language),
        ("DelegationContext", purpose),
        ("ResponseType", "code"),
    ]
    parameters += [("%s_%s" % (resource, key), value) for resource, metadata in resources.items() for key, value in metadata.items()]
    if national_id:
        parameters.append(("UserToken", user_token(national_id)))
    return portal_url.rstrip("/") + PATH + "?" + urllib.parse.urlencode(parameters, quote_via=urllib.parse.quote)


def user_token(national_id):
    """Seed 004: the hex SHA-256 of the 11-digit number."""
    return hashlib.sha256(national_id.encode("ascii")).hexdigest()
