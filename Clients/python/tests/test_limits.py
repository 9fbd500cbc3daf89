"""Issue 12, point 5, through the Python client: a consent's uses per day
(Berlin Group's frequencyPerDay), statistics for a data source, and the
person's counts per state for the portal."""

import urllib.parse

import pytest

from consent.v1 import consent_pb2
from consenthub import ConsentClient, RpcError, StatusCode, TokenClient, portal_metadata

from test_flow import USER, nav_request, reason

S = consent_pb2


def as_user(connection):
    return ConsentClient(connection, metadata=portal_metadata(USER, 4, "HÅKON TRANA"))


def given(bank, portal, **fields):
    request = nav_request()
    for name, value in fields.items():
        setattr(request, name, value)
    created = ConsentClient(bank).create_request(request).request
    as_user(portal).accept_request(request_id=created.id)
    return created


def test_a_use_past_the_daily_limit_is_refused(bank, portal, nav):
    consent = given(bank, portal, uses_per_day=1)
    assert [r.uses_per_day for r in consent.resources] == [1]
    TokenClient(nav).log_use(consent_id=consent.id, resource="5252_1")
    with pytest.raises(RpcError) as refused:
        TokenClient(nav).log_use(consent_id=consent.id, resource="5252_1")
    assert refused.value.code == StatusCode.RESOURCE_EXHAUSTED and reason(refused.value) == "daily_use_limit_reached"
    token = TokenClient(bank).issue_token(consent_id=consent.id).grant.token
    with pytest.raises(RpcError) as verify:
        TokenClient(nav).verify_token(token=token, resource="5252_1")
    assert verify.value.code == StatusCode.RESOURCE_EXHAUSTED


def total(rows, field):
    return sum(getattr(row, field) for row in rows)


def test_statistics_and_the_persons_counts(bank, portal, nav):
    stats = ConsentClient(nav)
    before = stats.get_statistics(resource_id="5252_1").rows
    counts_before = {c.status: c.count for c in as_user(portal).count_consents().counts}

    consent = given(bank, portal)
    TokenClient(nav).log_use(consent_id=consent.id, resource="5252_1")
    ConsentClient(bank).revoke_consent(consent_id=consent.id)

    after = stats.get_statistics(resource_id="5252_1").rows
    assert total(after, "given") == total(before, "given") + 1
    assert total(after, "used") == total(before, "used") + 1
    assert total(after, "ended") == total(before, "ended") + 1
    assert all(row.resource_id == "5252_1" for row in after)
    by_month = stats.get_statistics(resource_id="5252_1", period=S.STATISTICS_PERIOD_MONTH).rows
    assert total(by_month, "given") == total(after, "given")

    counts = {c.status: c.count for c in as_user(portal).count_consents().counts}
    assert counts[S.CONSENT_REQUEST_STATUS_REVOKED] == counts_before[S.CONSENT_REQUEST_STATUS_REVOKED] + 1

    with pytest.raises(RpcError) as denied:
        ConsentClient(bank).get_statistics()
    assert denied.value.code == StatusCode.PERMISSION_DENIED
