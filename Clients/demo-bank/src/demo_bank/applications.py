"""The applications this browser started, kept in its signed session cookie.

Like OAuth's `state`: the answer that comes back through the browser
(`/callback?RequestId=…`) is taken only for an application this browser
started, so nobody can push their consent's code into someone else's
session. In the API flow the bank knows the request id before the browser
leaves; in the Altinn 2 flow the portal creates the request, so the bank
puts a random application id in its RedirectUrl instead.

Kept: a few pending applications (by request id or application id), and
the current one (its consent and the last token, to present it again).
"""

import secrets
import time

from flask import session

MAX_PENDING = 5


def start_api(request_id, product):
    _add("api:" + request_id, {"product": product, "flow": "api"})


def start_altinn2(product):
    """Returns the application id that goes into the RedirectUrl."""
    application_id = secrets.token_urlsafe(16)
    _add("altinn2:" + application_id, {"product": product, "flow": "altinn2"})
    return application_id


def take_pending(request_id, application_id):
    """The pending application this answer belongs to, removed (an answer
    counts once), or None."""
    key = _key(request_id, application_id)
    pending = dict(session.get("pending", {}))
    entry = pending.pop(key, None)
    if entry is not None:
        session["pending"] = pending
    return entry


def put_back(request_id, application_id, entry):
    """Makes an answer that could not be handled (the hub did not answer)
    acceptable again, for a reload once the hub is back."""
    _add(_key(request_id, application_id), dict(entry))


def _key(request_id, application_id):
    return "altinn2:" + application_id if application_id else "api:" + request_id


def set_current(consent_id, product, flow, token):
    session["current"] = {"consent_id": consent_id, "product": product, "flow": flow, "token": token}


def current():
    return session.get("current")


def remember_token(token):
    application = dict(session["current"])
    application["token"] = token
    session["current"] = application


def _add(key, entry):
    pending = dict(session.get("pending", {}))
    entry["started"] = time.time()
    pending[key] = entry
    while len(pending) > MAX_PENDING:
        del pending[min(pending, key=lambda k: pending[k]["started"])]
    session["pending"] = pending
