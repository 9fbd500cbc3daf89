"""The data source deployed as `make demo` runs it: gunicorn over HTTPS with
client certificates asked for, a bank calling with its own certificate."""

import http.client
import json
import ssl
import subprocess
import sys
import urllib.parse

import pytest

from conftest import Gunicorn, app_config

PERIOD = {"fraOgMed": "01.01.2024", "tilOgMed": "31.12.2024"}


@pytest.fixture(scope="module")
def server(certs, hub, tmp_path_factory):
    running = Gunicorn(certs, hub, tmp_path_factory.mktemp("gunicorn"))
    yield running
    assert running.stop() == 0


def _get(server, certs, path, token=None, client_cert=None, ca=None):
    context = ssl.create_default_context(cafile=str(ca or certs / "ca.pem"))
    if client_cert:
        context.load_cert_chain(str(client_cert) + ".pem", str(client_cert) + ".key")
    url = urllib.parse.urlparse(server.url)
    connection = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=30)
    try:
        connection.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_bank_with_its_certificate_gets_the_data(server, certs, consents):
    grant = consents.nav()
    path = "/nav/api/v1/disability-benefits?" + urllib.parse.urlencode(PERIOD)
    status, body = _get(server, certs, path, grant.token, certs / "consumer")
    assert status == 200, body
    assert consents.log_titles(grant.consent_id) == ["Samtykke gitt", "Samtykke benyttet"]


def test_the_certificate_not_the_request_says_who_calls(server, certs, consents):
    grant = consents.nav()
    path = "/nav/api/v1/disability-benefits?" + urllib.parse.urlencode(PERIOD)
    status, body = _get(server, certs, path, grant.token, certs / "portal")
    assert status == 403 and b"token_for_another_consumer" in body


def test_a_browser_without_a_client_certificate_reads_the_page_but_not_the_api(server, certs, consents):
    status, body = _get(server, certs, "/")
    assert status == 200 and b"/nav/api/v1/disability-benefits" in body
    grant = consents.nav()
    status, body = _get(server, certs, "/nav/api/v1/disability-benefits?" + urllib.parse.urlencode(PERIOD), grant.token)
    assert status == 401 and b"caller_unknown" in body
    # Nothing was fetched: the person's log shows no use.
    assert consents.log_titles(grant.consent_id) == ["Samtykke gitt"]


def test_a_certificate_from_another_ca_is_turned_away(server, certs, binaries, tmp_path):
    other = tmp_path / "other"
    subprocess.run([str(binaries / "consentctl"), "dev-certs", str(other)], check=True, capture_output=True)
    with pytest.raises(ssl.SSLError, match="unknown ca"):
        _get(server, certs, "/", client_cert=other / "consumer")


def test_the_access_log_has_no_query_strings(server, certs, consents):
    grant = consents.nav()
    _get(server, certs, "/nav/api/v1/disability-benefits?" + urllib.parse.urlencode(PERIOD), grant.token, certs / "consumer")
    log = server.access_log_with('"GET /nav/api/v1/disability-benefits HTTP/1.1" 200')
    assert "fraOgMed" not in log and "?" not in log and grant.token[:20] not in log


def test_each_answer_is_a_line_in_the_error_log(server, certs, consents):
    grant = consents.nav()
    _get(server, certs, "/nav/api/v1/disability-benefits?" + urllib.parse.urlencode(PERIOD), grant.token, certs / "consumer")
    server.error_log_with("served 5252_1 to 910203045: consent %s, person " % grant.consent_id)


def test_a_national_id_in_a_path_is_masked_in_the_access_log(server, certs):
    status, _ = _get(server, certs, "/nav/api/v1/15038512363", client_cert=certs / "consumer")
    assert status == 404
    log = server.access_log_with('"GET /nav/api/v1/*********** HTTP/1.1" 404')
    assert "15038512363" not in log


def test_the_data_sources_own_log_handler_masks_national_ids(hub, certs):
    # Flask's handler writes the app's log to gunicorn's error stream without
    # passing gunicorn's logger. Run outside pytest, whose handlers would keep
    # Flask from adding its own, as under gunicorn.
    script = """
import io, json, sys
import demo_datasource
app = demo_datasource.create_app(json.loads(sys.argv[1]))
errors = io.StringIO()
with app.test_request_context("/", environ_overrides={"wsgi.errors": errors}):
    app.logger.warning("consent hub unavailable: %s", sys.argv[2])
print(errors.getvalue())
"""
    result = subprocess.run([sys.executable, "-c", script, json.dumps(app_config(hub, certs)), "15038512363"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "consent hub unavailable: ***********" in result.stdout
    assert "15038512363" not in result.stdout + result.stderr
