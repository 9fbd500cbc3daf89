"""Headless Chromium (Debian's `chromium` and `chromium-driver`) through
Selenium, and the story's steps by the pages' stable names (`name=`, `value=`,
ids), never by layout: the browser tests and `make screenshots` share them.
"""

import shutil
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

# The demo's synthetic person (not a real one): the portal's first test person.
HAAKON = "15038512363"


def chromium(width=1280, height=1100, language="nb-NO"):
    """A headless Chromium. The web apps' certificates come from the
    development CA, which this browser does not know: it accepts them
    (the connections are still TLS, so `Secure` cookies work as in production)."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        raise RuntimeError("chromium and chromedriver are needed: apt-get install chromium chromium-driver (make deps-web)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=%d,%d" % (width, height), "--lang=" + language,
                     "--no-first-run", "--disable-extensions", "--password-store=basic"):
        options.add_argument(argument)
    options.accept_insecure_certs = True
    # Selenium Manager would try to download a driver: name Debian's instead.
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_page_load_timeout(60)
    return driver


class Story:
    """The clicks of the story, as a citizen makes them, on one browser."""

    def __init__(self, driver, stack, timeout=30):
        self.driver = driver
        self.stack = stack
        self.timeout = timeout

    # MARK: finding things

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def button(self, name, value=None):
        selector = 'button[name="%s"]' % name + ('[value="%s"]' % value if value is not None else "")
        return self.find(selector)

    def click(self, name, value=None):
        """Clicks a button and waits until the browser has left the page."""
        old = self.find("html")
        self.button(name, value).click()

        def left(_):
            try:
                old.tag_name
                return False
            except WebDriverException:
                # Stale, or (mid-navigation) "does not belong to the document": gone either way.
                return True

        WebDriverWait(self.driver, self.timeout).until(left)

    def wait_for(self, css):
        return WebDriverWait(self.driver, self.timeout).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))

    def text(self, css):
        return self.find(css).text

    @property
    def path(self):
        return urllib.parse.urlsplit(self.driver.current_url).path

    @property
    def url(self):
        return self.driver.current_url

    # MARK: the bank

    def apply(self, product="insurance", flow="api", language="nb-NO", purpose=None, pid=None):
        """On the bank's page: the product, the language, maybe a purpose and
        the applicant's id, then one of the two buttons; returns where the
        browser went (the portal's login or consent page)."""
        self.driver.get(self.stack.bank_url + "/")
        self.find('input[name="product"][value="%s"]' % product).click()
        Select(self.find('select[name="lang"]')).select_by_value(language)
        if purpose is not None:
            field = self.find('textarea[name="purpose"]')
            field.clear()
            field.send_keys(purpose)
        if pid is not None:
            field = self.find('input[name="pid"]')
            field.clear()
            field.send_keys(pid)
        self.click("flow", flow)
        return self.url

    # MARK: the portal

    def login(self, pid=HAAKON, level=4):
        """On the portal's login page (where the portal sent the browser):
        the typed national id and level; back to the page asked for."""
        if "/login" not in self.path:
            self.driver.get(self.stack.portal_url + "/login")
        field = self.find('input[name="pid"][type="text"]')
        field.clear()
        field.send_keys(pid)
        self.find('input[name="level"][type="radio"][value="%d"]' % level).click()
        self.click("login", "typed")

    def answer(self, decision):
        """Accept or reject on the consent page; returns the URL the browser landed on."""
        self.click("decision", decision)
        return self.url

    def my_consents(self, language=None):
        self.driver.get(self.stack.portal_url + "/profile/consents" + ("?lang=" + language if language else ""))
        return self.find_all("section.consent")

    def consent_section(self, consent_id):
        return self.find("#consent-" + consent_id)

    def withdraw(self, consent_id):
        """Withdraw on My consents, confirming on the confirmation page."""
        self.my_consents()
        self.consent_section(consent_id).find_element(By.CSS_SELECTOR, 'button[name="withdraw"]').click()
        self.wait_for('button[name="confirm"]')
        self.click("confirm", "yes")

    def logout(self):
        self.click("logout")
