"""The whole story of seed 000 in a real browser (headless Chromium): the
person applies at the bank, logs in at the portal, reads the consent page in
the language the bank chose, answers, and comes back to the bank, which shows
the token's claims and the data the data source returned; My consents shows
the consent with its Samtykkelogg; after a withdrawal the bank's next token
request and the data source's online check both refuse.

Every step is found by the pages' stable names (button name/value, ids), as a
user's assistive technology would, never by layout."""

import re
import urllib.parse

from selenium.webdriver.common.by import By

from consent_demo.browser import HAAKON

NATIONAL_ID = re.compile(r"(?<!\d)\d{11}(?!\d)")
# OLA DALEN, the portal's test person who logs in at level 3 only
# (Clients/portal/src/consent_portal/persons.py).
LEVEL_3_PERSON = "21919440063"


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def consent_id_from_bank_url(url):
    """The bank's callback URL carries the consent (= request) id."""
    return query_of(url)["RequestId"]


def test_consent_in_english_accepted_used_seen_and_withdrawn(story):
    # The bank asks in English; nobody is logged in at the portal yet.
    story.apply(product="insurance", flow="api", language="en")
    assert story.path == "/login"
    assert not NATIONAL_ID.search(story.url)
    story.login(HAAKON, 4)

    # Back on the consent page the bank sent the browser to, in English.
    assert story.path.startswith("/consent/")
    assert story.find("html").get_attribute("lang") == "en"
    assert story.text("h1") == "Consent to the use of your data"
    assert "BANKEN AS would like to retrieve information about you" in story.text(".consent-page")
    assert "Information on work assessment allowance and disability benefit from NAV" in story.text("#resource-5252_1")
    assert "The consent is valid from" in story.text(".validity")
    assert story.button("decision", "accept").text == "Yes, I give my consent"
    assert not NATIONAL_ID.search(story.driver.title)

    # Accept: the hub's redirect takes the browser back to the bank, which
    # exchanged the code, shows the token's claims and NAV's answer.
    landed = story.answer("accept")
    assert landed.startswith(story.stack.bank_url + "/callback")
    assert query_of(landed)["Status"] == "OK"
    consent_id = consent_id_from_bank_url(landed)
    story.wait_for("#token-claims")
    claims = story.find("#token-claims").get_attribute("textContent")  # the JSON sits in a closed <details>
    assert "urn:altinn:consent" in claims and "5252_1" in claims and "0192:910203045" in claims
    assert story.find_all("#bank-error") == []
    assert story.text("#datasource-data")
    result_page = story.url

    # My consents (in Bokmål, the seed's words): the consent is active, and its
    # Samtykkelogg says it was given and used.
    story.my_consents(language="nb-NO")
    section = story.consent_section(consent_id)
    assert section.get_attribute("data-status") == "active"
    assert "BANKEN AS" in section.text
    assert "Samtykke gitt" in section.text and "Samtykke benyttet" in section.text

    # Withdraw, with the confirmation step.
    story.withdraw(consent_id)
    section = story.consent_section(consent_id)
    assert section.get_attribute("data-status") == "withdrawn"
    assert "Samtykke trukket" in section.text
    assert section.find_elements(By.CSS_SELECTOR, 'button[name="withdraw"]') == []

    # The bank's next token request is refused by the hub…
    story.driver.get(result_page)
    story.wait_for('button[name="refresh"]')
    story.click("refresh")
    assert "consent_revoked" in story.text("#bank-error")
    # …and the data source refuses the old, still unexpired token online.
    story.click("reuse-token")
    error = story.text("#bank-error")
    assert "consent_revoked" in error
    assert story.find_all("#datasource-data .data") == []


def test_rejecting_sends_the_person_back_with_status_failed(story):
    story.apply(product="insurance", flow="api", language="nb-NO")
    story.login(HAAKON, 4)
    assert story.text("h1") == "Samtykke til bruk av dine data"
    assert story.button("decision", "reject").text == "Nei, jeg samtykker ikke"
    landed = story.answer("reject")
    assert query_of(landed)["Status"] == "Failed"
    assert story.find("#declined")
    consent_id = consent_id_from_bank_url(landed)
    story.my_consents()
    assert story.consent_section(consent_id).get_attribute("data-status") == "rejected"


def test_altinn2_url_flow_with_a_user_token(story):
    # The bank puts the whole request in the portal link (seed 004), with
    # UserToken = SHA-256 of the applicant's id: never the id itself.
    went_to = story.apply(product="insurance", flow="altinn2", language="nn-NO", pid=HAAKON)
    assert story.path == "/login"
    assert not NATIONAL_ID.search(went_to)
    story.login(HAAKON, 4)
    # The portal submitted the bank's query and shows the new request, in Nynorsk.
    assert story.path.startswith("/consent/")
    assert story.find("html").get_attribute("lang") == "nn-NO"
    assert story.text("h1") == "Samtykke til bruk av dataa dine"
    landed = story.answer("accept")
    assert query_of(landed)["Status"] == "OK"
    story.wait_for("#token-claims")
    assert story.find_all("#bank-error") == []


def test_altinn2_link_for_another_person_is_refused_with_a_reason(story):
    story.apply(product="insurance", flow="altinn2", pid=HAAKON)
    story.login(LEVEL_3_PERSON, 3)
    # The UserToken names someone else: the portal says so and offers to log in as another person.
    story.wait_for('button[name="switch"]')
    assert "user_token_mismatch" in story.text("main")


def test_a_purpose_with_markup_shows_as_text(story):
    hostile = '<script>document.title="pwned"</script>"><img src=x onerror="document.title=\'pwned\'">'
    story.apply(product="insurance", flow="api", purpose=hostile)
    story.login(HAAKON, 4)
    purpose = story.find(".purpose")
    assert hostile in purpose.text
    assert purpose.find_elements(By.CSS_SELECTOR, "img, script") == []
    assert story.driver.title != "pwned"
    assert "pwned" not in (story.driver.execute_script("return document.title") or "")


def test_a_level_3_login_is_asked_to_log_in_again_for_nav(story):
    story.apply(product="insurance", flow="api")
    story.login(HAAKON, 3)
    consent_page = story.path
    assert consent_page.startswith("/consent/")
    assert story.find("#level-notice")
    # The development login's step-up (ID-porten would ask again at
    # idporten-loa-high) is one click: the same person at level 4, back on
    # the same consent page, without the login page in between.
    story.click("login", "again")
    assert story.path == consent_page
    assert story.find_all("#level-notice") == []
    landed = story.answer("accept")
    assert query_of(landed)["Status"] == "OK"


def test_a_one_time_consent_leaves_the_active_list_after_its_use(story):
    # The mortgage: Skatteetaten's income, once (engangssamtykke, seed 000).
    story.apply(product="mortgage", flow="api")
    story.login(HAAKON, 4)
    assert "engangssamtykke" in story.text(".validity")
    landed = story.answer("accept")
    consent_id = consent_id_from_bank_url(landed)
    story.wait_for("#datasource-data")
    assert story.find_all("#bank-error") == []

    story.my_consents()
    section = story.consent_section(consent_id)
    assert section.get_attribute("data-status") == "used"
    assert story.find_all("#group-active #consent-" + consent_id) == []
    assert section.find_elements(By.CSS_SELECTOR, 'button[name="withdraw"]') == []
    # Fetching again is refused: the one-time consent ended at its first use.
    story.driver.get(landed)
    story.wait_for('button[name="refresh"]')
    story.click("refresh")
    assert "consent_used_up" in story.text("#bank-error")
