"""The Altinn 2 redirect flow (seeds 003 and 004): a consumer sends the
browser to /ui/AccessConsent/request with the request as a query; the portal
creates it for that consumer (CreateRequestFromQuery as the portal, with the
person's metadata) and shows the consent page. A query that breaks a rule is
shown as an error and never redirects anywhere."""

import datetime
import hashlib
import hmac
import re
import urllib.parse

import pytest

from conftest import BANK, HAKON, INGRID, REDIRECT, csrf_token_in, unique_purpose
from consent.v1 import consent_pb2

CREATED = consent_pb2.CONSENT_REQUEST_STATUS_CREATED
ACCEPTED = consent_pb2.CONSENT_REQUEST_STATUS_ACCEPTED


def altinn_url(**overrides):
    """Seed 004's example URL for NAV's 5252_1, with a unique purpose."""
    valid_to = (datetime.date.today() + datetime.timedelta(days=200)).strftime("%Y-%m-%d") + " 12:00:00"
    parameters = {
        "Resources": "5252_1",
        "CoveredBy": BANK,
        "OfferedBy": HAKON.pid,
        "RedirectUrl": REDIRECT,
        "ValidToDate": valid_to,
        "LanguageCode": "nb-NO",
        "DelegationContext": unique_purpose("For å behandle søknaden din trenger BANKEN AS opplysninger fra NAV"),
        "ResponseType": "code",
        "5252_1_fraOgMed": "01.01.2024",
        "5252_1_tilOgMed": "31.12.2024",
    }
    parameters.update(overrides)
    parameters = {k: v for k, v in parameters.items() if v is not None}
    return "/ui/AccessConsent/request?" + urllib.parse.urlencode(parameters, quote_via=urllib.parse.quote)


def created_id(response):
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.fullmatch(r"/consent/([0-9a-f-]{36})(\?lang=[a-zA-Z-]+)?", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_the_altinn_url_creates_the_request_and_shows_the_consent_page(logged_in, bank):
    url = altinn_url()
    response = logged_in.get(url)
    request_id = created_id(response)
    assert response.headers["Location"].endswith("?lang=nb-NO"), "the LanguageCode of the query"
    assert bank.status(request_id) == CREATED, "created for BANKEN AS, which can read it"

    html = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "BANKEN AS ønsker å hente opplysninger om deg" in html
    assert "Opplysningene gjelder perioden 01.01.2024–31.12.2024." in html

    # A reload (or the back button) gives the same request, not a second one.
    assert created_id(logged_in.get(url)) == request_id

    # And it is answered like any other: back to the bank with a code.
    page = logged_in.get("/consent/%s" % request_id).get_data(as_text=True)
    answer = logged_in.post("/consent/%s" % request_id, data={"csrf_token": csrf_token_in(page), "decision": "accept"})
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(REDIRECT + "?RequestId=%s&Status=OK&AuthorizationCode=" % request_id)
    assert bank.status(request_id) == ACCEPTED


def test_the_altinn_url_before_login_comes_back_after_it_without_the_query_in_any_url(client, bank):
    url = altinn_url()
    response = client.get(url)
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    after_login = client.login()
    assert after_login.headers["Location"] == "/ui/AccessConsent/request", "the query stays in the session"
    request_id = created_id(client.get(after_login.headers["Location"]))
    assert bank.status(request_id) == CREATED
    # the pending query was used once
    assert client.get("/ui/AccessConsent/request").status_code == 400


def test_two_persons_opening_the_same_open_link_get_two_requests(client):
    url = altinn_url(OfferedBy=None)
    client.login(HAKON.pid)
    first = created_id(client.get(url))
    client.login(INGRID.pid)
    assert created_id(client.get(url)) != first


def test_english_language_code(logged_in):
    response = logged_in.get(altinn_url(LanguageCode="en"))
    created_id(response)
    assert response.headers["Location"].endswith("?lang=en")
    html = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en">' in html and "Consent to the use of your data" in html


def test_a_user_token_for_someone_else_shows_the_wrong_person_page(logged_in, bank):
    # Through the portal a link can only ask the person logged in: the hub
    # refuses to create it, and the portal offers to log in as someone else.
    token = hashlib.sha256(INGRID.pid.encode()).hexdigest()
    before = len(bank.client.list_events(after=0).events)
    response = logged_in.get(altinn_url(OfferedBy=None, UserToken=token))
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "Location" not in response.headers
    assert "user_token_mismatch" in html and 'name="switch"' in html
    assert len(bank.client.list_events(after=0).events) == before  # nothing was created


def test_a_link_for_someone_else_is_kept_for_the_right_person(logged_in):
    token = hashlib.sha256(INGRID.pid.encode()).hexdigest()
    assert logged_in.get(altinn_url(OfferedBy=None, UserToken=token)).status_code == 403
    # Log in as someone else: Ingrid, whom the link is for, lands on her consent page.
    switched = logged_in.submit("/login/switch", {"switch": "yes"})
    assert switched.status_code == 303
    login = logged_in.login(INGRID.pid, INGRID.level)
    assert login.headers["Location"].endswith("/ui/AccessConsent/request")
    created = logged_in.get(login.headers["Location"])
    assert created.status_code == 303 and "/consent/" in created.headers["Location"]


@pytest.mark.parametrize("overrides, status, reason, sentence", [
    ({"RedirectUrl": "https://evil.example/steal"}, 403, "redirect_host_not_registered",
     "Adressen virksomheten vil sende deg tilbake til, er ikke godkjent"),
    ({"RedirectUrl": "http://banken.example/samtykke/svar"}, 400, "redirect_not_https",
     "Adressen virksomheten vil sende deg tilbake til, er ikke godkjent"),
    ({"CoveredBy": "974760673"}, 403, "consumer_not_authorised",
     "har ikke lov til å be om disse opplysningene"),
    ({"CoveredBy": None}, 400, "query_parameter_missing", "er ikke en gyldig forespørsel om samtykke"),
    ({"5252_1_fraOgMed": "01.01.2025"}, 400, "metadata_range_reversed",
     "er ikke en gyldig forespørsel om samtykke"),
    ({"ValidToDate": "2001-01-01 12:00:00"}, 400, "valid_to_in_past", "er ikke en gyldig forespørsel om samtykke"),
    ({"ResponseType": "token"}, 400, "response_type_not_code", "er ikke en gyldig forespørsel om samtykke"),
    ({"Bogus": "1"}, 400, "query_parameter_unknown", "er ikke en gyldig forespørsel om samtykke"),
])
def test_a_query_that_breaks_a_rule_is_shown_and_redirects_nowhere(logged_in, overrides, status, reason, sentence):
    response = logged_in.get(altinn_url(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == status, html
    assert "Location" not in response.headers
    assert reason in html and sentence in html
    assert "evil.example" not in html


@pytest.mark.parametrize("overrides", [
    {"Resources": HAKON.pid},
    {"RedirectUrl": "https://%s.evil.example/" % HAKON.pid},
    {"CoveredBy": HAKON.pid},
    {"5252_1_fraOgMed": HAKON.pid},
])
def test_a_hostile_query_carrying_a_national_id_leaves_it_in_no_log_or_page(logged_in, caplog, overrides):
    # The hub's refusal may quote what the query said; the portal logs the
    # status and the reason only (and the audit looks for any eleven digits).
    response = logged_in.get(altinn_url(**overrides))
    html = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500 and "Location" not in response.headers
    assert HAKON.pid not in html and "evil.example" not in html
    assert "CreateRequestFromQuery refused: " in caplog.text
    assert HAKON.pid not in caplog.text


def test_an_empty_query_is_refused(logged_in):
    response = logged_in.get("/ui/AccessConsent/request")
    assert response.status_code == 400 and "Location" not in response.headers


# -- what the portal sends, whatever the hub's version -------------------------

class RecordingHub:
    """Answers CreateRequestFromQuery like the hub and remembers what it was asked."""

    def __init__(self):
        self.calls = []

    def create_request_from_query(self, user, query, idempotency_key):
        self.calls.append((user.pid, query, idempotency_key))
        return consent_pb2.ConsentRequest(id="7f1c0a52-3d6b-4c55-9a43-0d1e2f3a4b5c", consumer_org_number=BANK,
                                          language="nn-NO" if "LanguageCode=nn-NO" in query else "")

    def close(self):
        pass


def test_the_portal_passes_the_raw_query_with_a_keyed_idempotency_key(make_app):
    app = make_app("127.0.0.1:1")
    recording = app.extensions["consent_hub"] = RecordingHub()
    client = app.test_client()
    client.login()
    url = altinn_url(LanguageCode="nn-NO", DelegationContext="Lån & «sparing» æøå")
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["Location"] == "/consent/7f1c0a52-3d6b-4c55-9a43-0d1e2f3a4b5c?lang=nn-NO"
    client.get(url)  # a reload
    (pid, query, key), again = recording.calls
    assert pid == HAKON.pid
    assert query == url.split("?", 1)[1], "the query exactly as the browser sent it"
    # keyed with a key derived from the session-signing secret, never the secret itself
    derived = hmac.new(b"portal-test-secret", b"altinn2-idempotency", "sha256").digest()
    assert key == hmac.new(derived, (HAKON.pid + query).encode(), "sha256").hexdigest()
    assert key != hmac.new(b"portal-test-secret", (HAKON.pid + query).encode(), "sha256").hexdigest()
    assert len(key) == 64 and again == recording.calls[0], "a reload asks for the same request"

    client.login(INGRID.pid)
    client.get(url)
    assert recording.calls[-1][2] != key, "another person, another request"
