"""The data source as a bank meets it: real tokens from a live hub, the
caller's certificate injected as gunicorn hands it over."""

import base64
import json
import logging
import re

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from conftest import BANK, OTHER_CONSUMER, PORTAL_ORG, USER, Caller, FakeTLSSocket, certificate_of

NAV = "/nav/api/v1/disability-benefits"
INCOME = "/skatteetaten/api/v1/income"
REPORTS = "/skatteetaten/api/v1/employer-reports"
LOAN = "/skatteetaten/api/v1/loan-application"
NAV_PERIOD = {"fraOgMed": "01.01.2024", "tilOgMed": "31.12.2024"}


def refused(response, status, reason):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == reason, body
    assert body["message"]
    return body


def claims_of(token):
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_a_valid_token_gets_the_data_and_the_use_is_in_the_persons_log(bank_caller, consents):
    grant = consents.nav()
    response = bank_caller.get(NAV, grant.token, **NAV_PERIOD)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["synthetic"] is True and "oppdiktet" in body["notice"]
    assert body["source"] == "NAV"
    assert body["consent"] == {"id": grant.consent_id, "oneTime": False, "ended": False}
    assert [use["resource"] for use in body["uses"]] == ["5252_1"]
    benefits = body["data"]["5252_1"]
    assert benefits["periode"] == NAV_PERIOD
    assert [d["ytelse"] for d in benefits["vedtak"]] == ["Arbeidsavklaringspenger", "Uføretrygd"]
    assert len(benefits["arbeidsinntektPerMaaned"]) == 12
    assert consents.log_titles(grant.consent_id) == ["Samtykke gitt", "Samtykke benyttet"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_same_question_gets_the_same_made_up_answer(bank_caller, consents):
    grant = consents.nav()
    first = bank_caller.get(NAV, grant.token, fraOgMed="01.03.2024", tilOgMed="30.06.2024").get_json()
    second = bank_caller.get(NAV, grant.token, fraOgMed="01.03.2024", tilOgMed="30.06.2024").get_json()
    assert first["data"] == second["data"]
    assert [m["maaned"] for m in first["data"]["5252_1"]["arbeidsinntektPerMaaned"]] == ["2024-03", "2024-04", "2024-05", "2024-06"]
    assert consents.log_titles(grant.consent_id).count("Samtykke benyttet") == 2


@pytest.mark.parametrize("period", [
    {"fraOgMed": "31.12.2023", "tilOgMed": "31.12.2024"},
    {"fraOgMed": "01.01.2024", "tilOgMed": "01.01.2025"},
    {"fraOgMed": "01.01.2020", "tilOgMed": "31.12.2030"},
])
def test_a_period_outside_the_consent_is_refused_and_not_logged(bank_caller, consents, period):
    grant = consents.nav()
    refused(bank_caller.get(NAV, grant.token, **period), 403, "period_outside_consent")
    assert consents.log_titles(grant.consent_id) == ["Samtykke gitt"]


def test_a_token_presented_by_another_organisation_is_refused(app, consents):
    grant = consents.nav()
    # Brønnøysundregistrene has a valid certificate from the same CA, but the token is BANKEN AS's.
    thief = Caller(app, certificate_of(PORTAL_ORG))
    body = refused(thief.get(NAV, grant.token, **NAV_PERIOD), 403, "token_for_another_consumer")
    assert BANK in body["message"] and PORTAL_ORG in body["message"]
    assert consents.log_titles(grant.consent_id) == ["Samtykke gitt"]


def test_a_token_the_hub_issued_to_another_consumer_is_refused(app, bank_caller, consents):
    grant = consents.grant({"5252_1": NAV_PERIOD}, consumer="admin", redirect_url="https://other.example/svar")
    assert claims_of(grant.token)["authorization_details"][0]["to"]["ID"] == "0192:" + OTHER_CONSUMER
    refused(bank_caller.get(NAV, grant.token, **NAV_PERIOD), 403, "token_for_another_consumer")
    assert consents.log_titles(grant.consent_id) == ["Samtykke gitt"]
    # The consumer it was issued to gets the data with it.
    owner = Caller(app, certificate_of(OTHER_CONSUMER))
    assert owner.get(NAV, grant.token, **NAV_PERIOD).status_code == 200


def test_a_token_for_another_resource_is_refused(bank_caller, consents):
    nav_grant = consents.nav()
    refused(bank_caller.get(INCOME, nav_grant.token, inntektsaar="2024"), 403, "wrong_resource")
    loan_grant = consents.loan()
    refused(bank_caller.get(NAV, loan_grant.token, **NAV_PERIOD), 403, "wrong_resource")
    # Neither consent was used (the one-time one would have ended).
    assert consents.log_titles(loan_grant.consent_id) == ["Samtykke gitt"]


def test_an_income_year_other_than_the_consented_one_is_refused(bank_caller, consents):
    grant = consents.loan(year="2025")
    refused(bank_caller.get(INCOME, grant.token, inntektsaar="2024"), 403, "period_outside_consent")


def test_an_expired_token_is_refused(bank_caller, consents, clock):
    grant = consents.nav()
    clock.offset = 10 * 60  # the data source's clock is ten minutes on: the two-minute token has run out
    refused(bank_caller.get(NAV, grant.token, **NAV_PERIOD), 401, "token_expired")
    clock.offset = 120 + 15  # within the 30-second skew allowed
    assert bank_caller.get(NAV, grant.token, **NAV_PERIOD).status_code == 200


def test_a_token_from_the_future_is_refused(bank_caller, consents, clock):
    grant = consents.nav()
    clock.offset = -10 * 60
    refused(bank_caller.get(NAV, grant.token, **NAV_PERIOD), 401, "token_not_yet_valid")


def _flip(text, index):
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1:]


def test_a_changed_token_is_refused(bank_caller, consents):
    grant = consents.nav()
    head, claims, signature = grant.token.split(".")
    refused(bank_caller.get(NAV, "%s.%s.%s" % (head, claims, _flip(signature, 5)), **NAV_PERIOD), 401, "token_signature_invalid")
    # A wider period written into the claims: the signature no longer covers them.
    widened = claims_of(grant.token)
    widened["authorization_details"][0]["consentRights"][0]["metadata"]["tilOgMed"] = "31.12.2030"
    forged_claims = base64.urlsafe_b64encode(json.dumps(widened).encode()).decode().rstrip("=")
    refused(bank_caller.get(NAV, "%s.%s.%s" % (head, forged_claims, signature), fraOgMed="01.01.2024", tilOgMed="31.12.2030"),
            401, "token_signature_invalid")


def test_the_high_s_twin_of_a_valid_signature_is_refused(bank_caller, consents):
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    grant = consents.nav()
    head, claims, signature = grant.token.split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    twin = raw[:32] + (order - int.from_bytes(raw[32:], "big")).to_bytes(32, "big")
    twin_token = "%s.%s.%s" % (head, claims, base64.urlsafe_b64encode(twin).decode().rstrip("="))
    refused(bank_caller.get(NAV, twin_token, **NAV_PERIOD), 401, "token_signature_invalid")


def test_a_token_signed_by_someone_else_is_refused(bank_caller, consents):
    grant = consents.nav()
    header = json.loads(base64.urlsafe_b64decode(grant.token.split(".")[0] + "=="))
    stranger = ECKey.generate_key("P-256")
    claims = claims_of(grant.token)
    # With the hub's key id: the signature does not verify.
    forged = jwt.encode({"alg": "ES256", "kid": header["kid"]}, claims, stranger, algorithms=["ES256"])
    refused(bank_caller.get(NAV, forged, **NAV_PERIOD), 401, "token_signature_invalid")
    # With a key id of its own: the hub publishes no such key.
    forged = jwt.encode({"alg": "ES256", "kid": "stranger-key"}, claims, stranger, algorithms=["ES256"])
    refused(bank_caller.get(NAV, forged, **NAV_PERIOD), 401, "token_key_unknown")


def test_an_unsigned_or_garbled_token_is_refused(bank_caller, consents):
    grant = consents.nav()
    _, claims, _ = grant.token.split(".")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    refused(bank_caller.get(NAV, none_header + "." + claims + ".", **NAV_PERIOD), 401, "token_malformed")
    hs_header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT","kid":"x"}').decode().rstrip("=")
    refused(bank_caller.get(NAV, hs_header + "." + claims + ".c2ln", **NAV_PERIOD), 401, "token_algorithm_unsupported")
    refused(bank_caller.get(NAV, "not-a-token", **NAV_PERIOD), 401, "token_malformed")


def test_a_request_without_a_token_is_refused(bank_caller):
    response = bank_caller.get(NAV, **NAV_PERIOD)
    refused(response, 401, "token_missing")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    refused(bank_caller.get(NAV, headers={"Authorization": "Basic dXNlcjpwYXNz"}, **NAV_PERIOD), 401, "token_missing")


def test_a_caller_without_a_certificate_naming_an_organisation_is_refused(app, consents):
    grant = consents.nav()
    client = app.test_client()
    headers = {"Authorization": "Bearer " + grant.token}
    # No TLS client certificate at all (the app run without gunicorn's --cert-reqs 2).
    refused(client.get(NAV, query_string=NAV_PERIOD, headers=headers), 401, "caller_unknown")
    refused(client.get(NAV, query_string=NAV_PERIOD, headers=headers,
                       environ_overrides={"gunicorn.socket": FakeTLSSocket(None)}), 401, "caller_unknown")
    # A certificate whose subject names no organisation number.
    nameless = ((("commonName", "localhost"),),)
    refused(client.get(NAV, query_string=NAV_PERIOD, headers=headers,
                       environ_overrides={"gunicorn.socket": FakeTLSSocket(nameless)}), 401, "caller_unknown")


def test_a_withdrawn_consent_is_refused_online(bank_caller, consents, make_app):
    grant = consents.nav()
    assert bank_caller.get(NAV, grant.token, **NAV_PERIOD).status_code == 200
    consents.revoke(grant.consent_id)
    body = refused(bank_caller.get(NAV, grant.token, **NAV_PERIOD), 403, "consent_revoked")
    assert "hub" in body["message"]
    # Offline only, the token still looks good; the hub refuses to log a use after the withdrawal.
    offline = Caller(make_app(ONLINE_VERIFY=False), certificate_of(BANK))
    refused(offline.get(NAV, grant.token, **NAV_PERIOD), 403, "used_after_revocation")
    assert consents.log_titles(grant.consent_id) == ["Samtykke gitt", "Samtykke benyttet", "Samtykke trukket"]


def test_a_loan_application_gets_both_of_skatteetatens_resources_once(bank_caller, consents):
    grant = consents.loan()
    assert grant.one_time
    asked = {"inntektsaar": "2025", "fraOgMed": "01.10.2026", "tilOgMed": "30.11.2026"}
    response = bank_caller.get(LOAN, grant.token, **asked)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["source"] == "Skatteetaten"
    assert body["consent"] == {"id": grant.consent_id, "oneTime": True, "ended": True}
    assert body["data"]["4629_2"]["inntektsaar"] == 2025
    assert [r["maaned"] for r in body["data"]["4630_1"]["inntekter"]] == ["2026-10", "2026-11"]
    assert "Engangssamtykke er nå opphørt" in consents.log_texts(grant.consent_id)[-1]
    # The data was served once: the same token again is refused by the hub.
    refused(bank_caller.get(LOAN, grant.token, **asked), 403, "consent_used_up")


def test_a_one_time_consent_fetched_resource_by_resource_ends_at_the_first(bank_caller, consents):
    grant = consents.loan()
    assert bank_caller.get(INCOME, grant.token, inntektsaar="2025").status_code == 200
    refused(bank_caller.get(REPORTS, grant.token, fraOgMed="01.09.2026", tilOgMed="30.11.2026"), 403, "consent_used_up")


@pytest.mark.parametrize("query, reason", [
    ({"fraOgMed": "01.01.2024"}, "parameter_missing"),
    ({"fraOgMed": "2024-01-01", "tilOgMed": "31.12.2024"}, "parameter_malformed"),
    ({"fraOgMed": "31.02.2024", "tilOgMed": "31.12.2024"}, "parameter_malformed"),
    ({"fraOgMed": "01.06.2024", "tilOgMed": "01.05.2024"}, "parameter_malformed"),
    ({"fraOgMed": "01.01.2024", "tilOgMed": "31.12.2024", "fnr": "x"}, "parameter_unknown"),
])
def test_a_malformed_query_is_refused(bank_caller, consents, query, reason):
    grant = consents.nav()
    refused(bank_caller.get(NAV, grant.token, **query), 400, reason)
    assert consents.log_titles(grant.consent_id) == ["Samtykke gitt"]


def test_a_token_from_another_issuer_is_refused(make_app, consents):
    grant = consents.nav()
    caller = Caller(make_app(ISSUER="https://other-hub.example"), certificate_of(BANK))
    refused(caller.get(NAV, grant.token, **NAV_PERIOD), 401, "token_issuer_wrong")


def test_unknown_key_ids_do_not_make_the_data_source_hammer_the_hub(app, consents):
    grant = consents.nav()
    keys = app.extensions["demo_datasource"].keys
    fetches = []
    fetch = keys._fetch
    keys._fetch = lambda: fetches.append(1) or fetch()
    caller = Caller(app, certificate_of(BANK))
    assert caller.get(NAV, grant.token, **NAV_PERIOD).status_code == 200
    stranger = ECKey.generate_key("P-256")
    for i in range(5):
        forged = jwt.encode({"alg": "ES256", "kid": "made-up-%d" % i}, claims_of(grant.token), stranger, algorithms=["ES256"])
        refused(caller.get(NAV, forged, **NAV_PERIOD), 401, "token_key_unknown")
    # One fetch at the first token; the made-up ids come within the refetch interval.
    assert len(fetches) == 1


def test_the_hub_being_down_is_a_503_and_the_data_source_stays_up(make_app, consents, certs):
    grant = consents.nav()
    caller = Caller(make_app(HUB_ADDRESS="127.0.0.1:1", HUB_CONNECT_TIMEOUT=2), certificate_of(BANK))
    refused(caller.get(NAV, grant.token, **NAV_PERIOD), 503, "hub_unavailable")
    assert caller.client.get("/").status_code == 200


def test_the_log_holds_no_national_identity_number(bank_caller, consents, caplog):
    grant = consents.nav()
    with caplog.at_level(logging.INFO):
        assert bank_caller.get(NAV, grant.token, **NAV_PERIOD).status_code == 200
        bank_caller.get(NAV, grant.token, fraOgMed="01.01.2000", tilOgMed="31.12.2024")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "served 5252_1 to %s: consent %s, person " % (BANK, grant.consent_id) in text
    assert "refused GET %s to %s: period_outside_consent" % (NAV, BANK) in text
    # No 11-digit number standing alone (digits inside hex hashes and ids do not count).
    assert USER not in text and not re.search(r"(?<![0-9a-fA-F])\d{11}(?![0-9a-fA-F])", text)


def test_the_page_describes_the_api(app):
    response = app.test_client().get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    for path in (NAV, INCOME, REPORTS, LOAN):
        assert path in page
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none': no script at all
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def contrast(first, second):
    """WCAG 2.1's contrast ratio of two #rrggbb colours."""
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_focus_ring_has_3_to_1_contrast_on_the_page_and_on_the_header(app):
    # WCAG 2.1 1.4.11: the outline against the white page, the ring around it
    # against the dark header (the skip link shows at the top of the page).
    css = app.test_client().get("/static/datasource.css").get_data(as_text=True)
    rule = re.search(r"(?m)^:focus-visible \{([^}]*)\}", css).group(1)
    outline = re.search(r"outline: 3px solid (#[0-9a-fA-F]{6})", rule).group(1)
    ring = re.search(r"box-shadow: 0 0 0 6px (#[0-9a-fA-F]{6})", rule).group(1)
    header = re.search(r"(?m)^header \{[^}]*background: (#[0-9a-fA-F]{6})", css).group(1)
    assert contrast(outline, "#ffffff") >= 3 and contrast(ring, header) >= 3


def test_an_unknown_path_is_a_json_404(bank_caller):
    response = bank_caller.get("/nav/api/v2/whatever")
    refused(response, 404, "not_found")


def test_configuration_comes_from_the_environment(hub, certs, monkeypatch):
    from conftest import app_config
    from demo_datasource import create_app
    for key, value in app_config(hub, certs).items():
        monkeypatch.setenv("DATASOURCE_" + key, str(value))
    monkeypatch.setenv("DATASOURCE_SECRET_KEY", "12345678")  # digits: JSON would make it a number
    monkeypatch.setenv("DATASOURCE_ONLINE_VERIFY", "false")
    app = create_app()
    try:
        assert app.config["SECRET_KEY"] == "12345678" and app.config["ONLINE_VERIFY"] is False
        assert app.config["HUB_ADDRESS"] == hub.address
    finally:
        app.extensions["demo_datasource"].hub.close()
    monkeypatch.delenv("DATASOURCE_NAV_KEY")
    with pytest.raises(RuntimeError, match="DATASOURCE_NAV_KEY"):
        create_app()
