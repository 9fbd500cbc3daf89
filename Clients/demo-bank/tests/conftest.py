"""A live consentd (as Clients/python/tests/conftest.py starts it) with
`localhost` registered as a redirect domain of BANKEN AS (as the demo
launcher does), the demo data source under gunicorn over HTTPS with client
certificates, and the bank app with a browser-like test client.

The binaries come from $CONSENTHUB_BIN, or else `swift build --show-bin-path`.
"""

import hashlib
import os
import pathlib
import re
import select
import subprocess
import sys
import time
import urllib.parse

import pytest

import consenthub
from consent.v1 import registry_pb2
from consenthub import ConsentClient, RegistryClient, portal_metadata

from demo_bank import create_app

REPO = pathlib.Path(__file__).resolve().parents[3]
USER = "15038512363"  # the synthetic demo user (not a real person)
BANK = "910203045"  # BANKEN AS
PUBLIC_URL = "https://localhost:8443"  # where the bank says it is (the test client does not care)
PORTAL_URL = "https://localhost:8444"


def _bin_dir():
    given = os.environ.get("CONSENTHUB_BIN")
    if given:
        return pathlib.Path(given)
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    return pathlib.Path(out.stdout.strip())


class Consentd:
    """One consentd child process on 127.0.0.1 port 0."""

    def __init__(self, binary, certs, data_dir, listen="127.0.0.1:0"):
        self.certs = certs
        self.log = open(str(data_dir) + ".log", "ab")
        self.process = subprocess.Popen(
            [str(binary), "--listen", listen, "--data-dir", str(data_dir), "--cert", str(certs / "server.pem"),
             "--key", str(certs / "server.key"), "--client-ca", str(certs / "ca.pem"),
             "--principals", str(certs / "principals.json"), "--demo-registry", "--threads", "2"],
            stdout=subprocess.PIPE, stderr=self.log)
        self.address = _wait_for_line(self.process, "listening on ")

    def connect(self, principal):
        c = self.certs
        return consenthub.connect(self.address, str(c / "ca.pem"), str(c / (principal + ".pem")), str(c / (principal + ".key")))

    def stop(self):
        self.process.terminate()
        code = self.process.wait(30)
        self.process.stdout.close()
        self.log.close()
        return code


def _wait_for_line(process, prefix, timeout=30):
    """Reads the process's standard output until a line contains `prefix`; returns what follows it."""
    stream = process.stdout
    deadline = time.monotonic() + timeout
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.2)
        if ready:
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            for line in seen.decode(errors="replace").splitlines():
                if prefix in line:
                    return line.split(prefix, 1)[1].strip()
        elif process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("no line with %r: %s" % (prefix, seen.decode(errors="replace")))


@pytest.fixture(scope="session")
def binaries():
    directory = _bin_dir()
    for name in ("consentd", "consentctl"):
        if not (directory / name).exists():
            pytest.fail("%s not found in %s: build first (make test, or swift build)" % (name, directory))
    return directory


@pytest.fixture(scope="session")
def certs(binaries, tmp_path_factory):
    directory = tmp_path_factory.mktemp("certs") / "dev"
    subprocess.run([str(binaries / "consentctl"), "dev-certs", str(directory)], check=True, capture_output=True)
    return directory


@pytest.fixture(scope="session")
def hub(binaries, certs, tmp_path_factory):
    server = Consentd(binaries / "consentd", certs, tmp_path_factory.mktemp("data") / "hub")
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="session")
def parties(hub):
    """Session-wide connections as the bank, the portal and the two agencies."""
    names = ("consumer", "portal", "datasource", "datasource-skatt")
    connections = {name: hub.connect(name) for name in names}
    yield connections
    for connection in connections.values():
        connection.close()


def register_localhost(connections):
    """BANKEN AS may send users back to localhost, as `make demo` registers it:
    each agency authorises the bank again for its resources with both domains.
    `connections`: {"datasource": …, "datasource-skatt": …}."""
    for agency, resources in (("datasource", ["5252_1"]), ("datasource-skatt", ["4629_2", "4630_1"])):
        registry = RegistryClient(connections[agency])
        for resource in resources:
            registry.authorise_consumer(authorisation=registry_pb2.ConsumerAuthorisation(
                resource_id=resource, consumer_org_number=BANK, consumer_name="BANKEN AS",
                redirect_domains=["banken.example", "localhost"]))


@pytest.fixture(scope="session")
def localhost_registered(parties):
    register_localhost(parties)


@pytest.fixture(scope="session")
def datasource(certs, hub, tmp_path_factory):
    running = Gunicorn("demo_datasource", certs, tmp_path_factory.mktemp("datasource"), datasource_env(certs, hub))
    yield running
    assert running.stop() == 0


class Person:
    """The demo user answering in the portal (through the hub, as the portal would)."""

    def __init__(self, portal, national_id=USER, level=4):
        self.consents = ConsentClient(portal, metadata=portal_metadata(national_id, level, "HÅKON TRANA"))

    def accept(self, request_id):
        """The redirect back to the bank (a URL)."""
        return self.consents.accept_request(request_id=request_id).redirect_url

    def reject(self, request_id):
        return self.consents.reject_request(request_id=request_id).redirect_url

    def revoke(self, consent_id):
        self.consents.revoke_consent(consent_id=consent_id)

    def log_titles(self, consent_id):
        return [line.title for line in self.consents.get_consent_log(consent_id=consent_id).lines]


@pytest.fixture
def person(parties):
    return Person(parties["portal"])


def bank_config(hub, certs, datasource_url, **extra):
    config = {
        "HUB_ADDRESS": hub.address, "HUB_CA": str(certs / "ca.pem"),
        "HUB_CERT": str(certs / "consumer.pem"), "HUB_KEY": str(certs / "consumer.key"),
        "SECRET_KEY": "bank-test-secret", "PUBLIC_URL": PUBLIC_URL, "PORTAL_URL": PORTAL_URL,
        "DATASOURCE_URL": datasource_url, "TESTING": True,
    }
    config.update(extra)
    return config


@pytest.fixture
def make_app(hub, certs, datasource, localhost_registered):
    apps = []

    def make(**extra):
        app = create_app(bank_config(hub, certs, datasource.url, **extra))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["demo_bank"].close()


@pytest.fixture
def app(make_app):
    return make_app()


class Browser:
    """A test client that behaves like a browser on the bank's HTTPS site:
    keeps the cookie, sends the form's CSRF token and the same-origin Referer."""

    def __init__(self, app):
        self.client = app.test_client()
        self.page = None

    def get(self, url, **kw):
        parts = urllib.parse.urlsplit(url)
        response = self.client.get(parts.path, query_string=parts.query, base_url="https://localhost", **kw)
        self.page = response.get_data(as_text=True)
        return response

    def csrf_token(self):
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.page or "")
        assert match, "the page has no CSRF token"
        return match.group(1)

    def post(self, path, data, csrf=True, referer=True):
        data = dict(data)
        if csrf:
            data["csrf_token"] = self.csrf_token()
        headers = {"Referer": "https://localhost/"} if referer else {}
        response = self.client.post(path, data=data, base_url="https://localhost", headers=headers)
        self.page = response.get_data(as_text=True)
        return response

    def apply(self, product="insurance", flow="api", pid="", lang="nb-NO", purpose="Vurdere søknaden din"):
        """Fills in and submits the application form; returns the response (303 to the portal)."""
        self.get("/")
        return self.post("/apply", {"product": product, "pid": pid, "lang": lang, "purpose": purpose, "flow": flow})


@pytest.fixture
def browser(app):
    return Browser(app)


def user_token(national_id):
    return hashlib.sha256(national_id.encode()).hexdigest()


class Gunicorn:
    """An app as it is deployed: gunicorn over HTTPS with the development
    certificates, on a free port. `package`: demo_bank or demo_datasource."""

    def __init__(self, package, certs, log_dir, env):
        environment = dict(os.environ)
        environment.update(env)
        self.access_log = log_dir / "access.log"
        self.error_log = log_dir / "error.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:%s.gunicorn_conf" % package, "--workers", "1",
             "--certfile", str(certs / "server.pem"), "--keyfile", str(certs / "server.key"),
             "--bind", "127.0.0.1:0", "--access-logfile", str(self.access_log), "--error-logfile", str(self.error_log),
             "%s:create_app()" % package],
            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        address = self.error_log_with("Listening at: ").split("Listening at: ", 1)[1].split()[0]
        self.url = address.replace("127.0.0.1", "localhost")

    def stop(self):
        self.process.terminate()
        return self.process.wait(30)

    def access_log_with(self, text, timeout=30):
        return _log_with(self.access_log, text, self.process, timeout)

    def error_log_with(self, text, timeout=30):
        return _log_with(self.error_log, text, self.process, timeout)


def _log_with(path, text, process, timeout):
    """The log once it holds `text`: gunicorn writes a line after the
    response has gone, so it may lag the client a little."""
    deadline = time.monotonic() + timeout
    while True:
        log = path.read_text(errors="replace") if path.exists() else ""
        if text in log:
            return log
        assert time.monotonic() < deadline and process.poll() is None, "no %r in %s:\n%s" % (text, path, log)
        time.sleep(0.05)


def datasource_env(certs, hub):
    return {
        "DATASOURCE_HUB_ADDRESS": hub.address, "DATASOURCE_HUB_CA": str(certs / "ca.pem"),
        "DATASOURCE_NAV_CERT": str(certs / "datasource.pem"), "DATASOURCE_NAV_KEY": str(certs / "datasource.key"),
        "DATASOURCE_SKATT_CERT": str(certs / "datasource-skatt.pem"), "DATASOURCE_SKATT_KEY": str(certs / "datasource-skatt.key"),
        "DATASOURCE_SECRET_KEY": "gunicorn-test",
    }
