"""Every refusal as a page: the HTTP status, a sentence a citizen understands
(its text is in templates/texts/*.html under the key named here) and the
reason code kept visible for support.

The hub's reasons (the `x-consent-reason` trailer: docs/DOMAIN.md, docs/TOKENS.md)
are grouped by what the person can do about them. A reason not listed falls
back to its gRPC status. Every reason listed is one the hub sends (a test
checks them against Sources/).
"""

from flask import Blueprint, render_template
from flask_wtf.csrf import CSRFError

from consenthub import StatusCode

from .hub import HubError

bp = Blueprint("errors", __name__)

# gRPC status -> (HTTP status, text key when the reason is not listed).
# UNAUTHENTICATED is 403, not 401: the person is logged in here, the hub only
# says they are the wrong person, and 401 would need a WWW-Authenticate scheme.
# The hub failing or speaking another version is the portal's upstream failing: 502.
BY_STATUS = {
    StatusCode.INVALID_ARGUMENT: (400, "invalid"),
    StatusCode.OUT_OF_RANGE: (400, "invalid"),
    StatusCode.NOT_FOUND: (404, "not_found"),
    StatusCode.PERMISSION_DENIED: (403, "not_allowed"),
    StatusCode.UNAUTHENTICATED: (403, "wrong_person"),
    StatusCode.FAILED_PRECONDITION: (409, "wrong_state"),
    StatusCode.ALREADY_EXISTS: (409, "wrong_state"),
    StatusCode.ABORTED: (409, "wrong_state"),
    StatusCode.RESOURCE_EXHAUSTED: (429, "busy"),
    StatusCode.UNAVAILABLE: (503, "hub_unavailable"),
    StatusCode.DEADLINE_EXCEEDED: (504, "hub_timeout"),
}
FALLBACK = (502, "portal_fault")  # INTERNAL, UNKNOWN, UNIMPLEMENTED, DATA_LOSS, CANCELLED, …

# The consumer's link (an Altinn 2 query, or a request it registered) is broken.
_BAD_LINK = (
    "query_percent_encoding", "query_parameter_unknown", "query_parameter_repeated", "query_parameter_missing",
    "covered_by_not_caller", "resource_id_malformed", "resources_missing", "too_many_resources",
    "resource_repeated", "resource_unknown", "metadata_key_unknown", "metadata_key_repeated", "metadata_missing",
    "metadata_malformed", "metadata_too_long", "metadata_range_reversed", "metadata_for_unlisted_resource",
    "valid_to_date_malformed", "valid_to_in_past", "valid_to_beyond_maximum", "purpose_missing", "purpose_too_long",
    "user_token_malformed", "user_token_contradicts_offered_by", "response_type_not_code", "language_unknown",
    "party_id_length", "national_id_length", "national_id_not_digits", "national_id_date", "national_id_check_digit",
    "organisation_number_length", "organisation_number_not_digits", "organisation_number_check_digit",
    "idempotency_key_malformed", "idempotency_key_reused", "field_required",
)
# Where the consumer wants the person sent back is not one it registered: never go there.
_BAD_REDIRECT = (
    "redirect_missing", "redirect_too_long", "redirect_malformed", "redirect_not_https", "redirect_has_fragment",
    "redirect_host_not_registered",
)

# reason -> text key (and, where the status alone would be wrong for the page, an HTTP status).
REASONS = {
    "request_unknown": ("request_unknown", None),
    "request_id_malformed": ("request_link_broken", None),
    "user_token_mismatch": ("wrong_person", None),
    "offered_by_mismatch": ("wrong_person", None),
    "not_yours": ("wrong_person", None),
    "not_signatory": ("not_signatory", None),
    "on_behalf_of_conflicts": ("not_signatory", 403),
    "required_delegator_mismatch": ("required_delegator_mismatch", None),
    "organisation_authority_missing": ("organisation_authority_missing", None),
    "assurance_level_too_low": ("assurance_level_too_low", None),
    "request_already_accepted": ("already_answered", None),
    "request_already_rejected": ("already_answered", None),
    "request_expired": ("request_expired", None),
    "consent_expired": ("consent_expired", None),
    "consent_revoked": ("consent_revoked", None),
    "consent_used_up": ("consent_used_up", None),
    "consent_not_given": ("consent_not_given", None),
    "request_not_accepted": ("consent_not_given", None),
    "one_time_consent_not_revocable": ("one_time_not_revocable", None),
    "consumer_not_authorised": ("consumer_not_authorised", None),
    "role_not_allowed": ("portal_fault", 502),
    "end_user_missing": ("portal_fault", 502),
    "hub_unavailable": ("hub_unavailable", None),
    "hub_timeout": ("hub_timeout", None),
    **{reason: ("bad_link", None) for reason in _BAD_LINK},
    **{reason: ("bad_redirect", None) for reason in _BAD_REDIRECT},
}


def http_status_and_text(code, reason):
    """(HTTP status, text key) for a refusal with this gRPC status and reason."""
    status, text = BY_STATUS.get(code, FALLBACK)
    if code == StatusCode.RESOURCE_EXHAUSTED:
        # One of the hub's limits (calls at once, a call rate, a consumer's
        # open requests), whichever the reason: try again later. The page
        # keeps the reason for support.
        return status, text
    if reason in REASONS:
        text, override = REASONS[reason]
        status = override or status
    return status, text


def error_page(error):
    """The error page for a HubError, with its status."""
    status, text = http_status_and_text(error.code, error.reason)
    return render_template("errors/error.html", text=text, reason=error.reason or error.code.name,
                           status_name=_name(error.code), http_status=status), status


def portal_error_page(status, text, reason):
    """An error page for a refusal by the portal itself (a bad form, an unknown page)."""
    return render_template("errors/error.html", text=text, reason=reason, status_name="", http_status=status), status


def _name(code):
    return code.name if isinstance(code, StatusCode) else "CODE_%s" % code


@bp.app_errorhandler(HubError)
def hub_error(error):
    return error_page(error)


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    return portal_error_page(400, "csrf", "csrf_failed")


@bp.app_errorhandler(400)
def bad_request(error):
    return portal_error_page(400, "invalid_form", "bad_request")


@bp.app_errorhandler(413)
def too_large(error):
    # A form beyond Werkzeug's limits (a field over 500 kB, too many parts):
    # the portal's page in the person's language, not the framework's.
    return portal_error_page(413, "too_large", "request_too_large")


@bp.app_errorhandler(404)
def not_found(error):
    return portal_error_page(404, "page_not_found", "page_not_found")


@bp.app_errorhandler(405)
def method_not_allowed(error):
    return portal_error_page(405, "page_not_found", "method_not_allowed")


@bp.app_errorhandler(500)
def internal_error(error):
    return portal_error_page(500, "portal_fault", "internal_error")
