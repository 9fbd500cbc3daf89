"""Issue 12, point 1, through the Python client: the bank deletes an
unanswered request, ends a consent it no longer needs, lists its own
requests, and is told where the person answers (view_url)."""

import urllib.parse

import pytest

from consent.v1 import consent_pb2
from consenthub import ConsentClient, RpcError, StatusCode, TokenClient, portal_metadata

from test_flow import BANK, USER, nav_request, reason, tax_request

S = consent_pb2


def as_user(connection):
    return ConsentClient(connection, metadata=portal_metadata(USER, 4, "HÅKON TRANA"))


def accept(portal, request_id):
    answer = as_user(portal).accept_request(request_id=request_id)
    return urllib.parse.parse_qs(urllib.parse.urlparse(answer.redirect_url).query)["AuthorizationCode"][0]


def test_the_bank_deletes_an_unanswered_request(bank, portal, nav):
    consents = ConsentClient(bank)
    request = consents.create_request(nav_request()).request
    cursor = ConsentClient(nav).list_events(after=0, limit=1000).next_cursor

    deleted = consents.delete_request(request_id=request.id).request
    assert deleted.status == S.CONSENT_REQUEST_STATUS_DELETED and deleted.ended_at_ms > 0
    assert consents.delete_request(request_id=request.id).request == deleted, "a repeat returns the current state"

    assert request.id not in [c.id for c in as_user(portal).list_consents().consents]
    with pytest.raises(RpcError) as refused:
        as_user(portal).accept_request(request_id=request.id)
    assert refused.value.code == StatusCode.FAILED_PRECONDITION and reason(refused.value) == "request_deleted"

    events = ConsentClient(nav).list_events(after=cursor, types=[S.CONSENT_EVENT_TYPE_REQUEST_DELETED]).events
    assert [e.request_id for e in events] == [request.id]
    assert events[0].performed_by == S.PERFORMER_ROLE_CONSUMER and events[0].performed_by_org_number == BANK


def test_the_bank_ends_a_consent_it_no_longer_needs(bank, portal, nav):
    consents = ConsentClient(bank)
    request = consents.create_request(nav_request()).request
    grant = TokenClient(bank).exchange_code(code=accept(portal, request.id)).grant

    ended = consents.revoke_consent(consent_id=request.id).consent
    assert ended.status == S.CONSENT_REQUEST_STATUS_REVOKED

    with pytest.raises(RpcError) as verify:
        TokenClient(nav).verify_token(token=grant.token)
    assert verify.value.code == StatusCode.FAILED_PRECONDITION and reason(verify.value) == "consent_revoked"
    with pytest.raises(RpcError) as issue:
        TokenClient(bank).issue_token(consent_id=request.id)
    assert reason(issue.value) == "consent_revoked"

    line = as_user(portal).get_consent_log(consent_id=request.id, language="en").lines[-1]
    assert line.kind == S.CONSENT_LOG_KIND_ENDED
    assert line.text == "BANKEN AS ended the consent given by HÅKON TRANA."


def test_the_bank_lists_its_own_requests(bank, portal):
    consents = ConsentClient(bank)
    start = consents.list_requests(limit=1000)
    while not start.reached_end:
        start = consents.list_requests(after=start.next_cursor, limit=1000)
    given = consents.create_request(nav_request()).request
    accept(portal, given.id)
    pending = consents.create_request(tax_request()).request

    page = consents.list_requests(after=start.next_cursor)
    assert [r.id for r in page.requests] == [given.id, pending.id]
    accepted = consents.list_requests(after=start.next_cursor, statuses=[S.CONSENT_REQUEST_STATUS_ACCEPTED])
    assert [r.id for r in accepted.requests] == [given.id]
    assert [r.id for r in consents.list_requests(after=start.next_cursor, resource_id="4630_1").requests] == [pending.id]

    with pytest.raises(RpcError) as bad:
        consents.list_requests(statuses=[S.CONSENT_REQUEST_STATUS_UNSPECIFIED])
    assert bad.value.code == StatusCode.INVALID_ARGUMENT and bad.value.message.startswith("statuses[0]:")


def test_create_request_returns_where_the_person_answers(private_hub):
    hub = private_hub(extra_args=["--portal-url-template", "https://portal.example/consent/{id}"])
    with hub.connect("consumer") as connection:
        request = ConsentClient(connection).create_request(nav_request()).request
        assert request.view_url == "https://portal.example/consent/" + request.id
