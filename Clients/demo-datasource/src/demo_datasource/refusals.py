"""Why a call is refused, as the API answers it: `{"error": <reason>, "message": …}`.

The reason is stable, for programs (the bank shows it for support); the
message is for the developer reading it. The HTTP status follows from the
reason: 401 when the credential (certificate or token) proves nothing, 403
when it is valid but does not allow this request, 400 for a malformed query.
"""

from consenthub import StatusCode

STATUS = {
    "caller_unknown": 401,
    "token_missing": 401,
    "token_malformed": 401,
    "token_algorithm_unsupported": 401,
    "token_key_unknown": 401,
    "token_signature_invalid": 401,
    "token_expired": 401,
    "token_not_yet_valid": 401,
    "token_issuer_wrong": 401,
    "token_for_another_consumer": 403,
    "wrong_resource": 403,
    "period_outside_consent": 403,
    "consent_expired": 403,
    "parameter_missing": 400,
    "parameter_malformed": 400,
    "parameter_unknown": 400,
    "hub_unavailable": 503,
}

# A refusal from the hub's online check or use log keeps the hub's reason;
# its status decides ours.
_HUB_STATUS = {
    StatusCode.UNAUTHENTICATED: 401,
    StatusCode.INVALID_ARGUMENT: 401,  # not a token at all
    StatusCode.NOT_FOUND: 401,  # a validly signed token for a consent the hub does not know
}


class Refusal(Exception):
    """Ends the request with a JSON error."""

    def __init__(self, reason, message, status=None):
        super().__init__(message)
        self.reason, self.message = reason, message
        self.status = status or STATUS[reason]

    @classmethod
    def from_hub(cls, refusal):
        """A HubRefusal as the API answers it."""
        return cls(refusal.reason or "hub_refused", "The consent hub refused: " + refusal.message,
                   _HUB_STATUS.get(refusal.code, 403))

    def body(self):
        return {"error": self.reason, "message": self.message}
