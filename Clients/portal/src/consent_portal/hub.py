"""The portal's only way to consentd: every hub call the pages make is here.

The portal holds the `portal` client certificate and states the logged-in
person in the metadata of every call (DESIGN §6). One connection per process
(a `consenthub.LazyConnection`): opened on first use (so after gunicorn has
forked its workers), shared by all threads, and replaced when it broke or the
hub said GoAway; while the hub is unreachable, requests do not queue behind
each other's connect timeouts. Every call has a deadline.

A refusal or a failure is a `HubError` with the gRPC status and the hub's
`x-consent-reason`; errors.py turns it into a page.
"""

import concurrent.futures
import logging

import consenthub
from consenthub import ConnectError, RpcError, StatusCode

log = logging.getLogger(__name__)


class HubError(Exception):
    """A hub call that did not succeed.

    `code`: a consenthub.StatusCode; `reason`: the hub's `x-consent-reason`
    trailer, or the portal's own `hub_unavailable` / `hub_timeout` when the hub
    was not reached or did not answer in time; `method`: the RPC's name.
    """

    def __init__(self, method, code, reason, message=""):
        super().__init__("%s: %s %s" % (method, code.name if isinstance(code, StatusCode) else code, reason))
        self.method = method
        self.code = code
        self.reason = reason
        self.message = message

    @classmethod
    def from_rpc_error(cls, method, error):
        reason = dict(error.trailers).get("x-consent-reason", "")
        if not reason and error.code == StatusCode.UNAVAILABLE:
            reason = "hub_unavailable"  # not reached, or the connection was lost: no trailer
        elif not reason and error.code == StatusCode.DEADLINE_EXCEEDED:
            reason = "hub_timeout"
        return cls(method, error.code, reason, error.message)


class Hub:
    """consentd as the portal sees it, for one logged-in person per call."""

    def __init__(self, address, ca, cert, key, timeout=10.0, connect_timeout=5.0):
        self.address, self.ca, self.cert, self.key = address, ca, cert, key
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._connection = consenthub.LazyConnection(address, ca, cert, key, connect_timeout=connect_timeout)

    # -- the pages' calls ----------------------------------------------------

    def get_request(self, user, request_id, language=""):
        """The consent page (GetRequest): a consent_pb2.ConsentPage."""
        return self._call("GetRequest", user, lambda c: c.get_request(request_id=request_id, language=language).page)

    def accept(self, user, request_id, language=""):
        """AcceptRequest: an AnswerResponse (redirect_url, already_answered).
        `language`: the one the person read the page in, recorded with the answer."""
        return self._call("AcceptRequest", user, lambda c: c.accept_request(request_id=request_id, language=language))

    def reject(self, user, request_id, language=""):
        """RejectRequest: an AnswerResponse."""
        return self._call("RejectRequest", user, lambda c: c.reject_request(request_id=request_id, language=language))

    def create_request_from_query(self, user, query, idempotency_key):
        """CreateRequestFromQuery on behalf of the consumer the query names
        (CoveredBy), for the logged-in person: the created ConsentRequest."""
        return self._call("CreateRequestFromQuery", user,
                          lambda c: c.create_request_from_query(query=query, idempotency_key=idempotency_key).request)

    def list_consents(self, user, language="", party=""):
        """ListConsents: the person's (or organisation's) consents, newest first."""
        return self._call("ListConsents", user, lambda c: list(c.list_consents(language=language, party=party).consents))

    def my_consents(self, user, language="", party=""):
        """ListConsents and the whole Samtykkelogg (GetConsentLog without a
        consent id) of the person or of an organisation they sign for, asked
        at once: (list of ConsentSummary, newest first; list of ConsentLogLine,
        oldest first)."""
        def both(client):
            listed = client.list_consents.future(language=language, party=party)
            logged = client.get_consent_log.future(language=language, party=party)
            return list(_result(listed).consents), list(_result(logged).lines)
        return self._call("ListConsents", user, both)

    def revoke(self, user, consent_id):
        """RevokeConsent: the consent after the withdrawal."""
        return self._call("RevokeConsent", user, lambda c: c.revoke_consent(consent_id=consent_id).consent)

    # -- plumbing ------------------------------------------------------------

    def _call(self, method, user, body):
        try:
            client = consenthub.ConsentClient(self._connection.get(), timeout=self.timeout, metadata=_metadata(user))
            return body(client)
        except ConnectError as error:
            # Not reached (UNAVAILABLE), or the portal's certificate files are
            # unusable (INVALID_ARGUMENT): the portal's fault, not the visitor's.
            code = StatusCode.UNAVAILABLE if error.code == StatusCode.UNAVAILABLE else StatusCode.INTERNAL
            reason = "hub_unavailable" if code == StatusCode.UNAVAILABLE else "hub_client_misconfigured"
            log.error("%s: cannot connect to the hub: %s", method, error)
            raise HubError(method, code, reason, error.message) from None
        except RpcError as error:
            failure = HubError.from_rpc_error(method, error)
            level = logging.WARNING if failure.code in (StatusCode.UNAVAILABLE, StatusCode.DEADLINE_EXCEEDED) else logging.INFO
            # The status and the reason only: the hub's message may quote what
            # the caller sent (an Altinn 2 query's Resources or RedirectUrl can
            # hold a national id), and support needs no more than the reason.
            log.log(level, "%s refused: %s %s", method, _status_name(failure.code), failure.reason)
            raise failure from None

    def close(self):
        self._connection.close()


def _metadata(user):
    return consenthub.portal_metadata(user.pid, user.level, user.name or None, list(user.signs_for) or None,
                                      {org: list(codes) for org, codes in user.roles} or None)


def _result(future):
    try:
        return future.result()
    except concurrent.futures.CancelledError:
        raise RpcError(StatusCode.CANCELLED, "cancelled") from None


def _status_name(code):
    return code.name if isinstance(code, StatusCode) else str(code)
