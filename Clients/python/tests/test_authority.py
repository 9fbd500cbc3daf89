"""Issue 12, point 3, through the Python client: NAV states the authority
needed to consent for an organisation; the bank names the one person who must
answer; the portal passes the roles the person holds (org_roles). On a hub of
the test's own, since it changes NAV's resource."""

import pytest

from consent.v1 import consent_pb2, registry_pb2
from consenthub import ConsentClient, RegistryClient, RpcError, StatusCode, org_roles_text, portal_metadata

from test_flow import USER, nav_request, reason

ORG = "974760673"  # an organisation the users below act for
OTHER = "01019012480"  # a second synthetic person (not a real one)


@pytest.fixture
def server(private_hub):
    return private_hub()


def portal_as(server, user, **kw):
    return ConsentClient(server.connect("portal"), metadata=portal_metadata(user, 4, **kw))


def require_managers(server):
    nav = RegistryClient(server.connect("datasource"))
    resource = nav.get_resource(resource_id="5252_1").resource
    resource.organisation_authority[:] = ["lede", "DAGL"]
    stored = nav.register_resource(resource=resource).resource
    assert list(stored.organisation_authority) == ["DAGL", "LEDE"], "upper-cased and sorted"
    return stored


def org_request(delegator=""):
    request = nav_request()
    request.offered_by = ORG
    request.required_delegator = delegator
    return request


def test_org_roles_text():
    assert org_roles_text({"912345678": ["LEDE"], ORG: ["DAGL", "SIGN"]}) == "912345678=LEDE;974760673=DAGL,SIGN"
    assert org_roles_text("974760673=DAGL") == "974760673=DAGL"
    assert portal_metadata(USER, 4, org_roles={ORG: ["DAGL"]})["x-consent-user-org-roles"] == "974760673=DAGL"


def test_only_the_required_delegator_with_the_authority_answers(server):
    require_managers(server)
    bank = ConsentClient(server.connect("consumer"))
    request = bank.create_request(org_request(delegator=USER)).request
    assert request.required_delegator == USER

    # Another person who is general manager: not the one the bank named.
    with pytest.raises(RpcError) as other:
        portal_as(server, OTHER, org_roles={ORG: ["DAGL"]}).accept_request(request_id=request.id)
    assert other.value.code == StatusCode.PERMISSION_DENIED and reason(other.value) == "required_delegator_mismatch"
    # The named person, signing for the organisation but without a role NAV accepts.
    with pytest.raises(RpcError) as board:
        portal_as(server, USER, signs_for=[ORG], org_roles={ORG: ["MEDL"]}).accept_request(request_id=request.id)
    assert board.value.code == StatusCode.PERMISSION_DENIED and reason(board.value) == "organisation_authority_missing"
    assert bank.get_request_status(request_id=request.id).request.status == consent_pb2.CONSENT_REQUEST_STATUS_CREATED

    answer = portal_as(server, USER, user_name="HÅKON TRANA", org_roles={ORG: ["DAGL", "SIGN"]}).accept_request(request_id=request.id)
    assert answer.request.status == consent_pb2.CONSENT_REQUEST_STATUS_ACCEPTED
    assert list(bank.get_request_status(request_id=request.id).request.answer_authority) == ["DAGL"]
    log = portal_as(server, USER, org_roles={ORG: ["DAGL"]}).get_consent_log(consent_id=request.id).lines
    assert "ved HÅKON TRANA (daglig leder)" in log[0].text


def test_bad_input_is_refused_clearly(server):
    bank = ConsentClient(server.connect("consumer"))
    for_a_person = nav_request()
    for_a_person.required_delegator = USER
    with pytest.raises(RpcError) as person:
        bank.create_request(for_a_person)
    assert person.value.code == StatusCode.INVALID_ARGUMENT and reason(person.value) == "required_delegator_without_organisation"
    with pytest.raises(RpcError) as malformed:
        bank.create_request(org_request(delegator="1234"))
    assert malformed.value.code == StatusCode.INVALID_ARGUMENT and str(malformed.value.message).startswith("required_delegator")

    request = bank.create_request(org_request()).request
    with pytest.raises(RpcError) as roles:
        portal_as(server, USER, org_roles="974760673:DAGL").get_request(request_id=request.id)
    assert roles.value.code == StatusCode.INVALID_ARGUMENT and reason(roles.value) == "org_roles_malformed"
    with pytest.raises(RpcError) as code:
        portal_as(server, USER, org_roles={ORG: ["DAGL!"]}).get_request(request_id=request.id)
    assert reason(code.value) == "role_code_malformed"

    nav = RegistryClient(server.connect("datasource"))
    resource = nav.get_resource(resource_id="5252_1").resource
    resource.organisation_authority[:] = ["DAGL", "DAGL"]
    with pytest.raises(RpcError) as repeated:
        nav.register_resource(resource=resource)
    assert reason(repeated.value) == "authority_role_repeated"
    # Nothing changed, and the hub still serves.
    assert list(nav.get_resource(resource_id="5252_1").resource.organisation_authority) == []
    assert bank.get_request_status(request_id=request.id).request.status == consent_pb2.CONSENT_REQUEST_STATUS_CREATED
