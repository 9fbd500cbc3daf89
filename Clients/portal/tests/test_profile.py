"""My consents: grouped by state with each consent's Samtykkelogg, the
organisation switch, and withdrawing with a confirmation step."""

import re

import consenthub
from conftest import HAKON, INGRID, ORG, csrf_token_in, unique_purpose
from consent.v1 import consent_pb2
from consent_portal.profile import GROUPS

ACCEPTED = consent_pb2.CONSENT_REQUEST_STATUS_ACCEPTED
REVOKED = consent_pb2.CONSENT_REQUEST_STATUS_REVOKED


def answer(client, request_id, decision):
    html = client.get("/consent/%s" % request_id).get_data(as_text=True)
    response = client.post("/consent/%s" % request_id, data={"csrf_token": csrf_token_in(html), "decision": decision})
    assert response.status_code == 303, response.get_data(as_text=True)


def consent_sections(html):
    """[(id, data-status)] in page order."""
    return re.findall(r'<section class="consent" id="consent-([0-9a-f-]+)" data-status="([a-z-]+)"', html)


def section(html, consent_id):
    start = html.index('id="consent-%s"' % consent_id)
    end = html.find('<section class="consent"', start + 1)
    return html[start:end if end != -1 else len(html)]


def test_my_consents_groups_every_state_in_order_with_its_log(new_person, bank, skatt_connection):
    client, pid = new_person
    active = bank.create(offered_by=pid, purpose=unique_purpose())
    one_time = bank.create(offered_by=pid, purpose=unique_purpose(), one_time=True)
    waiting = bank.create(offered_by=pid, purpose=unique_purpose())
    used = bank.create(offered_by=pid, purpose=unique_purpose(), one_time=True)
    withdrawn = bank.create(offered_by=pid, purpose=unique_purpose())
    rejected = bank.create(offered_by=pid, purpose=unique_purpose())
    for request_id in (active, one_time, used, withdrawn):
        answer(client, request_id, "accept")
    answer(client, rejected, "reject")
    consenthub.TokenClient(skatt_connection).log_use(consent_id=used, resource="4629_2")
    token = client.csrf_token()
    client.post("/profile/consents/withdraw", data={"csrf_token": token, "withdraw": withdrawn, "confirm": "yes"})

    response = client.get("/profile/consents")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Mine samtykker – Samtykkeportalen</title>" in html
    assert consent_sections(html) == [(active, "active"), (one_time, "one-time"), (waiting, "waiting"),
                                      (used, "used"), (withdrawn, "withdrawn"), (rejected, "rejected")]
    groups = re.findall(r'<section class="group" id="group-([a-z-]+)"', html)
    assert groups == ["active", "one-time", "waiting", "used", "withdrawn", "rejected"]
    assert [g for g in GROUPS if g in groups] == groups

    # Each consent: consumer, resource titles, validity, and its log in the hub's words.
    active_html = section(html, active)
    assert "<h3" in active_html and "BANKEN AS" in active_html
    assert "Opplysninger om arbeidsavklaringspenger og uføretrygd fra NAV" in active_html
    assert "<caption>Samtykkelogg</caption>" in active_html
    assert "<td>Samtykke gitt</td>" in active_html and "BANKEN AS fikk samtykke fra TESTE TESTESEN" in active_html
    assert 'name="withdraw" value="%s"' % active in active_html
    used_html = section(html, used)
    assert "Samtykke benyttet" in used_html and 'name="withdraw"' not in used_html, "a used one-time consent"
    assert 'name="withdraw"' not in section(html, one_time), "a one-time consent cannot be withdrawn"
    assert "Samtykke trukket" in section(html, withdrawn)
    assert "<td>Samtykke avslått</td>" in section(html, rejected)
    waiting_html = section(html, waiting)
    assert 'href="/consent/%s"' % waiting in waiting_html and "Ingen hendelser ennå." in waiting_html

    # In English: the hub's words and the portal's.
    html = client.get("/profile/consents?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "<h1>My consents</h1>" in html
    assert "<td>Consent given</td>" in section(html, active)
    assert "<caption>Consent log</caption>" in section(html, active)


def test_withdrawing_asks_first_and_changes_nothing_until_confirmed(new_person, bank):
    client, pid = new_person
    request_id = bank.create(offered_by=pid, purpose=unique_purpose())
    answer(client, request_id, "accept")
    html = client.get("/profile/consents").get_data(as_text=True)
    token = csrf_token_in(html)

    confirm = client.post("/profile/consents/withdraw", data={"csrf_token": token, "withdraw": request_id})
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "<h1>Trekke samtykket?</h1>" in page
    assert "Vil du trekke samtykket du har gitt til BANKEN AS?" in page
    assert "BANKEN AS kan ikke lenger hente opplysninger om deg med dette samtykket." in page
    assert '<button type="submit" name="confirm" value="yes">' in page
    assert '<input type="hidden" name="withdraw" value="%s">' % request_id in page
    assert 'href="/profile/consents"' in page, "a way back"
    assert bank.status(request_id) == ACCEPTED, "nothing withdrawn before the confirmation"

    # the confirmation without a CSRF token: refused, nothing withdrawn
    refused = client.post("/profile/consents/withdraw", data={"withdraw": request_id, "confirm": "yes"})
    assert refused.status_code == 400
    assert bank.status(request_id) == ACCEPTED

    done = client.post("/profile/consents/withdraw", data={"csrf_token": csrf_token_in(page), "withdraw": request_id,
                                                           "confirm": "yes"})
    assert done.status_code == 303 and done.headers["Location"] == "/profile/consents"
    assert bank.status(request_id) == REVOKED
    html = client.get("/profile/consents").get_data(as_text=True)
    assert "Samtykket er trukket." in html
    assert (request_id, "withdrawn") in consent_sections(html)


def test_withdrawing_an_unknown_consent(new_person, bank):
    client, _ = new_person
    response = client.submit("/profile/consents/withdraw", {"withdraw": "7f1c0a52-3d6b-4c55-9a43-0d1e2f3a4b5c"})
    assert response.status_code == 404 and "consent_unknown" in response.get_data(as_text=True)
    response = client.submit("/profile/consents/withdraw", {"withdraw": "7f1c0a52-3d6b-4c55-9a43-0d1e2f3a4b5c",
                                                            "confirm": "yes"})
    assert response.status_code == 404 and "request_unknown" in response.get_data(as_text=True)


def test_someone_elses_consent_cannot_be_withdrawn(client, bank):
    request_id = bank.create(offered_by=INGRID.pid, purpose=unique_purpose())
    client.login(INGRID.pid)
    answer(client, request_id, "accept")
    client.login(HAKON.pid)
    response = client.submit("/profile/consents/withdraw", {"withdraw": request_id, "confirm": "yes"})
    assert response.status_code == 403 and "not_yours" in response.get_data(as_text=True)
    assert bank.status(request_id) == ACCEPTED


def test_a_one_time_consent_cannot_be_withdrawn(new_person, bank):
    client, pid = new_person
    request_id = bank.create(offered_by=pid, purpose=unique_purpose(), one_time=True)
    answer(client, request_id, "accept")
    response = client.submit("/profile/consents/withdraw", {"withdraw": request_id, "confirm": "yes"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "one_time_consent_not_revocable" in html
    assert "Et engangssamtykke kan ikke trekkes." in html
    assert bank.status(request_id) == ACCEPTED


def test_an_organisations_consents_are_listed_under_it(client, bank):
    request_id = bank.create(offered_by=ORG, purpose=unique_purpose())
    client.login(INGRID.pid)
    answer(client, request_id, "accept")

    own = client.get("/profile/consents").get_data(as_text=True)
    assert request_id not in own
    assert 'href="/profile/consents?party=%s"' % ORG in own

    html = client.get("/profile/consents?party=%s" % ORG).get_data(as_text=True)
    assert (request_id, "active") in consent_sections(html)
    assert "Samtykker som gjelder FJELLHEIM REGNSKAP AS." in html
    assert 'aria-current="page">FJELLHEIM REGNSKAP AS' in html

    # withdrawing it returns to the organisation's list
    token = csrf_token_in(html)
    done = client.post("/profile/consents/withdraw", data={"csrf_token": token, "withdraw": request_id, "party": ORG,
                                                           "confirm": "yes"})
    assert done.headers["Location"] == "/profile/consents?party=%s" % ORG
    assert bank.status(request_id) == REVOKED


def test_an_organisation_the_person_does_not_sign_for_is_refused(logged_in):
    response = logged_in.get("/profile/consents?party=%s" % ORG)
    assert response.status_code == 403 and "not_signatory" in response.get_data(as_text=True)
    response = logged_in.get("/profile/consents?party=12345")
    assert response.status_code == 400


def test_no_consents_yet(new_person):
    client, _ = new_person
    html = client.get("/profile/consents").get_data(as_text=True)
    assert "Du har ingen samtykker eller forespørsler ennå." in html
    assert consent_sections(html) == []


def test_my_consents_needs_a_login(client):
    response = client.get("/profile/consents")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").headers["Location"] == "/profile/consents"


class ListingHub:
    """A hub whose ListConsents returns one consent in every state, newest first."""

    STATUSES = [  # (id suffix, status, one_time)
        ("1", consent_pb2.CONSENT_REQUEST_STATUS_REJECTED, False),
        ("2", consent_pb2.CONSENT_REQUEST_STATUS_EXPIRED, False),
        ("3", consent_pb2.CONSENT_REQUEST_STATUS_ACCEPTED, True),
        ("4", consent_pb2.CONSENT_REQUEST_STATUS_REVOKED, False),
        ("5", consent_pb2.CONSENT_REQUEST_STATUS_CREATED, False),
        ("6", consent_pb2.CONSENT_REQUEST_STATUS_USED_UP, True),
        ("7", consent_pb2.CONSENT_REQUEST_STATUS_ACCEPTED, False),
    ]

    def my_consents(self, user, language, party):
        consents = [consent_pb2.ConsentSummary(id="00000000-0000-4000-8000-00000000000" + n, status=status,
                                               one_time=one_time, consumer_name="BANKEN AS",
                                               consumer_org_number="910203045", status_text="status %s" % n,
                                               can_revoke=status == ACCEPTED and not one_time)
                    for n, status, one_time in self.STATUSES]
        return consents, []

    def close(self):
        pass


def test_every_state_has_its_group_in_the_pages_order(make_app):
    app = make_app("127.0.0.1:1")
    app.extensions["consent_hub"] = ListingHub()
    client = app.test_client()
    client.login()
    html = client.get("/profile/consents").get_data(as_text=True)
    assert [status for _, status in consent_sections(html)] == list(GROUPS)
    assert list(GROUPS) == ["active", "one-time", "waiting", "used", "expired", "withdrawn", "rejected"]
    assert "<h2 id=\"group-title-expired\">Utløpte" in html
    assert html.count('name="withdraw"') == 1
