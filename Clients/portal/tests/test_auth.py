"""The development login: the form, the test persons, a typed id, the way
back to the page asked for, the session cookie and logging out."""

import re

import pytest

from conftest import HAKON, INGRID, OLA, csrf_token_in, new_person_id
from consent_portal import persons


def session_cookie(response):
    cookies = [v for v in response.headers.getlist("Set-Cookie") if v.startswith("portal_session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_login_page_has_labelled_controls_and_the_test_persons(client):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="nb-NO">' in html
    assert re.search(r'<label for="pid">Fødselsnummer</label>', html)
    assert re.search(r'<input type="text" id="pid" name="pid"', html)
    # level: a labelled radio group, 3 and 4
    assert "<legend>Sikkerhetsnivå</legend>" in html
    for level in (3, 4):
        assert 'id="level-%d" name="level" value="%d"' % (level, level) in html
        assert '<label for="level-%d">' % level in html
    assert '<button type="submit" name="login" value="typed">' in html
    for person in persons.PERSONS:
        assert "Logg inn som %s" % person.name in html
    assert "kan signere for FJELLHEIM REGNSKAP AS" in html
    assert "Utviklingsinnlogging." in html and "Dette er ikke ID-porten" in html


def test_the_test_persons_have_valid_synthetic_ids():
    assert [p.pid for p in persons.PERSONS if persons.national_id_problem(p.pid)] == []
    assert [p.level for p in persons.PERSONS].count(3) == 1
    assert all(int(p.pid[2:4]) > 80 for p in persons.PERSONS[1:]), "Tenor-style synthetic numbers: month + 80"
    assert any(p.signs_for for p in persons.PERSONS)


@pytest.mark.parametrize("pid, problem", [
    ("1503851236", "length"), ("150385123634", "length"), ("1503851236x", "digits"),
    ("15038512364", "check_digits"), ("32038512363", "date"), ("15138512363", "date"),
])
def test_national_id_rules(pid, problem):
    assert persons.national_id_problem(pid) == problem


def test_one_click_login_as_a_test_person(client):
    token = client.csrf_token()
    response = client.post("/login", data={"csrf_token": token, "pid": INGRID.pid, "level": "4", "login": "person"})
    assert response.status_code == 303 and response.headers["Location"] == "/profile/consents"
    page = client.get("/profile/consents").get_data(as_text=True)
    assert "Logget inn som <strong>INGRID FJELLHEIM</strong>" in page
    assert "FJELLHEIM REGNSKAP AS" in page, "the party switch offers her organisation"
    assert INGRID.pid not in page, "the person is shown by name, not by id"


def test_a_typed_id_without_a_name_is_shown_masked(client):
    pid = new_person_id()
    client.login(pid, 3)
    page = client.get("/profile/consents").get_data(as_text=True)
    assert "<strong>%s*****</strong>" % pid[:6] in page
    assert "(nivå 3)" in page


@pytest.mark.parametrize("pid, message", [
    ("1234", "Fødselsnummeret må ha 11 siffer."),
    ("15038512364", "Kontrollsifrene stemmer ikke."),
    ("abcdefghijk", "Fødselsnummeret kan bare inneholde siffer."),
    ("99999999999", "De seks første sifrene i fødselsnummeret må være en fødselsdato"),
])
def test_a_bad_national_id_is_refused_with_a_clear_error(client, pid, message):
    response = client.submit("/login", {"pid": pid, "level": "4", "login": "typed"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'aria-invalid="true"' in html and 'href="#pid"' in html
    # nobody is logged in
    assert client.get("/profile/consents").status_code == 303


def test_a_level_other_than_3_or_4_is_refused(client):
    response = client.submit("/login", {"pid": HAKON.pid, "level": "2", "login": "typed"})
    assert response.status_code == 400
    assert "Velg sikkerhetsnivå 3 eller 4." in response.get_data(as_text=True)
    assert client.get("/profile/consents").status_code == 303


def test_after_login_the_person_is_back_on_the_page_they_asked_for(client):
    asked = "/consent/00000000-0000-4000-8000-000000000000?lang=en"
    response = client.get(asked)
    assert response.status_code == 303
    assert response.headers["Location"] == "/login", "the target stays in the session, not in the URL"
    response = client.login()
    assert response.headers["Location"] == asked
    # the target is used once
    client.submit("/logout", {"logout": ""})
    assert client.login().headers["Location"] == "/profile/consents"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_only_a_local_path_is_a_target_after_login(client, target):
    client.get("/login")
    with client.session_transaction() as session:
        session["next"] = target
    assert client.login().headers["Location"] == "/profile/consents"


def test_login_without_a_csrf_token_is_refused(client):
    client.get("/login")
    response = client.post("/login", data={"pid": HAKON.pid, "level": "4", "login": "typed"})
    assert response.status_code == 400
    assert "csrf_failed" in response.get_data(as_text=True)
    assert client.get("/profile/consents").status_code == 303, "not logged in"


def test_a_post_from_another_site_is_refused_even_with_a_token(client):
    token = client.csrf_token()
    response = client.post("/login", data={"csrf_token": token, "pid": HAKON.pid, "level": "4"},
                           headers={"Referer": "https://evil.example/"})
    assert response.status_code == 400
    assert client.get("/profile/consents").status_code == 303


def test_session_cookie_is_signed_secure_httponly_and_lax(client):
    cookie = session_cookie(client.get("/login"))
    flags = [part.strip() for part in cookie.split(";")]
    assert "Secure" in flags and "HttpOnly" in flags and "SameSite=Lax" in flags
    assert "Path=/" in flags


def test_a_forged_session_cookie_is_not_a_login(client):
    client.login()
    name, value = session_cookie(client.get("/login")).split(";")[0].split("=", 1)
    payload, timestamp, signature = value.rsplit(".", 2)
    client.set_cookie(name, "%s.%s.%s" % (payload, timestamp, "A" * len(signature)), domain="localhost")
    assert client.get("/profile/consents").status_code == 303


def test_a_new_login_keeps_nothing_of_the_last_person(client):
    client.login(INGRID.pid)
    client.login(OLA.pid)
    page = client.get("/profile/consents").get_data(as_text=True)
    assert "OLA DALEN" in page and "FJELLHEIM REGNSKAP AS" not in page


def test_logout_is_a_post_with_csrf(logged_in):
    assert logged_in.get("/logout").status_code == 405
    assert logged_in.post("/logout").status_code == 400  # no token
    assert logged_in.get("/profile/consents").status_code == 200, "still logged in"
    response = logged_in.submit("/logout", {"logout": ""})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert "Du er logget ut." in logged_in.get("/login").get_data(as_text=True)
    assert logged_in.get("/profile/consents").status_code == 303


def test_every_page_has_a_logout_button_when_logged_in(logged_in):
    html = logged_in.get("/profile/consents").get_data(as_text=True)
    assert '<form method="post" action="/logout">' in html and 'name="logout"' in html
    token = csrf_token_in(html)
    assert token


def test_language_switch_sets_the_page_language(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "<h1>Log in</h1>" in html
    assert 'href="/login?lang=nn-NO" hreflang="nn-NO" lang="nn-NO"' in html
    # remembered for the next page
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    html = client.get("/login?lang=nn-NO").get_data(as_text=True)
    assert '<html lang="nn-NO">' in html and "Testpersonar" in html


def test_browser_language_is_the_default(client):
    html = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_a_form_posted_without_a_login_returns_to_a_page_not_to_the_form(client):
    token = client.csrf_token()  # a session with a token, but nobody logged in
    response = client.post("/profile/consents/withdraw", data={"csrf_token": token, "withdraw": "x"},
                           headers={"Referer": "https://localhost/profile/consents"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.login().headers["Location"] == "/profile/consents"

    client.submit("/logout", {"logout": ""})
    uuid = "7f1c0a52-3d6b-4c55-9a43-0d1e2f3a4b5c"
    response = client.submit("/consent/%s" % uuid, {"decision": "accept"})
    assert response.headers["Location"] == "/login"
    assert client.login().headers["Location"] == "/consent/%s" % uuid, "the form's own path is a page too"
