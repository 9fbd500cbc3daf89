"""The bank as an applicant and the hub see it: the form, both flows, the
answer coming back, the token, the data source's answer, and every refusal
on the way shown as a page."""

import datetime
import html
import logging
import re
import urllib.parse
import uuid
from zoneinfo import ZoneInfo

import markupsafe
import pytest

from consent.v1 import consent_pb2
from consenthub import ConsentClient

from conftest import BANK, PORTAL_URL, PUBLIC_URL, USER, Browser, Consentd, Person, register_localhost, user_token

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def location(response):
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def request_id_of(response):
    url = location(response)
    assert url.startswith(PORTAL_URL + "/consent/")
    return url.rsplit("/", 1)[1]


def element(page, element_id):
    """The text of the element with `element_id` (tags stripped), or None."""
    match = re.search(r'<(\w+)[^>]*\bid="%s"[^>]*>(.*?)</\1>' % re.escape(element_id), page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))) if match else None


def reason_shown(page):
    match = re.search(r'<code class="reason">([^<]*)</code>', page)
    return match.group(1) if match else None


def status_of(parties, request_id):
    return ConsentClient(parties["consumer"]).get_request_status(request_id=request_id).request


# -- the page ----------------------------------------------------------------

def test_the_application_page_has_every_control_labelled(browser):
    response = browser.get("/")
    page = browser.page
    assert response.status_code == 200
    assert '<html lang="nb">' in page
    assert '<title>Søk om boliglån eller uføreforsikring – BANKEN AS</title>' in page
    for control_id, name in (("product-mortgage", "product"), ("product-insurance", "product"), ("pid", "pid"),
                             ("lang", "lang"), ("purpose", "purpose")):
        assert re.search(r'id="%s" name="%s"' % (control_id, name), page), control_id
        assert '<label for="%s">' % control_id in page, control_id
    assert 'value="mortgage" aria-describedby="product-mortgage-hint" checked' in page
    for value in ("nb-NO", "nn-NO", "en"):
        assert '<option value="%s"' % value in page
    assert re.search(r'<textarea id="purpose" name="purpose"[^>]*>BANKEN AS trenger opplysningene', page)
    assert '<button type="submit" name="flow" value="api">' in page
    assert '<button type="submit" name="flow" value="altinn2"' in page
    assert "<script" not in page


def test_pages_carry_the_security_headers_and_a_safe_session_cookie(browser):
    response = browser.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script-src" not in policy
    assert "form-action 'self' %s" % PORTAL_URL in policy
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("bank_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def contrast(first, second):
    """WCAG 2.1's contrast ratio of two #rrggbb colours."""
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_focus_ring_has_3_to_1_contrast_on_the_page_and_on_the_header(browser):
    # WCAG 2.1 1.4.11: the outline against the white page, the ring around it
    # against the dark header (where the header's link takes focus).
    css = browser.client.get("/static/bank.css").get_data(as_text=True)
    rule = re.search(r"(?m)^:focus-visible \{([^}]*)\}", css).group(1)
    outline = re.search(r"outline: 3px solid (#[0-9a-fA-F]{6})", rule).group(1)
    ring = re.search(r"box-shadow: 0 0 0 6px (#[0-9a-fA-F]{6})", rule).group(1)
    header = re.search(r"(?m)^header \{[^}]*background: (#[0-9a-fA-F]{6})", css).group(1)
    assert contrast(outline, "#ffffff") >= 3 and contrast(ring, header) >= 3


# -- starting an application ------------------------------------------------

def test_the_api_flow_registers_the_request_and_sends_the_browser_to_the_portal(browser, parties):
    response = browser.apply(product="insurance", pid=USER, lang="nn-NO", purpose="Vurdere uføreforsikringa di")
    request = status_of(parties, request_id_of(response))
    assert USER not in location(response)
    assert request.status == consent_pb2.CONSENT_REQUEST_STATUS_CREATED
    assert request.consumer_org_number == BANK and request.offered_by == USER
    assert request.redirect_url == PUBLIC_URL + "/callback"
    assert request.language == "nn-NO" and request.purpose == "Vurdere uføreforsikringa di"
    assert not request.one_time
    [resource] = request.resources
    # The bank asks for data up to today in Norway (the app's rule), which is
    # tomorrow on a UTC machine in the hour before midnight UTC.
    today = datetime.datetime.now(ZoneInfo("Europe/Oslo")).date()
    assert resource.resource_id == "5252_1"
    assert {m.key: m.value for m in resource.metadata} == {"fraOgMed": "01.01.%d" % (today.year - 3),
                                                            "tilOgMed": today.strftime("%d.%m.%Y")}
    # Valid for a year.
    assert 364 * 86_400_000 < request.valid_to_ms - request.created_at_ms <= 366 * 86_400_000


def test_the_mortgage_asks_skatteetaten_once_for_both_resources(browser, parties):
    request = status_of(parties, request_id_of(browser.apply(product="mortgage")))
    assert request.one_time and request.offered_by == ""
    assert [r.resource_id for r in request.resources] == ["4629_2", "4630_1"]


def test_the_altinn2_flow_builds_seed_004s_query_without_the_national_id(make_app):
    # 10 March 2027 09:30 UTC is 10:30 in Oslo (winter time).
    browser = Browser(make_app(CLOCK=lambda: datetime.datetime(2027, 3, 10, 9, 30, tzinfo=datetime.timezone.utc).timestamp()))
    url = location(browser.apply(product="mortgage", flow="altinn2", pid=USER, lang="en", purpose="Vurdere søknaden"))
    application = re.search(r"application%3D([A-Za-z0-9_-]+)&", url).group(1)
    assert url == (
        PORTAL_URL + "/ui/AccessConsent/request?Resources=4629_2.4630_1&CoveredBy=910203045"
        "&RedirectUrl=https%3A%2F%2Flocalhost%3A8443%2Fcallback%3Fapplication%3D" + application +
        "&ValidToDate=2027-03-24%2010%3A30%3A00&LanguageCode=en&DelegationContext=Vurdere%20s%C3%B8knaden"
        "&ResponseType=code&4629_2_inntektsaar=2026&4630_1_fraOgMed=01.12.2026&4630_1_tilOgMed=28.02.2027"
        "&UserToken=" + user_token(USER))
    assert USER not in url


def test_the_altinn2_dates_are_norwegian_time(make_app):
    # 1 July 2027 22:30 UTC is already 2 July in Oslo (summer time, UTC+2).
    browser = Browser(make_app(CLOCK=lambda: datetime.datetime(2027, 7, 1, 22, 30, tzinfo=datetime.timezone.utc).timestamp()))
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location(browser.apply(product="insurance", flow="altinn2"))).query)
    assert query["ValidToDate"] == ["2028-07-01 00:30:00"]  # 365 days later (2028 is a leap year)
    assert query["5252_1_fraOgMed"] == ["01.01.2024"] and query["5252_1_tilOgMed"] == ["02.07.2027"]
    assert query["LanguageCode"] == ["nb-NO"] and "UserToken" not in query


@pytest.mark.parametrize("field, value, shown", [
    ("pid", "15038512364", "Fødselsnummeret må være 11 siffer"),
    ("pid", "1503851236", "Fødselsnummeret må være 11 siffer"),
    ("purpose", "   ", "Skriv formålet"),
    ("purpose", "x" * 1001, "Skriv formålet"),
    ("product", "car-loan", "Velg et produkt"),
    ("lang", "de", "Velg et av språkene"),
])
def test_a_wrong_form_is_shown_again_with_the_fault_marked(browser, parties, field, value, shown):
    data = {"product": "insurance", "pid": "", "lang": "nb-NO", "purpose": "Vurdere", "flow": "api", field: value}
    browser.get("/")
    response = browser.post("/apply", data)
    assert response.status_code == 400
    assert shown in browser.page and reason_shown(browser.page) == "form_invalid"
    assert 'aria-invalid="true"' in browser.page or field in ("product", "lang")


def test_a_refusal_by_the_hub_is_shown_with_its_reason(browser):
    # Valid check digits, but month 13: the hub knows there is no such date.
    pid = a_national_id("011399")
    response = browser.apply(pid=pid)
    assert response.status_code == 400
    assert reason_shown(browser.page) == "national_id_date"
    assert "Fødselsnummeret er ikke gyldig." in element(browser.page, "bank-error")
    assert pid not in re.search(r"<title>(.*)</title>", browser.page).group(1)


def a_national_id(birth_date):
    """The first 11-digit number with valid check digits for a ddmmyy birth date."""
    for individual in range(100, 1000):
        digits = [int(c) for c in birth_date + str(individual)]
        for weights in ((3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)):
            digits.append((11 - sum(w * d for w, d in zip(weights, digits)) % 11) % 11)
        if 10 not in digits:
            return "".join(map(str, digits))


def test_a_post_without_the_csrf_token_is_refused(browser, parties):
    browser.get("/")
    response = browser.post("/apply", {"product": "insurance", "lang": "nb-NO", "purpose": "x", "flow": "api"}, csrf=False)
    assert response.status_code == 400 and reason_shown(browser.page) == "csrf_failed"
    browser.get("/")
    response = browser.post("/apply", {"product": "insurance", "lang": "nb-NO", "purpose": "x", "flow": "api"}, referer=False)
    assert response.status_code == 400 and reason_shown(browser.page) == "csrf_failed"
    other = Browser(browser.client.application)  # another browser's token
    other.get("/")
    browser.page = other.page
    response = browser.post("/apply", {"product": "insurance", "lang": "nb-NO", "purpose": "x", "flow": "api"})
    assert response.status_code == 400


@pytest.mark.parametrize("method, path, data, status, title, reason", [
    ("post", "/apply", {"product": "insurance", "lang": "nb-NO", "flow": "api", "purpose": "x" * 600_000}, 413,
     "Det du sendte, var for stort", "request_too_large"),
    ("get", "/no/such/page", None, 404, "Fant ikke siden", "page_not_found"),
    ("get", "/apply", None, 405, "Fant ikke siden", "method_not_allowed"),
])
def test_refusals_by_the_framework_are_the_banks_own_pages(browser, method, path, data, status, title, reason):
    # Werkzeug refuses a form field over 500 kB (an enormous purpose) before
    # the bank sees it; its stock pages are English.
    if method == "post":
        browser.get("/")
        response = browser.post(path, data)
    else:
        response = browser.get(path)
    assert response.status_code == status
    assert '<html lang="nb">' in browser.page and "<title>%s – BANKEN AS</title>" % title in browser.page
    assert reason_shown(browser.page) == reason
    assert "Request Entity Too Large" not in browser.page and "Not Found" not in browser.page


# -- the answer ---------------------------------------------------------------

def test_the_whole_story_insurance_with_nav(browser, person, parties):
    request_id = request_id_of(browser.apply(product="insurance", pid=USER))
    redirect = person.accept(request_id)
    assert redirect.startswith(PUBLIC_URL + "/callback?RequestId=" + request_id + "&Status=OK&AuthorizationCode=")

    response = browser.get(redirect)
    page = browser.page
    assert response.status_code == 200, page
    assert element(page, "bank-error") is None
    claims = element(page, "token-claims")
    assert request_id in claims and "0192:" + BANK in claims and "https://consenthub.example" in claims
    assert "urn:altinn:person:identifier-no:150385*****" in claims and USER not in page
    assert "5252_1" in claims and "fraOgMed=01.01." in claims
    data = element(page, "datasource-data")
    assert "Opplysninger fra NAV" in data and "oppdiktet" in data and "Uføretrygd" in data
    summary = element(page, "application-summary")
    assert "Aktivt" in summary and "Vurdere søknaden din" in summary
    assert person.log_titles(request_id) == ["Samtykke gitt", "Samtykke benyttet"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_whole_story_mortgage_with_skatteetaten_is_used_once(browser, person):
    request_id = request_id_of(browser.apply(product="mortgage"))
    browser.get(person.accept(request_id))
    data = element(browser.page, "datasource-data")
    assert "Opplysninger fra Skatteetaten" in data and "4629_2" in data and "4630_1" in data
    assert "brukt opp" in data
    assert "Brukt (engangssamtykke)" in element(browser.page, "application-summary")

    browser.post("/application", {"refresh": "1"})
    assert reason_shown(browser.page) == "consent_used_up" and "Samtykketjenesten avviste" in element(browser.page, "bank-error")
    assert element(browser.page, "token-claims") is None and element(browser.page, "datasource-data") is None
    browser.post("/application", {"reuse-token": "1"})
    assert reason_shown(browser.page) == "consent_used_up" and "Skatteetaten avviste" in element(browser.page, "bank-error")


def test_a_fresh_token_while_the_consent_lives_and_refusals_after_withdrawal(browser, person):
    request_id = request_id_of(browser.apply(product="insurance"))
    browser.get(person.accept(request_id))
    first_jti = re.search(r"Token-id \(jti\)\s*(\S+)", element(browser.page, "token-claims")).group(1)

    response = browser.post("/application", {"refresh": "1"})
    assert response.status_code == 200 and element(browser.page, "bank-error") is None
    assert re.search(r"Token-id \(jti\)\s*(\S+)", element(browser.page, "token-claims")).group(1) != first_jti
    assert "Uføretrygd" in element(browser.page, "datasource-data")

    person.revoke(request_id)
    browser.post("/application", {"refresh": "1"})
    assert reason_shown(browser.page) == "consent_revoked"
    assert "Samtykketjenesten avviste forespørselen" in element(browser.page, "bank-error")
    assert "Trukket" in element(browser.page, "application-summary")
    # The last token has not expired, but NAV asks the hub and refuses it.
    browser.post("/application", {"reuse-token": "1"})
    error = element(browser.page, "bank-error")
    assert reason_shown(browser.page) == "consent_revoked" and "NAV avviste forespørselen" in error
    assert element(browser.page, "token-claims") is not None and element(browser.page, "datasource-data") is None
    assert person.log_titles(request_id) == ["Samtykke gitt", "Samtykke benyttet", "Samtykke benyttet", "Samtykke trukket"]


def test_the_altinn2_flow_end_to_end(browser, person, parties):
    url = location(browser.apply(product="insurance", flow="altinn2", pid=USER, purpose="Vurdere forsikringen"))
    # The portal would submit this query for the bank; the bank's own right to do so shows the hub accepts it.
    query = urllib.parse.urlsplit(url).query
    request = ConsentClient(parties["consumer"]).create_request_from_query(query=query).request
    assert request.redirect_url.startswith(PUBLIC_URL + "/callback?application=")
    redirect = person.accept(request.id)
    response = browser.get(redirect)
    assert response.status_code == 200, browser.page
    assert element(browser.page, "bank-error") is None
    assert request.id in element(browser.page, "token-claims")
    assert "Uføretrygd" in element(browser.page, "datasource-data")


def test_a_user_token_for_another_person_stops_the_wrong_person(browser, parties):
    url = location(browser.apply(product="insurance", flow="altinn2", pid=USER))
    request = ConsentClient(parties["consumer"]).create_request_from_query(query=urllib.parse.urlsplit(url).query).request
    someone_else = Person(parties["portal"], national_id=a_national_id("010190"))
    with pytest.raises(Exception, match="UNAUTHENTICATED"):
        someone_else.accept(request.id)


def test_a_declined_consent_shows_the_message_as_text(browser, person):
    request_id = request_id_of(browser.apply())
    redirect = person.reject(request_id)
    assert "Status=Failed" in redirect
    browser.get(redirect)
    assert "<h1>Du ga ikke samtykke</h1>" in browser.page
    assert element(browser.page, "error-message") == "The user did not give consent"
    # An ErrorMessage is whatever the URL says: it is shown as text.
    request_id = request_id_of(browser.apply())
    browser.get(PUBLIC_URL + "/callback?" + urllib.parse.urlencode(
        {"RequestId": request_id, "Status": "Failed", "ErrorMessage": HOSTILE}))
    assert "<script>" not in browser.page and "<img" not in browser.page
    assert element(browser.page, "error-message") == HOSTILE


def test_an_answer_for_an_application_this_browser_did_not_start_is_refused(app, browser, person):
    # Someone else's application, answered by its person; its code pushed into this browser.
    other = Browser(app)
    request_id = request_id_of(other.apply())
    redirect = person.accept(request_id)
    response = browser.get(redirect)
    assert response.status_code == 400 and reason_shown(browser.page) == "application_unknown"
    assert element(browser.page, "token-claims") is None
    # An unknown request id, and an Altinn 2 answer with a made-up application id.
    response = browser.get(PUBLIC_URL + "/callback?RequestId=%s&Status=OK&AuthorizationCode=x" % uuid.uuid4())
    assert response.status_code == 400 and reason_shown(browser.page) == "application_unknown"
    response = browser.get(PUBLIC_URL + "/callback?application=made-up&RequestId=%s&Status=OK&AuthorizationCode=x" % uuid.uuid4())
    assert response.status_code == 400 and reason_shown(browser.page) == "application_unknown"
    # The code was not spent: its own browser still gets the data.
    assert other.get(redirect).status_code == 200 and element(other.page, "datasource-data") is not None


@pytest.mark.parametrize("query", ["", "RequestId=not-a-uuid&Status=OK", "RequestId=%s&Status=Maybe" % uuid.uuid4()])
def test_a_malformed_answer_is_refused(browser, query):
    response = browser.get("/callback?" + query)
    assert response.status_code == 400 and reason_shown(browser.page) == "callback_malformed"


def test_a_bad_code_is_shown_as_the_hubs_refusal(browser):
    request_id = request_id_of(browser.apply())
    browser.get("/callback?RequestId=%s&Status=OK&AuthorizationCode=%s" % (request_id, "A" * 43))
    assert reason_shown(browser.page) == "code_unknown"
    assert "Samtykketjenesten avviste forespørselen" in element(browser.page, "bank-error")


def test_reloading_the_answer_does_not_spend_anything_again(browser, person):
    request_id = request_id_of(browser.apply())
    redirect = person.accept(request_id)
    browser.get(redirect)
    response = browser.get(redirect)
    assert response.status_code == 200 and "allerede behandlet" in browser.page
    assert element(browser.page, "bank-error") is None
    assert person.log_titles(request_id) == ["Samtykke gitt", "Samtykke benyttet"]


@pytest.mark.parametrize("flow", ["api", "altinn2"])
def test_an_answer_given_twice_still_gets_the_data(browser, person, parties, flow):
    # A double click on accept, or accept again after the portal timed out:
    # the hub's second redirect carries no code (already_answered), and the
    # browser follows that one.
    response = browser.apply(flow=flow)
    if flow == "api":
        request_id = request_id_of(response)
    else:
        query = urllib.parse.urlsplit(location(response)).query
        request_id = ConsentClient(parties["consumer"]).create_request_from_query(query=query).request.id
    first = person.accept(request_id)
    second = person.accept(request_id)
    assert "AuthorizationCode=" in first and "Status=OK" in second and "AuthorizationCode" not in second
    response = browser.get(second)
    assert response.status_code == 200, browser.page
    assert element(browser.page, "bank-error") is None
    assert request_id in element(browser.page, "token-claims")
    assert "Uføretrygd" in element(browser.page, "datasource-data")
    assert "Svaret kom uten svarkode fordi du hadde svart før" in browser.page
    # Should the browser follow the first redirect too, it is a reload, not an unknown application.
    response = browser.get(first)
    assert response.status_code == 200 and "allerede behandlet" in browser.page
    assert person.log_titles(request_id) == ["Samtykke gitt", "Samtykke benyttet"]


def test_an_answer_without_a_code_is_taken_only_for_this_browsers_accepted_application(app, browser, person):
    # Another browser's application: refused before any hub call, as with a code.
    other = Browser(app)
    request_id = request_id_of(other.apply())
    person.accept(request_id)
    response = browser.get("/callback?RequestId=%s&Status=OK" % request_id)
    assert response.status_code == 400 and reason_shown(browser.page) == "application_unknown"
    # This browser's, not answered yet: the hub will not issue a token.
    request_id = request_id_of(browser.apply())
    response = browser.get("/callback?RequestId=%s&Status=OK" % request_id)
    assert response.status_code == 200 and reason_shown(browser.page) == "consent_not_given"
    assert element(browser.page, "token-claims") is None


def test_everything_shown_from_outside_is_escaped(browser, person):
    request_id = request_id_of(browser.apply(purpose=HOSTILE))
    browser.get(person.accept(request_id))
    assert HOSTILE in element(browser.page, "application-summary")
    assert "<script>" not in browser.page and "<img" not in browser.page
    assert str(markupsafe.escape(HOSTILE)) in browser.page


def test_a_hostile_data_source_or_token_is_shown_as_text(app):
    from flask import render_template
    from demo_bank.answers import Refusal
    from demo_bank.datasource import Answer
    claims = {"iss": HOSTILE, "iat": HOSTILE, "exp": 0, "jti": HOSTILE, "consent_once": True,
              "authorization_details": [{"id": HOSTILE, "from": HOSTILE, "to": {"ID": HOSTILE}, "consented": HOSTILE,
                                         "validTo": HOSTILE, "consentRights": [{"resource": [{"value": HOSTILE}],
                                                                                "metadata": {HOSTILE: HOSTILE}}]}]}
    answer = Answer(200, {"source": HOSTILE, "notice": HOSTILE, "consent": {"ended": True},
                          "data": {HOSTILE: {HOSTILE: [HOSTILE, {HOSTILE: None}]}}})
    with app.test_request_context("/application"):
        page = render_template("result.html", application={"product": "insurance", "consent_id": "x"}, action="new",
                               summary=None, claims=claims, answer=answer,
                               refusal=Refusal("datasource", HOSTILE, HOSTILE, HOSTILE))
    assert "<script>" not in page and "<img" not in page
    assert page.count(str(markupsafe.escape(HOSTILE))) > 10


def test_the_hub_being_down_is_a_503_page(make_app, browser, person):
    down = Browser(make_app(HUB_ADDRESS="127.0.0.1:1", HUB_CONNECT_TIMEOUT=2))
    response = down.apply()
    assert response.status_code == 503
    assert reason_shown(down.page) == "hub_unavailable" and "Samtykketjenesten svarer ikke" in down.page
    # The Altinn 2 flow needs no hub until the answer comes back.
    assert down.apply(flow="altinn2").status_code == 303
    response = down.get("/callback?RequestId=%s&Status=OK&AuthorizationCode=%s" % (uuid.uuid4(), "A" * 43))
    assert response.status_code == 400  # not this browser's: refused before any hub call


def test_the_data_source_being_down_is_shown_with_the_token(make_app, person):
    browser = Browser(make_app(DATASOURCE_URL="https://localhost:1"))
    request_id = request_id_of(browser.apply())
    response = browser.get(person.accept(request_id))
    assert response.status_code == 200
    assert reason_shown(browser.page) == "datasource_unavailable"
    assert element(browser.page, "token-claims") is not None and element(browser.page, "datasource-data") is None


def test_the_log_holds_no_national_identity_number(browser, person, caplog):
    with caplog.at_level(logging.DEBUG):
        request_id = request_id_of(browser.apply(pid=USER))
        browser.get(person.accept(request_id))
    assert not any(USER in record.getMessage() for record in caplog.records)


def _register_localhost_at(hub):
    # --demo-registry puts the demo authorisations back at every start, so
    # localhost must be registered again after a restart (as `make demo` must).
    agencies = {name: hub.connect(name) for name in ("datasource", "datasource-skatt")}
    register_localhost(agencies)
    for connection in agencies.values():
        connection.close()


def test_the_hub_connection_is_opened_again_after_the_hub_restarts(binaries, certs, tmp_path, make_app):
    first = Consentd(binaries / "consentd", certs, tmp_path / "hub")
    try:
        _register_localhost_at(first)
        browser = Browser(make_app(HUB_ADDRESS=first.address))
        request_id_of(browser.apply())
    finally:
        assert first.stop() == 0
    assert browser.apply().status_code == 503
    second = Consentd(binaries / "consentd", certs, tmp_path / "hub", listen=first.address)
    try:
        _register_localhost_at(second)
        request_id_of(browser.apply())
    finally:
        assert second.stop() == 0


def _move_session(source, target):
    cookie = source.client.get_cookie("bank_session", domain="localhost")
    target.client.set_cookie("bank_session", cookie.value, domain="localhost")


def test_an_answer_that_meets_a_hub_outage_can_be_taken_again(make_app, person):
    # The same bank, once with its hub unreachable: same secret key, same cookie.
    up, down = Browser(make_app()), Browser(make_app(HUB_ADDRESS="127.0.0.1:1", HUB_CONNECT_TIMEOUT=2))
    request_id = request_id_of(up.apply())
    redirect = person.accept(request_id)
    _move_session(up, down)
    assert down.get(redirect).status_code == 503
    _move_session(down, up)
    assert up.get(redirect).status_code == 200
    assert element(up.page, "bank-error") is None and "Uføretrygd" in element(up.page, "datasource-data")
