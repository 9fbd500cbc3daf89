"""The person's answer comes back, and what the bank does with a consent:
exchange the code for a token, show its claims, ask the data source; later,
get a fresh token ("gjenbruk av samtykke", seed 003 figure 2) or present the
last one again to see the data source's own (online) refusal.

Result pages are shown in the answer to the request that did the work, not
after a redirect: a one-time consent's data can be fetched only once.
"""

import re
from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request

from . import applications, claims as token_claims, datasource
from .hub import HubRefusal, HubUnavailable
from .products import PRODUCTS

bp = Blueprint("answers", __name__)

_REQUEST_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Refusal:
    """Why something was refused, and by whom: "hub", "datasource" or "bank"."""

    origin: str
    reason: str
    message: str = ""
    source: str = ""


def error_page(reason, status, message=""):
    return render_template("error.html", reason=reason, message=message), status


@bp.get("/callback")
def callback():
    args = request.args
    request_id, status = args.get("RequestId", ""), args.get("Status", "")
    # Everything that makes an answer unusable is checked before the pending
    # application is taken: a refused answer must not use it up.
    if not _REQUEST_ID.match(request_id) or status not in ("OK", "Failed"):
        return error_page("callback_malformed", 400)
    application_id = args.get("application", "")
    pending = applications.take_pending(request_id, application_id)
    if pending is None:
        current = applications.current()
        if current and current["consent_id"] == request_id:
            return _result(current, "repeat")  # a reload: the code is spent, the consent may live on
        return error_page("application_unknown", 400)
    if status == "Failed":
        return render_template("declined.html", message=args.get("ErrorMessage", ""))

    code = args.get("AuthorizationCode", "")
    action = "new" if code else "answered_again"
    try:
        if code:
            grant = _hub().exchange_code(code)
        else:
            # The person answered twice (a double click on accept, or accept
            # again after the portal timed out): the hub accepted the first
            # time and sends no second code (already_answered). The consent
            # exists, so a token is had by its id, as "gjenbruk av samtykke".
            grant = _hub().issue_token(request_id)
    except HubUnavailable:
        applications.put_back(request_id, application_id, pending)
        raise
    except HubRefusal as refusal:
        # The consent may still be live (a code that expired in the browser): refresh can get a token.
        applications.set_current(request_id, pending["product"], pending["flow"], token=None)
        return _result(applications.current(), action, refusal=Refusal("hub", refusal.reason, refusal.message))
    if grant.consent_id != request_id:
        return error_page("code_for_another_request", 400)
    applications.set_current(request_id, pending["product"], pending["flow"], token=grant.token)
    return _result(applications.current(), action, token=grant.token)


@bp.post("/application")
def application():
    current = applications.current()
    if current is None:
        return error_page("application_unknown", 400)
    if "refresh" in request.form:
        try:
            grant = _hub().issue_token(current["consent_id"])
        except HubRefusal as refusal:
            return _result(current, "refresh", refusal=Refusal("hub", refusal.reason, refusal.message))
        applications.remember_token(grant.token)
        return _result(current, "refresh", token=grant.token)
    if "reuse-token" in request.form:
        if not current.get("token"):
            return _result(current, "reuse", refusal=Refusal("bank", "no_token"))
        return _result(current, "reuse", token=current["token"])
    return error_page("form_invalid", 400)


def _result(application, action, token=None, refusal=None):
    """The result page: the consent as the hub has it now, the token's
    claims, and what the data source answered to the token."""
    claims = answer = None
    if token:
        claims = token_claims.decode(token)
        if claims is None:
            refusal = Refusal("bank", "token_unreadable")
        else:
            answer, refusal = _ask_data_source(application, claims, token)
            claims = token_claims.for_display(claims)
    summary = _summary(application["consent_id"])  # after the use: a one-time consent has just ended
    return render_template("result.html", application=application, action=action, summary=summary,
                           claims=claims, answer=answer, refusal=refusal)


def _summary(consent_id):
    try:
        return _hub().request_status(consent_id)
    except HubRefusal:
        return None  # the page still shows what the bank knows


def _ask_data_source(application, claims, token):
    """(Answer or None, Refusal or None). The bank asks for exactly what was
    consented to: the metadata of the token's rights."""
    product = PRODUCTS[application["product"]]
    query = {}
    for right in claims.get("authorization_details", [{}])[0].get("consentRights", []):
        query.update(right.get("metadata", {}))
    try:
        answer = datasource.fetch(current_app.config, product.datasource_path, query, token)
    except datasource.DataSourceUnavailable as error:
        current_app.logger.warning("data source unavailable: %s", error)
        return None, Refusal("bank", "datasource_unavailable")
    if answer.ok:
        return answer, None
    return answer, Refusal("datasource", str(answer.body.get("error", "")), str(answer.body.get("message", "")),
                           source=product.source_name)


def _hub():
    return current_app.extensions["demo_bank"]
