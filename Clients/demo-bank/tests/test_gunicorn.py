"""The bank deployed as `make demo` runs it: gunicorn over HTTPS, configured
from BANK_* variables, its access log free of the one-time codes."""

import http.client
import json
import ssl
import subprocess
import sys
import urllib.parse
import uuid

import pytest

from conftest import PORTAL_URL, PUBLIC_URL, USER, Gunicorn, bank_config


@pytest.fixture(scope="module")
def bank(certs, hub, datasource, tmp_path_factory):
    running = Gunicorn("demo_bank", certs, tmp_path_factory.mktemp("bank"), {
        "BANK_HUB_ADDRESS": hub.address, "BANK_HUB_CA": str(certs / "ca.pem"),
        "BANK_HUB_CERT": str(certs / "consumer.pem"), "BANK_HUB_KEY": str(certs / "consumer.key"),
        "BANK_SECRET_KEY": "gunicorn-bank-test", "BANK_PUBLIC_URL": PUBLIC_URL, "BANK_PORTAL_URL": PORTAL_URL,
        "BANK_DATASOURCE_URL": datasource.url,
    })
    yield running
    assert running.stop() == 0


def _get(server, certs, path):
    url = urllib.parse.urlparse(server.url)
    connection = http.client.HTTPSConnection(url.hostname, url.port, timeout=30,
                                             context=ssl.create_default_context(cafile=str(certs / "ca.pem")))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie"), response.read().decode()
    finally:
        connection.close()


def test_the_bank_serves_its_page_over_https(bank, certs):
    status, cookie, page = _get(bank, certs, "/")
    assert status == 200 and 'name="flow" value="api"' in page
    assert cookie.startswith("bank_session=") and "Secure" in cookie


def test_the_access_log_has_no_codes(bank, certs):
    code = "SECRETCODE" + "x" * 33
    status, _, _ = _get(bank, certs, "/callback?RequestId=%s&Status=OK&AuthorizationCode=%s" % (uuid.uuid4(), code))
    assert status == 400
    log = bank.access_log_with('"GET /callback HTTP/1.1" 400')
    assert "SECRETCODE" not in log and "RequestId" not in log


def test_a_national_id_in_a_path_is_masked_in_the_access_log(bank, certs):
    status, _, _ = _get(bank, certs, "/" + USER)
    assert status == 404
    log = bank.access_log_with('"GET /*********** HTTP/1.1" 404')
    assert USER not in log


def test_the_banks_own_log_handler_masks_national_ids(hub, certs):
    # Flask's handler writes the app's log to gunicorn's error stream without
    # passing gunicorn's logger. Run outside pytest, whose handlers would keep
    # Flask from adding its own, as under gunicorn.
    script = """
import io, json, sys
import demo_bank
app = demo_bank.create_app(json.loads(sys.argv[1]))
errors = io.StringIO()
with app.test_request_context("/", environ_overrides={"wsgi.errors": errors}):
    app.logger.warning("consent hub unavailable: %s", sys.argv[2])
print(errors.getvalue())
"""
    config = dict(bank_config(hub, certs, "https://localhost:1"), TESTING=False)
    result = subprocess.run([sys.executable, "-c", script, json.dumps(config), USER],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "consent hub unavailable: ***********" in result.stdout
    assert USER not in result.stdout + result.stderr
