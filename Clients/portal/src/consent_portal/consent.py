"""The consent page (seed 003, "Samtykkeprosess trinn for trinn"), the answer,
and the Altinn 2 redirect flow (seeds 003 and 004) that leads to it."""

import hashlib
import hmac
import logging
from urllib.parse import quote_from_bytes

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, session, url_for

from consent.v1 import consent_pb2

from . import i18n
from .auth import login_required, remember_target
from .errors import error_page, portal_error_page
from .hub import HubError

bp = Blueprint("consent", __name__)
log = logging.getLogger(__name__)

# A request's status as the page words it (texts: T["closed_<slug>"]).
STATUS_SLUGS = {
    consent_pb2.CONSENT_REQUEST_STATUS_CREATED: "open",
    consent_pb2.CONSENT_REQUEST_STATUS_ACCEPTED: "accepted",
    consent_pb2.CONSENT_REQUEST_STATUS_REJECTED: "rejected",
    consent_pb2.CONSENT_REQUEST_STATUS_REVOKED: "withdrawn",
    consent_pb2.CONSENT_REQUEST_STATUS_EXPIRED: "expired",
    consent_pb2.CONSENT_REQUEST_STATUS_USED_UP: "used",
}
WRONG_PERSON = {"user_token_mismatch", "offered_by_mismatch", "not_yours"}
HIGHEST_LEVEL = 4


def hub():
    return current_app.extensions["consent_hub"]


@bp.get("/consent/<request_id>")
@login_required
def show(request_id):
    try:
        page = hub().get_request(g.user, request_id, i18n.asked_language() or "")
    except HubError as error:
        return _refused(error, request_id)
    g.lang = page.language if page.language in i18n.LANGUAGES else g.lang  # the whole page in one language
    is_open = page.status == consent_pb2.CONSENT_REQUEST_STATUS_CREATED
    level_too_low = is_open and g.user.level < page.required_assurance_level
    if level_too_low:
        remember_target(request.path)  # back here after logging in again
    return render_template("consent/page.html", page=page, is_open=is_open, level_too_low=level_too_low,
                           status_slug=STATUS_SLUGS.get(page.status, "unknown"))


@bp.post("/consent/<request_id>")
@login_required
def answer(request_id):
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):
        return portal_error_page(400, "invalid_form", "decision_missing")
    # The language the page was shown in (the form says; else the one chosen now).
    read_in = request.form.get("page_language")
    language = read_in if read_in in i18n.LANGUAGES else g.lang
    try:
        if decision == "accept":
            answered = hub().accept(g.user, request_id, language)
        else:
            answered = hub().reject(g.user, request_id, language)
    except HubError as error:
        return _refused(error, request_id)
    log.info("%s request %s%s", "accepted" if decision == "accept" else "rejected", request_id,
             " (already answered)" if answered.already_answered else "")
    # Exactly the URL the hub built (the consumer's registered RedirectUrl plus
    # RequestId, Status and the code): no re-encoding by a redirect helper.
    return Response(status=303, headers={"Location": answered.redirect_url})


def _refused(error, request_id):
    """The pages for refusals the person can do something about; the error page otherwise."""
    if error.reason == "assurance_level_too_low":
        remember_target(url_for("consent.show", request_id=request_id))
        return render_template("auth/relogin.html", required_level=_required_level(request_id)), 403
    if error.reason in WRONG_PERSON:
        remember_target(url_for("consent.show", request_id=request_id))
        return render_template("auth/wrong_person.html", reason=error.reason), 403
    return error_page(error)


def _required_level(request_id):
    try:
        return hub().get_request(g.user, request_id).required_assurance_level or HIGHEST_LEVEL
    except HubError:
        return HIGHEST_LEVEL


@bp.get("/ui/AccessConsent/request")
def altinn_request():
    """Altinn 2's consent URL: a consumer sends the browser here with the
    request as a query (Resources, CoveredBy, RedirectUrl, …). The portal asks
    the hub to create the request for that consumer, as the person logged in,
    and shows the consent page. A refused query is shown here and never
    redirects anywhere: the RedirectUrl is not trusted until the hub accepts it."""
    query = _raw_query()
    if g.user is None:
        # The query may name the person (OfferedBy): keep it in the session,
        # and come back to this path without it.
        session["altinn_query"] = query
        remember_target(request.path)
        return redirect(url_for("auth.login"), 303)
    if not query:
        query = session.pop("altinn_query", "")
    else:
        session.pop("altinn_query", None)
    try:
        created = hub().create_request_from_query(g.user, query, _idempotency_key(g.user, query))
    except HubError as error:
        if error.reason not in WRONG_PERSON:
            raise
        # The link is for someone else (its OfferedBy or UserToken): through
        # the portal a query can only ask the person logged in. Offer to log
        # in as that person, and keep the query for them (not in a URL).
        session["altinn_query"] = query
        remember_target(request.path)
        return render_template("auth/wrong_person.html", reason=error.reason), 403
    log.info("created request %s from an Altinn 2 query for %s", created.id, created.consumer_org_number)
    target = url_for("consent.show", request_id=created.id, **({"lang": created.language} if created.language else {}))
    return redirect(target, 303)


def _raw_query():
    # The query as sent; bytes outside ASCII (not percent-encoded by the
    # browser) are encoded, escapes already there are kept for the hub to decode.
    return quote_from_bytes(request.query_string, safe="!#$%&'()*+,-./:;=?@[]_~")


# The label of the key derived from the portal's secret for idempotency keys.
IDEMPOTENCY_KEY_LABEL = b"altinn2-idempotency"


def _idempotency_key(user, query):
    """The same person opening the same link again gets the same request,
    not a second one (a reload, the back button). Keyed with a key of its
    own, derived from the secret that signs the session cookies: one key,
    one job (the hub sees these keys; the secret never keys anything else)."""
    secret = str(current_app.secret_key).encode()
    key = hmac.new(secret, IDEMPOTENCY_KEY_LABEL, hashlib.sha256).digest()
    return hmac.new(key, (user.pid + query).encode(), hashlib.sha256).hexdigest()
