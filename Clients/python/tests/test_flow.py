"""Seed 003's consent flow end to end through the Python client, as each
party sees it: the bank asks, the user (through the portal) reads the page
and accepts, the bank exchanges the code, NAV checks the token online and
offline, logs the use, the user reads the Samtykkelogg and withdraws, and
NAV's check fails from then on. Then a one-time Skatteetaten consent, and
refusals as a client program sees them."""

import json
import time
import urllib.parse

import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from consent.v1 import consent_pb2, registry_pb2, token_pb2
from consenthub import ConsentClient, RegistryClient, RpcError, StatusCode, TokenClient, portal_metadata

USER = "15038512363"  # the synthetic demo user of `consentctl dev-certs` (not a real person)
BANK = "910203045"  # BANKEN AS
ISSUER = "https://consenthub.example"  # consentd's default --issuer
REDIRECT = "https://banken.example/samtykke/svar"
DAY_MS = 86_400_000


def now_ms():
    return int(time.time() * 1000)


def as_user(connection, level=4):
    """ConsentService as the portal, stating the demo user logged in at `level`."""
    return ConsentClient(connection, metadata=portal_metadata(USER, level, "HÅKON TRANA"))


def reason(error):
    """The stable reason of a refusal (the `x-consent-reason` trailer)."""
    return dict(error.trailers).get("x-consent-reason")


def redirect_parameters(url):
    query = urllib.parse.urlparse(url).query
    return {key: values[0] for key, values in urllib.parse.parse_qs(query).items()}


def nav_request():
    """Seed 003 figure 1: BANKEN AS asks for NAV's 5252_1 with a data period."""
    return consent_pb2.CreateRequestRequest(
        resources=[consent_pb2.RequestedResource(resource_id="5252_1", metadata=[
            consent_pb2.ResourceMetadataValue(key="fraOgMed", value="01.01.2024"),
            consent_pb2.ResourceMetadataValue(key="tilOgMed", value="31.12.2024"),
        ])],
        offered_by=USER, redirect_url=REDIRECT, valid_to_ms=now_ms() + 365 * DAY_MS,
        purpose="Behandle søknaden din om uføreforsikring")


def tax_request():
    """Skatteetaten's one-time loan-application pair (seed 004's Resources=4629_2.4630_1)."""
    return consent_pb2.CreateRequestRequest(
        resources=[
            consent_pb2.RequestedResource(resource_id="4629_2", metadata=[consent_pb2.ResourceMetadataValue(key="inntektsaar", value="2024")]),
            consent_pb2.RequestedResource(resource_id="4630_1", metadata=[
                consent_pb2.ResourceMetadataValue(key="fraOgMed", value="01.01.2024"),
                consent_pb2.ResourceMetadataValue(key="tilOgMed", value="31.12.2024"),
            ]),
        ],
        offered_by=USER, redirect_url=REDIRECT, valid_to_ms=now_ms() + 20 * DAY_MS, purpose="Vurdere lånesøknaden din")


def accept(portal, request_id):
    """The user accepts; returns the code from the redirect back to the bank."""
    answer = as_user(portal).accept_request(request_id=request_id)
    parameters = redirect_parameters(answer.redirect_url)
    assert answer.redirect_url.startswith(REDIRECT + "?")
    assert parameters["Status"] == "OK" and parameters["RequestId"] == request_id
    return parameters["AuthorizationCode"]


def test_nav_consent_from_request_to_withdrawal(bank, portal, nav):
    # 1. The bank asks.
    request = ConsentClient(bank).create_request(nav_request()).request
    assert request.status == consent_pb2.CONSENT_REQUEST_STATUS_CREATED
    assert request.consumer_org_number == BANK

    # 2. The portal shows the user the consent page, rendered by the hub in Norwegian.
    page = as_user(portal).get_request(request_id=request.id).page
    assert page.heading == "Samtykke til bruk av dine data"
    assert page.consumer_name == "BANKEN AS"
    assert page.purpose == "Behandle søknaden din om uføreforsikring"
    assert [r.resource_id for r in page.resources] == ["5252_1"]
    assert "NAV" in page.resources[0].data_source_name
    assert "01.01.2024" in page.resources[0].text, "the consented period is spelled out"
    assert page.required_assurance_level == 4
    assert page.accept_label == "Ja, jeg gir samtykke"

    # 3. The user accepts; the redirect carries the one-time code.
    code = accept(portal, request.id)

    # 4. The bank exchanges it for a short-lived signed token; the code then works no more.
    tokens = TokenClient(bank)
    grant = tokens.exchange_code(code=code).grant
    assert grant.consent_id == request.id and not grant.one_time
    assert grant.expires_at_ms - grant.issued_at_ms == 120_000
    with pytest.raises(RpcError) as reuse:
        tokens.exchange_code(code=code)
    assert reuse.value.code == StatusCode.FAILED_PRECONDITION and reason(reuse.value) == "code_already_used"

    # 5a. NAV checks it online, for the period it is about to serve.
    checked = TokenClient(nav).verify_token(token=grant.token, resource="5252_1",
                                            metadata=[token_pb2.TokenMetadataValue(key="fraOgMed", value="01.03.2024")])
    assert checked.valid
    assert checked.claims.consent_id == request.id and checked.claims.to == "0192:" + BANK
    assert checked.claims.issuer == ISSUER

    # 5b. ...and offline with any JOSE library, knowing nothing but the published keys.
    keys = KeySet.import_key_set(json.loads(TokenClient(nav).get_signing_keys().jwks))
    token = jwt.decode(grant.token, keys, algorithms=["ES256"])
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": ISSUER}, exp={"essential": True}, iat={"essential": True}).validate(token.claims)
    assert token.header["alg"] == "ES256" and token.header["kid"] == grant.key_id
    consent = token.claims["authorization_details"][0]
    assert consent["type"] == "urn:altinn:consent" and consent["id"] == request.id
    assert consent["to"] == {"authority": "iso6523-actorid-upis", "ID": "0192:" + BANK}
    assert consent["from"] == "urn:altinn:person:identifier-no:" + USER
    right = consent["consentRights"][0]
    assert right["resource"] == [{"type": "urn:altinn:resource", "value": "5252_1"}]
    assert right["metadata"] == {"fraOgMed": "01.01.2024", "tilOgMed": "31.12.2024"}
    head, claims, signature = grant.token.split(".")
    forged = head + "." + claims + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, keys, algorithms=["ES256"])

    # 6. NAV logs the use; a time-limited consent lives on.
    receipt = TokenClient(nav).log_use(consent_id=request.id, resource="5252_1").receipt
    assert receipt.consent_id == request.id and not receipt.consent_ended

    # 7. The user's Samtykkelogg, in seed 002's words.
    log = as_user(portal).get_consent_log(consent_id=request.id).lines
    assert [line.title for line in log] == ["Samtykke gitt", "Samtykke benyttet"]
    assert "BANKEN AS fikk samtykke fra HÅKON TRANA" in log[0].text

    # 8. The user withdraws; NAV's online check refuses the still unexpired token.
    revoked = as_user(portal).revoke_consent(consent_id=request.id).consent
    assert revoked.status == consent_pb2.CONSENT_REQUEST_STATUS_REVOKED
    with pytest.raises(RpcError) as refused:
        TokenClient(nav).verify_token(token=grant.token)
    assert refused.value.code == StatusCode.FAILED_PRECONDITION and reason(refused.value) == "consent_revoked"
    assert [line.title for line in as_user(portal).get_consent_log(consent_id=request.id).lines][-1] == "Samtykke trukket"


def test_one_time_skatteetaten_consent_ends_at_its_first_use(bank, portal, skatt):
    request = ConsentClient(bank).create_request(tax_request()).request
    assert request.one_time, "both resources are engangssamtykke"
    grant = TokenClient(bank).exchange_code(code=accept(portal, request.id)).grant
    assert grant.one_time

    skatteetaten = TokenClient(skatt)
    assert skatteetaten.verify_token(token=grant.token, resource="4629_2").claims.one_time
    receipt = skatteetaten.log_use(token=grant.token, resource="4629_2").receipt
    assert receipt.consent_ended, "the first use ends a one-time consent"

    with pytest.raises(RpcError) as again:
        TokenClient(bank).issue_token(consent_id=request.id)
    assert again.value.code == StatusCode.FAILED_PRECONDITION and reason(again.value) == "consent_used_up"
    with pytest.raises(RpcError) as verify:
        skatteetaten.verify_token(token=grant.token)
    assert verify.value.code == StatusCode.FAILED_PRECONDITION
    assert "Engangssamtykke er nå opphørt" in as_user(portal).get_consent_log(consent_id=request.id).lines[-1].text


def test_refusals_carry_their_status_code_and_reason(bank, portal):
    # A consumer may not define resources: only data sources and admins may.
    with pytest.raises(RpcError) as denied:
        RegistryClient(bank).register_resource(registry_pb2.RegisterResourceRequest())
    assert denied.value.code == StatusCode.PERMISSION_DENIED
    assert str(denied.value).startswith("PERMISSION_DENIED: ") and "consumer" in denied.value.message

    # Garbage is refused before any lookup, with a stable reason for programs.
    with pytest.raises(RpcError) as malformed:
        TokenClient(bank).exchange_code(code="not-a-code")
    assert malformed.value.code == StatusCode.INVALID_ARGUMENT and reason(malformed.value) == "code_malformed"

    # NAV's resource needs login level 4: a level-3 user cannot accept.
    request = ConsentClient(bank).create_request(nav_request()).request
    with pytest.raises(RpcError) as too_low:
        as_user(portal, level=3).accept_request(request_id=request.id)
    assert too_low.value.code == StatusCode.PERMISSION_DENIED and reason(too_low.value) == "assurance_level_too_low"
