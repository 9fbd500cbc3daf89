"""Issue 12, point 4 (in part), through the Python client: the bank's purpose
per language reaches the page in the person's language; the language the
person answered in comes back to the bank."""

import pytest

from consent.v1 import consent_pb2
from consenthub import ConsentClient, RpcError, StatusCode, portal_metadata

from test_flow import USER, nav_request, reason


def test_purpose_per_language_and_the_language_answered_in(bank, portal):
    asked = nav_request()
    asked.purpose_texts.CopyFrom(consent_pb2.PurposeTexts(en="Process your insurance claim", nn_no="Handsame forsikringskravet ditt"))
    request = ConsentClient(bank).create_request(asked).request
    assert request.purpose_texts.en == "Process your insurance claim"
    as_user = ConsentClient(portal, metadata=portal_metadata(USER, 4))
    assert as_user.get_request(request_id=request.id, language="en").page.purpose == "Process your insurance claim"
    assert as_user.get_request(request_id=request.id, language="nn-NO").page.purpose == "Handsame forsikringskravet ditt"
    assert as_user.get_request(request_id=request.id, language="nb-NO").page.purpose == asked.purpose

    answer = as_user.accept_request(request_id=request.id, language="en")
    assert answer.request.answer_language == "en"
    assert ConsentClient(bank).get_request_status(request_id=request.id).request.answer_language == "en"


def test_bad_languages_and_long_purposes_are_refused(bank, portal):
    too_long = nav_request()
    too_long.purpose_texts.en = "x" * 1001
    with pytest.raises(RpcError) as long:
        ConsentClient(bank).create_request(too_long)
    assert long.value.code == StatusCode.INVALID_ARGUMENT and reason(long.value) == "purpose_too_long"
    request = ConsentClient(bank).create_request(nav_request()).request
    with pytest.raises(RpcError) as unknown:
        ConsentClient(portal, metadata=portal_metadata(USER, 4)).reject_request(request_id=request.id, language="sv")
    assert unknown.value.code == StatusCode.INVALID_ARGUMENT and reason(unknown.value) == "language_unknown"
    assert ConsentClient(bank).get_request_status(request_id=request.id).request.status == consent_pb2.CONSENT_REQUEST_STATUS_CREATED


def test_an_action_beyond_reading_is_in_the_token(private_hub):
    """Issue 12, point 4: on a hub of its own (it changes NAV's resource)."""
    from consenthub import RegistryClient, TokenClient

    server = private_hub()
    nav = server.connect("datasource")
    resource = RegistryClient(nav).get_resource(resource_id="5252_1").resource
    resource.actions[:] = ["submit-application"]
    assert list(RegistryClient(nav).register_resource(resource=resource).resource.actions) == ["submit-application"]
    bank = server.connect("consumer")
    request = ConsentClient(bank).create_request(nav_request()).request
    ConsentClient(server.connect("portal"), metadata=portal_metadata(USER, 4)).accept_request(request_id=request.id)
    token = TokenClient(bank).issue_token(consent_id=request.id).grant.token
    verified = TokenClient(nav).verify_token(token=token, resource="5252_1")
    assert verified.valid and list(verified.claims.rights[0].actions) == ["submit-application"]
