"""The consent page and the answer, against the live hub."""

import hashlib
import urllib.parse

import pytest

import consenthub
from conftest import AMIR, HAKON, INGRID, OLA, ORG, REDIRECT, csrf_token_in, unique_purpose
from consent.v1 import consent_pb2

CREATED = consent_pb2.CONSENT_REQUEST_STATUS_CREATED
ACCEPTED = consent_pb2.CONSENT_REQUEST_STATUS_ACCEPTED
REJECTED = consent_pb2.CONSENT_REQUEST_STATUS_REJECTED


def redirect_parameters(location):
    parts = urllib.parse.urlsplit(location)
    return parts._replace(query="").geturl(), dict(urllib.parse.parse_qsl(parts.query))


def answer(client, request_id, decision):
    page = client.get("/consent/%s" % request_id)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post("/consent/%s" % request_id, data={"csrf_token": csrf_token_in(page.get_data(as_text=True)),
                                                         "decision": decision})


def test_consent_page_shows_the_request_in_bokmal(logged_in, bank):
    purpose = unique_purpose("Behandle søknaden din om uføreforsikring")
    request_id = bank.create(offered_by=HAKON.pid, purpose=purpose)
    response = logged_in.get("/consent/%s" % request_id)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="nb-NO">' in html
    assert "<title>Samtykke til bruk av dine data – Samtykkeportalen</title>" in html
    assert '<h1 id="consent-heading">Samtykke til bruk av dine data</h1>' in html
    assert "BANKEN AS ønsker å hente opplysninger om deg" in html
    assert "910 203 045" in html
    assert ">Formål</h2>" in html and purpose in html
    assert "Ved å samtykke, får BANKEN AS tilgang til følgende opplysninger om deg" in html
    assert "Opplysninger om arbeidsavklaringspenger og uføretrygd fra NAV" in html
    assert "Opplysningene kommer fra: NAV" in html
    assert "Opplysningene gjelder perioden 01.01.2024–31.12.2024." in html, "the metadata period"
    # the resource text's "- " lines are a list
    assert "<ul><li>Opplysninger fra vedtak om arbeidsavklaringspenger" in html
    assert "Samtykket er gyldig fra og med" in html
    assert '<button type="submit" name="decision" value="accept">Ja, jeg gir samtykke</button>' in html
    assert 'name="decision" value="reject"' in html
    assert 'id="level-notice"' not in html, "level 4 suffices"
    # the language switch
    assert 'href="/consent/%s?lang=en" hreflang="en"' % request_id in html


def test_consent_page_in_the_language_asked_for_and_the_requests_own(logged_in, bank):
    request_id = bank.create(offered_by=HAKON.pid, purpose=unique_purpose())
    html = logged_in.get("/consent/%s?lang=en" % request_id).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Consent to the use of your data" in html
    assert "Information on work assessment allowance and disability benefit from NAV" in html
    assert ">Your answer</h2>" in html, "the portal's own texts follow the page"
    html = logged_in.get("/consent/%s?lang=nn-NO" % request_id).get_data(as_text=True)
    assert '<html lang="nn-NO">' in html and "Opplysningar om arbeidsavklaringspengar" in html
    assert ">Svaret ditt</h2>" in html

    english = bank.create(offered_by=HAKON.pid, purpose=unique_purpose(), language="en")
    html = logged_in.get("/consent/%s" % english).get_data(as_text=True)
    assert '<html lang="en">' in html, "without ?lang= the request's own LanguageCode"


@pytest.mark.parametrize("purpose", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_a_purpose_with_markup_is_shown_as_text(logged_in, bank, purpose):
    request_id = bank.create(offered_by=HAKON.pid, purpose=purpose)
    html = logged_in.get("/consent/%s" % request_id).get_data(as_text=True)
    assert "<script" not in html
    assert "<img" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_accept_sends_the_browser_to_the_banks_redirect_with_a_working_code(logged_in, bank, bank_connection):
    request_id = bank.create(offered_by=HAKON.pid, purpose=unique_purpose())
    response = answer(logged_in, request_id, "accept")
    assert response.status_code == 303
    base, parameters = redirect_parameters(response.headers["Location"])
    assert base == REDIRECT
    assert parameters["RequestId"] == request_id and parameters["Status"] == "OK"
    # the code is real: the bank exchanges it for a token
    grant = consenthub.TokenClient(bank_connection).exchange_code(code=parameters["AuthorizationCode"]).grant
    assert grant.consent_id == request_id
    assert bank.status(request_id) == ACCEPTED


def test_reject_sends_the_browser_back_with_status_failed(logged_in, bank):
    request_id = bank.create(offered_by=HAKON.pid, purpose=unique_purpose())
    response = answer(logged_in, request_id, "reject")
    assert response.status_code == 303
    base, parameters = redirect_parameters(response.headers["Location"])
    assert base == REDIRECT
    assert parameters["Status"] == "Failed" and parameters["RequestId"] == request_id
    assert parameters["ErrorMessage"]
    assert "AuthorizationCode" not in parameters
    assert bank.status(request_id) == REJECTED


def test_the_redirect_is_exactly_the_hubs(logged_in, bank):
    # A RedirectUrl with its own query and escapes: passed on byte for byte.
    redirect_url = REDIRECT + "?soknad=a%2Fb&x=%C3%A6"
    request_id = bank.create(offered_by=HAKON.pid, purpose=unique_purpose(), redirect_url=redirect_url)
    location = answer(logged_in, request_id, "reject").headers["Location"]
    assert location.startswith(redirect_url + "&RequestId=" + request_id)


def test_an_answered_request_shows_no_buttons_and_answering_again_redirects_as_the_hub_says(logged_in, bank):
    request_id = bank.create(offered_by=HAKON.pid, purpose=unique_purpose())
    token = csrf_token_in(logged_in.get("/consent/%s" % request_id).get_data(as_text=True))
    first = logged_in.post("/consent/%s" % request_id, data={"csrf_token": token, "decision": "accept"})
    assert first.status_code == 303

    html = logged_in.get("/consent/%s" % request_id).get_data(as_text=True)
    assert 'id="closed-notice"' in html and "Du har allerede gitt dette samtykket." in html
    assert 'name="decision"' not in html

    # The same answer again (a second tab): the hub's redirect, without a new code.
    again = logged_in.post("/consent/%s" % request_id, data={"csrf_token": token, "decision": "accept"})
    assert again.status_code == 303
    base, parameters = redirect_parameters(again.headers["Location"])
    assert base == REDIRECT and parameters["Status"] == "OK" and "AuthorizationCode" not in parameters

    # The other answer is refused: 409 with the reason for support.
    other = logged_in.post("/consent/%s" % request_id, data={"csrf_token": token, "decision": "reject"})
    html = other.get_data(as_text=True)
    assert other.status_code == 409 and "Location" not in other.headers
    assert "Du har allerede svart på denne forespørselen." in html and "request_already_accepted" in html
    assert bank.status(request_id) == ACCEPTED


def test_an_answer_without_a_csrf_token_changes_nothing(logged_in, bank):
    request_id = bank.create(offered_by=HAKON.pid, purpose=unique_purpose())
    logged_in.get("/consent/%s" % request_id)
    response = logged_in.post("/consent/%s" % request_id, data={"decision": "accept"})
    assert response.status_code == 400 and "Location" not in response.headers
    assert "csrf_failed" in response.get_data(as_text=True)
    response = logged_in.post("/consent/%s" % request_id, data={"decision": "accept", "csrf_token": "forged"})
    assert response.status_code == 400
    assert bank.status(request_id) == CREATED


def test_an_answer_without_a_decision_is_refused(logged_in, bank):
    request_id = bank.create(offered_by=HAKON.pid, purpose=unique_purpose())
    response = logged_in.submit("/consent/%s" % request_id, {"decision": "maybe"})
    assert response.status_code == 400 and "decision_missing" in response.get_data(as_text=True)
    assert bank.status(request_id) == CREATED


def test_a_level_3_login_is_asked_to_log_in_again_at_level_4(client, bank):
    request_id = bank.create(offered_by=OLA.pid, purpose=unique_purpose())
    client.login(OLA.pid)  # level 3
    html = client.get("/consent/%s" % request_id).get_data(as_text=True)
    assert 'id="level-notice"' in html
    assert "må du være logget inn på sikkerhetsnivå 4. Nå er du logget inn på nivå 3." in html
    assert '<button type="submit" name="login" value="again">Logg inn på nytt på nivå 4</button>' in html

    # Accepting anyway: the hub refuses; the same offer, as a page of its own.
    token = csrf_token_in(html)
    response = client.post("/consent/%s" % request_id, data={"csrf_token": token, "decision": "accept"})
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "Location" not in response.headers
    assert "Du må logge inn på et høyere sikkerhetsnivå" in html and "assurance_level_too_low" in html
    assert 'name="level" value="4"' in html
    assert bank.status(request_id) == CREATED

    # Logging in again at level 4 leads back to the request, which can now be accepted.
    again = client.post("/login/again", data={"csrf_token": token, "level": "4", "login": "again"})
    assert again.status_code == 303 and again.headers["Location"] == "/consent/%s" % request_id
    response = answer(client, request_id, "accept")
    assert response.status_code == 303 and "Status=OK" in response.headers["Location"]


def test_a_level_3_login_may_still_say_no(client, bank):
    request_id = bank.create(offered_by=OLA.pid, purpose=unique_purpose())
    client.login(OLA.pid)
    response = answer(client, request_id, "reject")
    assert response.status_code == 303 and "Status=Failed" in response.headers["Location"]


def test_a_user_token_for_someone_else_shows_why_and_offers_another_login(logged_in, bank):
    token = hashlib.sha256(INGRID.pid.encode()).hexdigest()
    request_id = bank.create(purpose=unique_purpose(), user_token=token)
    response = logged_in.get("/consent/%s" % request_id)
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Denne forespørselen er til en annen" in html and "user_token_mismatch" in html
    assert '<button type="submit" name="switch" value="yes"' in html
    assert 'name="decision"' not in html

    # Logging in as the right person leads back to the request.
    switched = logged_in.submit("/login/switch", {"switch": "yes"})
    assert switched.headers["Location"] == "/login"
    assert logged_in.login(INGRID.pid).headers["Location"] == "/consent/%s" % request_id
    assert logged_in.get("/consent/%s" % request_id).status_code == 200


def test_a_request_offered_to_someone_else_shows_why(logged_in, bank):
    request_id = bank.create(offered_by=INGRID.pid, purpose=unique_purpose())
    response = logged_in.get("/consent/%s" % request_id)
    assert response.status_code == 403 and "offered_by_mismatch" in response.get_data(as_text=True)
    response = logged_in.submit("/consent/%s" % request_id, {"decision": "accept"})
    assert response.status_code == 403 and "offered_by_mismatch" in response.get_data(as_text=True)
    assert bank.status(request_id) == CREATED


def test_a_request_for_an_organisation_is_answered_by_someone_who_signs_for_it(client, bank):
    request_id = bank.create(offered_by=ORG, purpose=unique_purpose())
    client.login(HAKON.pid)
    assert client.get("/consent/%s" % request_id).status_code == 403, "Håkon does not sign for it"
    client.login(INGRID.pid)
    html = client.get("/consent/%s" % request_id).get_data(as_text=True)
    assert "BANKEN AS ønsker å hente opplysninger om organisasjonen 315 612 349" in html
    response = answer(client, request_id, "accept")
    assert response.status_code == 303 and "Status=OK" in response.headers["Location"]


def test_an_organisation_consent_needs_the_role_the_data_source_asks_for(client, bank, nav_connection):
    """Issue 12, point 3: NAV asks for a general manager or chair to consent
    for an organisation; the portal passes the roles its persons hold."""
    registry = consenthub.RegistryClient(nav_connection)
    resource = registry.get_resource(resource_id="5252_1").resource
    resource.organisation_authority[:] = ["DAGL", "LEDE"]
    registry.register_resource(resource=resource)
    try:
        request_id = bank.create(offered_by=ORG, purpose=unique_purpose())
        client.login(AMIR.pid)  # a board member (MEDL) who may act for the organisation
        response = client.get("/consent/%s" % request_id)
        html = response.get_data(as_text=True)
        assert response.status_code == 403 and "organisation_authority_missing" in html
        assert "må du ha en bestemt rolle i den" in html
        refused = client.submit("/consent/%s" % request_id, {"decision": "accept"})
        assert refused.status_code == 403 and "organisation_authority_missing" in refused.get_data(as_text=True)
        assert bank.status(request_id) == CREATED

        client.login(INGRID.pid)  # the general manager
        assert "Status=OK" in answer(client, request_id, "accept").headers["Location"]
        log = client.get("/profile/consents?party=%s" % ORG).get_data(as_text=True)
        assert "organisasjonen 315 612 349 ved INGRID FJELLHEIM (daglig leder)" in log

        # The bank names the one person who must answer: the general manager is not them.
        named = bank.create(offered_by=ORG, purpose=unique_purpose(), required_delegator=HAKON.pid)
        response = client.get("/consent/%s" % named)
        assert response.status_code == 403 and "required_delegator_mismatch" in response.get_data(as_text=True)
        assert bank.status(named) == CREATED
    finally:
        resource.organisation_authority[:] = []
        registry.register_resource(resource=resource)


def test_the_purpose_in_the_chosen_language_and_the_language_answered_in(logged_in, bank):
    """Issue 12, point 4: the bank writes its purpose in three languages; the
    page shows the one the person chose, and the hub records the language
    the person answered in."""
    purpose = unique_purpose()
    request_id = bank.create(offered_by=HAKON.pid, purpose=purpose,
                             purpose_texts={"en": "Process your loan application", "nn_no": "Handsame lånesøknaden din"})
    english = logged_in.get("/consent/%s?lang=en" % request_id).get_data(as_text=True)
    assert "Process your loan application" in english and purpose not in english
    nynorsk = logged_in.get("/consent/%s?lang=nn-NO" % request_id).get_data(as_text=True)
    assert "Handsame lånesøknaden din" in nynorsk
    bokmal = logged_in.get("/consent/%s?lang=nb-NO" % request_id).get_data(as_text=True)
    assert purpose in bokmal, "no Bokmål text given: the purpose as sent"

    logged_in.get("/consent/%s?lang=nn-NO" % request_id)
    response = answer(logged_in, request_id, "accept")
    assert response.status_code == 303 and "Status=OK" in response.headers["Location"]
    status = bank.client.get_request_status(request_id=request_id).request
    assert status.answer_language == "nn-NO"


def test_the_page_lists_what_the_consumer_may_do_beyond_reading(logged_in, bank, nav_connection):
    """Issue 12, point 4: NAV's resource grants an action on the person's behalf."""
    registry = consenthub.RegistryClient(nav_connection)
    resource = registry.get_resource(resource_id="5252_1").resource
    resource.actions[:] = ["submit-application"]
    registry.register_resource(resource=resource)
    try:
        request_id = bank.create(offered_by=HAKON.pid, purpose=unique_purpose())
        html = logged_in.get("/consent/%s?lang=nb-NO" % request_id).get_data(as_text=True)
        assert "BANKEN AS får også lov til å gjøre dette på dine vegne: submit-application" in html
        english = logged_in.get("/consent/%s?lang=en" % request_id).get_data(as_text=True)
        assert "BANKEN AS may also do this on your behalf: submit-application" in english
    finally:
        resource.actions[:] = []
        registry.register_resource(resource=resource)
    plain = bank.create(offered_by=HAKON.pid, purpose=unique_purpose())
    assert "actions-granted" not in logged_in.get("/consent/%s" % plain).get_data(as_text=True)


def test_unknown_and_malformed_request_ids(logged_in):
    response = logged_in.get("/consent/7f1c0a52-3d6b-4c55-9a43-0d1e2f3a4b5c")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "request_unknown" in html
    assert "Vi finner ingen forespørsel om samtykke" in html
    response = logged_in.get("/consent/not-a-uuid")
    assert response.status_code == 400 and "request_id_malformed" in response.get_data(as_text=True)


def test_the_consent_page_needs_a_login(client, bank):
    request_id = bank.create(offered_by=HAKON.pid, purpose=unique_purpose())
    response = client.get("/consent/%s" % request_id)
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    response = client.submit("/consent/%s" % request_id, {"decision": "accept"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert bank.status(request_id) == CREATED


def test_the_data_sources_template_words_the_page_and_says_fullmakt(logged_in, bank, nav_connection):
    """Issue 12, point 4: NAV's fullmakt template gives the heading, intro and
    validity in the person's language; its text is escaped like every other."""
    from consent.v1 import registry_pb2

    registry = consenthub.RegistryClient(nav_connection)
    registry.register_template(consent_template=registry_pb2.ConsentTemplate(
        template_id="portal-fullmakt", kind=registry_pb2.TEMPLATE_KIND_POWER_OF_ATTORNEY,
        heading=registry_pb2.LocalizedText(nb_no="Fullmakt <til> søknad", en="Power of attorney <to> apply"),
        intro=registry_pb2.LocalizedText(nb_no="{CoveredByName} ber om fullmakt for {OfferedByName}."),
        expiry=registry_pb2.LocalizedText(nb_no="Fullmakten varer til {ValidTo}.")))
    resource = registry.get_resource(resource_id="5252_1").resource
    resource.consent_template = "portal-fullmakt"
    registry.register_resource(resource=resource)
    try:
        request_id = bank.create(offered_by=HAKON.pid, purpose=unique_purpose())
    finally:
        resource.consent_template = ""
        registry.register_resource(resource=resource)
    html = logged_in.get("/consent/%s?lang=nb-NO" % request_id).get_data(as_text=True)
    assert "<title>Fullmakt &lt;til&gt; søknad" in html and ">Fullmakt &lt;til&gt; søknad</h1>" in html
    assert "<til>" not in html
    assert "BANKEN AS ber om fullmakt for HÅKON TRANA." in html
    assert "Fullmakten varer til " in html
    assert "Fullmakt: du gir BANKEN AS lov til å handle på dine vegne" in html
    assert ">Ja, jeg gir fullmakt</button>" in html and ">Nei, jeg gir ikke fullmakt</button>" in html
    english = logged_in.get("/consent/%s?lang=en" % request_id).get_data(as_text=True)
    assert "Power of attorney &lt;to&gt; apply" in english and "Power of attorney: you let BANKEN AS act on your behalf" in english
    assert ">Yes, I grant the power of attorney</button>" in english

    # The resource no longer names it: a new request has the hub's own words, this one keeps the template's.
    plain = logged_in.get("/consent/%s" % bank.create(offered_by=HAKON.pid, purpose=unique_purpose())).get_data(as_text=True)
    assert 'id="power-of-attorney"' not in plain and "Samtykke til bruk av dine data" in plain
    assert 'id="power-of-attorney"' in logged_in.get("/consent/%s" % request_id).get_data(as_text=True)

    response = answer(logged_in, request_id, "accept")
    assert response.status_code == 303 and "Status=OK" in response.headers["Location"]
    log = logged_in.get("/profile/consents?lang=nb-NO").get_data(as_text=True)
    assert "<td>Fullmakt gitt</td>" in log and "BANKEN AS fikk fullmakt fra HÅKON TRANA (Opphører " in log
