"""The portal as it is served: gunicorn over HTTPS with the package's
configuration, the settings from PORTAL_* variables, and an access log that
names paths only (an Altinn 2 query may carry a national id)."""

import http.client
import os
import re
import pathlib
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse

import pytest

from conftest import HAKON, free_port

HERE = pathlib.Path(__file__).resolve().parent


@pytest.fixture
def served(certs, tmp_path):
    """gunicorn with the portal on a free port; its whole log as text after the test."""
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    environment = dict(os.environ,
                       PORTAL_HUB_ADDRESS="127.0.0.1:1",  # not needed by these pages
                       PORTAL_HUB_CA=str(certs / "ca.pem"),
                       PORTAL_HUB_CERT=str(certs / "portal.pem"),
                       PORTAL_HUB_KEY=str(certs / "portal.key"),
                       PORTAL_SECRET_KEY="0123456789")  # digits: read as JSON, it would be a number
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:consent_portal.gunicorn_conf",
             "--bind", "127.0.0.1:%d" % port, "--workers", "1", "--threads", "2",
             "--certfile", str(certs / "web.pem"), "--keyfile", str(certs / "web.key"),
             "consent_portal:create_app()"],
            stdout=log, stderr=subprocess.STDOUT, env=environment)
    context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    server = {"port": port, "context": context, "log": lambda: log_path.read_text(errors="replace")}
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("gunicorn did not start:\n" + server["log"]())
            time.sleep(0.1)
    yield server
    process.terminate()
    assert process.wait(30) == 0, server["log"]()


class Browser:
    """Just enough of one: cookies, and this site's Referer on a POST."""

    def __init__(self, server):
        self.server, self.cookies = server, {}

    def open(self, method, path, form=None):
        connection = http.client.HTTPSConnection("localhost", self.server["port"], context=self.server["context"], timeout=30)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % item for item in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers.update({"Content-Type": "application/x-www-form-urlencoded",
                            "Referer": "https://localhost:%d/login" % self.server["port"]})
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";")[0]
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            connection.close()


def get(server, path):
    return Browser(server).open("GET", path)


def test_served_over_https_with_path_only_access_log(served):
    status, headers, body = get(served, "/login")
    assert status == 200 and "Logg inn" in body
    assert "Secure" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]

    query = urllib.parse.urlencode({"Resources": "5252_1", "CoveredBy": "910203045", "OfferedBy": HAKON.pid,
                                    "RedirectUrl": "https://banken.example/samtykke/svar"})
    status, headers, _ = get(served, "/ui/AccessConsent/request?" + query)
    assert status == 303 and headers["Location"] == "/login"
    # Someone opens a consent page at a national id: the path is logged, masked.
    status, headers, _ = get(served, "/consent/" + HAKON.pid)
    assert status == 303 and headers["Location"] == "/login"

    # A request line gunicorn refuses: its error log quotes it, masked.
    raw = socket.create_connection(("127.0.0.1", served["port"]), timeout=30)
    with served["context"].wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(b"GET /x?OfferedBy=" + HAKON.pid.encode() + b"\r\nHost: x\r\n\r\n")
        tls.recv(4096)

    get(served, "/login")  # the access log line of the bad request has been written by now
    log = served["log"]()
    assert '"GET /ui/AccessConsent/request HTTP/1.1" 303' in log
    assert '"GET /login HTTP/1.1" 200' in log
    assert '"GET /consent/*********** HTTP/1.1" 303' in log
    assert "Invalid request" in log and "OfferedBy=***********" in log, "the refused line, masked"
    assert HAKON.pid not in log
    assert "CoveredBy" not in log and "RedirectUrl" not in log
    assert "Control socket" not in log


def test_the_portals_own_log_reaches_gunicorns_error_log_without_the_person(served):
    browser = Browser(served)
    _, _, page = browser.open("GET", "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    status, headers, _ = browser.open("POST", "/login", {"csrf_token": token, "pid": HAKON.pid, "level": "4"})
    assert status == 303, "logged in over https with the CSRF token and the Referer"
    status, _, page = browser.open("GET", "/consent/7f1c0a52-3d6b-4c55-9a43-0d1e2f3a4b5c")
    assert status == 503 and "hub_unavailable" in page  # PORTAL_HUB_ADDRESS leads nowhere
    get(served, "/login")
    log = served["log"]()
    assert "development login at level 4" in log
    assert "GetRequest: cannot connect to the hub: UNAVAILABLE" in log
    assert HAKON.pid not in log


def test_the_portals_own_log_handler_masks_national_ids(certs):
    # Flask's handler writes the app's log to gunicorn's error stream without
    # passing gunicorn's logger. Run outside pytest, whose handlers would keep
    # Flask from adding its own, as under gunicorn.
    script = """
import io, logging, sys
import consent_portal
app = consent_portal.create_app({"SECRET_KEY": "x", "HUB_ADDRESS": "127.0.0.1:1", "HUB_CA": sys.argv[1],
                                 "HUB_CERT": sys.argv[2], "HUB_KEY": sys.argv[3]})
errors = io.StringIO()
with app.test_request_context("/", environ_overrides={"wsgi.errors": errors}):
    logging.getLogger("consent_portal.hub").warning("a message quoting '%s'", sys.argv[4])
    try:
        raise ValueError("no such request: " + sys.argv[4])
    except ValueError:
        app.logger.exception("Exception on /consent/%s [GET]", sys.argv[4])
print(errors.getvalue())
"""
    result = subprocess.run([sys.executable, "-c", script, str(certs / "ca.pem"), str(certs / "portal.pem"),
                             str(certs / "portal.key"), HAKON.pid], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "a message quoting '***********'" in result.stdout
    assert "Exception on /consent/*********** [GET]" in result.stdout
    assert "ValueError: no such request: ***********" in result.stdout
    assert HAKON.pid not in result.stdout + result.stderr


def test_the_portal_refuses_to_start_without_its_settings(certs):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    result = subprocess.run([sys.executable, "-c", "import consent_portal; consent_portal.create_app()"],
                            env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "set PORTAL_SECRET_KEY, PORTAL_HUB_ADDRESS, PORTAL_HUB_CA, PORTAL_HUB_CERT, PORTAL_HUB_KEY" in result.stderr


def test_settings_that_cannot_work_stop_the_start(certs):
    from consent_portal import create_app
    good = {"SECRET_KEY": "x", "HUB_ADDRESS": "127.0.0.1:7443", "HUB_CA": str(certs / "ca.pem"),
            "HUB_CERT": str(certs / "portal.pem"), "HUB_KEY": str(certs / "portal.key")}
    create_app(good)
    with pytest.raises(RuntimeError, match="PORTAL_HUB_ADDRESS must be HOST:PORT"):
        create_app({**good, "HUB_ADDRESS": "localhost"})
    with pytest.raises(RuntimeError, match="PORTAL_HUB_KEY: no such file"):
        create_app({**good, "HUB_KEY": str(certs / "nope.key")})
