"""A live consentd (as Clients/python/tests/conftest.py starts it), consents
made through the hub as the bank and the portal would make them, and the
data source app with a caller injected as gunicorn would hand it over.

The binaries come from $CONSENTHUB_BIN, or else `swift build --show-bin-path`.
"""

import json
import os
import pathlib
import select
import subprocess
import sys
import time
import urllib.parse

import pytest

import consenthub
from consent.v1 import consent_pb2, registry_pb2
from consenthub import ConsentClient, RegistryClient, TokenClient, portal_metadata

from demo_datasource import create_app

REPO = pathlib.Path(__file__).resolve().parents[3]
USER = "15038512363"  # the synthetic demo user (not a real person)
BANK = "910203045"  # BANKEN AS
PORTAL_ORG = "974760673"  # Brønnøysundregistrene: a real certificate, but no consumer
DAY_MS = 86_400_000


def _bin_dir():
    given = os.environ.get("CONSENTHUB_BIN")
    if given:
        return pathlib.Path(given)
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    return pathlib.Path(out.stdout.strip())


class Consentd:
    """One consentd child process on 127.0.0.1 port 0."""

    def __init__(self, binary, certs, data_dir):
        self.certs = certs
        self.log = open(str(data_dir) + ".log", "wb")
        self.process = subprocess.Popen(
            [str(binary), "--listen", "127.0.0.1:0", "--data-dir", str(data_dir), "--cert", str(certs / "server.pem"),
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


OTHER_CONSUMER = "991825827"  # Digitaliseringsdirektoratet: admin, and here also a second consumer


@pytest.fixture(scope="session")
def certs(binaries, tmp_path_factory):
    """Development certificates; the admin's principal may also act as a
    consumer, so the hub can issue a token to someone other than BANKEN AS."""
    directory = tmp_path_factory.mktemp("certs") / "dev"
    subprocess.run([str(binaries / "consentctl"), "dev-certs", str(directory)], check=True, capture_output=True)
    principals = json.loads((directory / "principals.json").read_text())
    for principal in principals["principals"]:
        if principal["id"] == OTHER_CONSUMER:
            principal["roles"] = ["admin", "consumer"]
    (directory / "principals.json").write_text(json.dumps(principals))
    return directory


@pytest.fixture(scope="session")
def hub(binaries, certs, tmp_path_factory):
    server = Consentd(binaries / "consentd", certs, tmp_path_factory.mktemp("data") / "hub")
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="session")
def parties(hub):
    """Session-wide connections as the bank, the portal (for the demo user) and the two agencies."""
    names = ("consumer", "portal", "datasource", "datasource-skatt", "admin")
    connections = {name: hub.connect(name) for name in names}
    # NAV lets the second consumer ask for its resource too.
    RegistryClient(connections["datasource"]).authorise_consumer(authorisation=registry_pb2.ConsumerAuthorisation(
        resource_id="5252_1", consumer_org_number=OTHER_CONSUMER, consumer_name="DIGITALISERINGSDIREKTORATET",
        redirect_domains=["other.example"]))
    yield connections
    for connection in connections.values():
        connection.close()


class Consents:
    """Makes consents the way the story does: the bank asks, the user accepts
    in the portal, the bank exchanges the code."""

    def __init__(self, parties):
        self.parties = parties
        self.user = ConsentClient(parties["portal"], metadata=portal_metadata(USER, 4, "HÅKON TRANA"))

    def grant(self, resources, valid_days=30, purpose="Behandle søknaden din", consumer="consumer",
              redirect_url="https://banken.example/callback"):
        """`resources`: {resource id: {key: value}}. Returns the TokenGrant."""
        request = ConsentClient(self.parties[consumer]).create_request(
            resources=[consent_pb2.RequestedResource(resource_id=r, metadata=[
                consent_pb2.ResourceMetadataValue(key=k, value=v) for k, v in metadata.items()])
                for r, metadata in resources.items()],
            offered_by=USER, redirect_url=redirect_url,
            valid_to_ms=int(time.time() * 1000) + valid_days * DAY_MS, purpose=purpose).request
        redirect = self.user.accept_request(request_id=request.id).redirect_url
        code = urllib.parse.parse_qs(urllib.parse.urlparse(redirect).query)["AuthorizationCode"][0]
        return TokenClient(self.parties[consumer]).exchange_code(code=code).grant

    def nav(self, first="01.01.2024", last="31.12.2024"):
        return self.grant({"5252_1": {"fraOgMed": first, "tilOgMed": last}})

    def loan(self, year="2025", first="01.09.2026", last="30.11.2026"):
        return self.grant({"4629_2": {"inntektsaar": year}, "4630_1": {"fraOgMed": first, "tilOgMed": last}})

    def log_titles(self, consent_id):
        return [line.title for line in self.user.get_consent_log(consent_id=consent_id).lines]

    def log_texts(self, consent_id):
        return [line.text for line in self.user.get_consent_log(consent_id=consent_id).lines]

    def revoke(self, consent_id):
        self.user.revoke_consent(consent_id=consent_id)


@pytest.fixture
def consents(parties):
    return Consents(parties)


class Clock:
    """The data source's clock, movable by the test (the hub's is not)."""

    def __init__(self):
        self.offset = 0.0

    def __call__(self):
        return time.time() + self.offset


def app_config(hub, certs, **extra):
    config = {
        "HUB_ADDRESS": hub.address, "HUB_CA": str(certs / "ca.pem"),
        "NAV_CERT": str(certs / "datasource.pem"), "NAV_KEY": str(certs / "datasource.key"),
        "SKATT_CERT": str(certs / "datasource-skatt.pem"), "SKATT_KEY": str(certs / "datasource-skatt.key"),
        "SECRET_KEY": "test-secret", "TESTING": True,
    }
    config.update(extra)
    return config


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_app(hub, certs, clock):
    """create_app with the live hub's settings plus `extra`; the hub connections are closed after the test."""
    apps = []

    def make(**extra):
        app = create_app(app_config(hub, certs, CLOCK=clock, **extra))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["demo_datasource"].hub.close()


@pytest.fixture
def app(make_app):
    return make_app()


class FakeTLSSocket:
    """What gunicorn puts in environ["gunicorn.socket"] for a TLS client with a verified certificate."""

    def __init__(self, subject):
        self.subject = subject

    def getpeercert(self):
        return {"subject": self.subject} if self.subject is not None else {}


def certificate_of(organisation, name="DEMO"):
    """A peer certificate subject as ssl.SSLSocket.getpeercert() gives it (as consentctl dev-certs writes them)."""
    return ((("countryName", "NO"),), (("organizationName", name),), (("commonName", name),), (("serialNumber", organisation),))


class Caller:
    """A test client that calls as an organisation (its client certificate) with a bearer token."""

    def __init__(self, app, subject):
        self.client = app.test_client()
        self.subject = subject

    def get(self, path, token=None, headers=None, **query):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        return self.client.get(path, query_string=query, headers=headers,
                               environ_overrides={"gunicorn.socket": FakeTLSSocket(self.subject)})


@pytest.fixture
def bank_caller(app):
    return Caller(app, certificate_of(BANK, "BANKEN AS"))


class Gunicorn:
    """The data source as it is deployed: gunicorn over HTTPS, client
    certificates required from the development CA, on a free port."""

    def __init__(self, certs, hub, log_dir, env=None):
        environment = dict(os.environ)
        environment.update({
            "DATASOURCE_HUB_ADDRESS": hub.address, "DATASOURCE_HUB_CA": str(certs / "ca.pem"),
            "DATASOURCE_NAV_CERT": str(certs / "datasource.pem"), "DATASOURCE_NAV_KEY": str(certs / "datasource.key"),
            "DATASOURCE_SKATT_CERT": str(certs / "datasource-skatt.pem"), "DATASOURCE_SKATT_KEY": str(certs / "datasource-skatt.key"),
            "DATASOURCE_SECRET_KEY": "gunicorn-test",
        })
        environment.update(env or {})
        self.access_log = log_dir / "access.log"
        self.error_log = log_dir / "error.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:demo_datasource.gunicorn_conf", "--workers", "1",
             "--certfile", str(certs / "server.pem"), "--keyfile", str(certs / "server.key"),
             "--bind", "127.0.0.1:0", "--access-logfile", str(self.access_log), "--error-logfile", str(self.error_log),
             "demo_datasource:create_app()"],
            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        address = self.error_log_with("Listening at: ").split("Listening at: ", 1)[1].split()[0]
        self.url = address.replace("127.0.0.1", "localhost")

    def stop(self):
        self.process.terminate()
        return self.process.wait(30)

    def error_log_with(self, text, timeout=30):
        return _log_with(self.error_log, text, self.process, timeout)

    def access_log_with(self, text, timeout=30):
        return _log_with(self.access_log, text, self.process, timeout)


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
