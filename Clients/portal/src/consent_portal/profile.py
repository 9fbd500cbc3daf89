"""My consents (seed 002, "Se/trekk samtykke" and the Samtykkelogg): every
consent and request of the person, or of an organisation they sign for,
grouped by state, each with its log; and withdrawing one, after a
confirmation."""

import collections
import logging

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from consent.v1 import consent_pb2

from .auth import login_required
from .errors import portal_error_page

bp = Blueprint("profile", __name__, url_prefix="/profile")
log = logging.getLogger(__name__)

S = consent_pb2
# The groups in the order the page shows them; `data-status` of each consent.
GROUPS = ("active", "one-time", "waiting", "used", "expired", "withdrawn", "rejected")


def group_of(summary):
    status = summary.status
    if status == S.CONSENT_REQUEST_STATUS_ACCEPTED:
        return "one-time" if summary.one_time else "active"
    return {
        S.CONSENT_REQUEST_STATUS_CREATED: "waiting",
        S.CONSENT_REQUEST_STATUS_USED_UP: "used",
        S.CONSENT_REQUEST_STATUS_EXPIRED: "expired",
        S.CONSENT_REQUEST_STATUS_REVOKED: "withdrawn",
        S.CONSENT_REQUEST_STATUS_REJECTED: "rejected",
    }.get(status)


def hub():
    return current_app.extensions["consent_hub"]


def _party():
    """The organisation whose consents are shown (?party= or the form's
    `party`), or "" for the person's own. Whether they may sign for it is the
    hub's rule (it refuses `not_signatory`)."""
    return (request.values.get("party") or "").strip()


@bp.get("/consents")
@login_required
def consents():
    party = _party()
    summaries, lines = hub().my_consents(g.user, g.lang, party)
    logs = collections.defaultdict(list)
    for line in lines:
        logs[line.consent_id].append(line)
    grouped = {name: [] for name in GROUPS}
    for summary in summaries:
        name = group_of(summary)
        if name:
            grouped[name].append(summary)
    return render_template("profile/consents.html", groups=[(name, grouped[name]) for name in GROUPS if grouped[name]],
                           logs=logs, party=party, parties=_parties(party), total=len(summaries))


def _parties(current):
    """The switch between the person's own consents and each organisation's."""
    own = (None, "", not current)
    return [own] + [(org, org.number, org.number == current) for org in g.user.organisations]


@bp.post("/consents/withdraw")
@login_required
def withdraw():
    """First the confirmation page (what withdrawing means); with
    `confirm=yes` the withdrawal itself, then back to the list."""
    consent_id = request.form.get("withdraw", "")
    party = _party()
    if not consent_id:
        return portal_error_page(400, "invalid_form", "withdraw_missing")
    if request.form.get("confirm") != "yes":
        summaries = hub().list_consents(g.user, g.lang, party)
        summary = next((s for s in summaries if s.id == consent_id), None)
        if summary is None:
            return portal_error_page(404, "consent_unknown", "consent_unknown")
        return render_template("profile/confirm_withdraw.html", consent=summary, party=party)
    hub().revoke(g.user, consent_id)
    log.info("withdrew consent %s", consent_id)
    flash(["withdrawn"])
    return redirect(url_for("profile.consents", **({"party": party} if party else {})), 303)

