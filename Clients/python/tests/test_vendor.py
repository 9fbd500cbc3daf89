"""Issue 12, point 2, through the Python client: BANKEN AS registers the
system vendor BANKSYSTEMER AS, which acts for it with its own certificate;
tokens name both (handledBy), and the vendor can act for no one else."""

import json
import urllib.parse

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from consent.v1 import consent_pb2, registry_pb2
from consenthub import ConsentClient, RegistryClient, RpcError, StatusCode, TokenClient, portal_metadata, vendor_metadata

from test_flow import BANK, USER, nav_request, reason, tax_request

VENDOR = "913456785"  # BANKSYSTEMER AS, `consentctl dev-certs`' vendor


@pytest.fixture
def vendor(connect_as):
    return connect_as("vendor")


def register(bank, resources=("5252_1",)):
    authorisation = registry_pb2.VendorAuthorisation(vendor_org_number=VENDOR, vendor_name="BANKSYSTEMER AS", resource_ids=list(resources))
    return RegistryClient(bank).authorise_vendor(authorisation=authorisation).authorisation


def test_the_vendor_acts_for_the_bank(bank, vendor, portal, nav):
    stored = register(bank)
    assert stored.consumer_org_number == BANK and list(stored.resource_ids) == ["5252_1"]
    for_bank = ConsentClient(vendor, metadata=vendor_metadata(BANK))

    request = for_bank.create_request(nav_request()).request
    assert request.consumer_org_number == BANK and request.handled_by_org_number == VENDOR

    page = ConsentClient(portal, metadata=portal_metadata(USER, 4)).get_request(request_id=request.id).page
    assert page.consumer_name == "BANKEN AS" and "BANKSYSTEMER" not in page.intro

    answer = ConsentClient(portal, metadata=portal_metadata(USER, 4)).accept_request(request_id=request.id)
    code = urllib.parse.parse_qs(urllib.parse.urlparse(answer.redirect_url).query)["AuthorizationCode"][0]
    grant = TokenClient(vendor, metadata=vendor_metadata(BANK)).exchange_code(code=code).grant
    assert grant.handled_by_org_number == VENDOR

    # Offline: the token carries Altinn 3's handledBy beside to.
    keys = KeySet.import_key_set(json.loads(TokenClient(nav).get_signing_keys().jwks))
    detail = jwt.decode(grant.token, keys, algorithms=["ES256"]).claims["authorization_details"][0]
    assert detail["to"]["ID"] == "0192:" + BANK
    assert detail["handledBy"] == "urn:altinn:organization:identifier-no:" + VENDOR

    receipt = TokenClient(vendor, metadata=vendor_metadata(BANK)).log_use(consent_id=request.id, resource="5252_1").receipt
    assert receipt.consent_id == request.id
    assert for_bank.revoke_consent(consent_id=request.id).consent.status == consent_pb2.CONSENT_REQUEST_STATUS_REVOKED


def test_the_vendor_acts_for_no_one_else(bank, vendor):
    register(bank)
    with pytest.raises(RpcError) as other:
        ConsentClient(vendor, metadata=vendor_metadata("974760673")).create_request(nav_request())
    assert other.value.code == StatusCode.PERMISSION_DENIED and reason(other.value) == "vendor_not_authorised"
    with pytest.raises(RpcError) as outside:
        ConsentClient(vendor, metadata=vendor_metadata(BANK)).create_request(tax_request())
    assert reason(outside.value) == "vendor_not_authorised"
    with pytest.raises(RpcError) as unnamed:
        ConsentClient(vendor).list_requests()
    assert unnamed.value.code == StatusCode.INVALID_ARGUMENT and reason(unnamed.value) == "acting_for_missing"

    RegistryClient(bank).deauthorise_vendor(vendor_org_number=VENDOR)
    with pytest.raises(RpcError) as removed:
        ConsentClient(vendor, metadata=vendor_metadata(BANK)).create_request(nav_request())
    assert reason(removed.value) == "vendor_not_authorised"
