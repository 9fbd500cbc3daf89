"""The portal against a live consentd: the hub is started like in
Clients/python/tests/conftest.py (binaries from $CONSENTHUB_BIN, or `swift
build --show-bin-path`; never built here), the consumer (BANKEN AS) creates
requests through `consenthub`, and the person drives the portal through
Flask's test client over https.

Every test is also an audit (fixture `audit`): no eleven-digit number
(whatever it is: a test person's id, or one a hostile query carried) in a
Location header, a link, a form action or a page title the portal sent, nor
in the portal's log output.
"""

import logging
import os
import pathlib
import random
import re
import select
import signal
import socket
import subprocess
import time
import uuid

import pytest
from flask.testing import FlaskClient

import consenthub
from consent.v1 import consent_pb2
from consent_portal import create_app, persons

REPO = pathlib.Path(__file__).resolve().parents[3]
BANK = "910203045"
REDIRECT = "https://banken.example/samtykke/svar"
DAY_MS = 86_400_000
HAKON = persons.PERSONS[0]
INGRID = persons.PERSONS[1]
OLA = persons.PERSONS[2]  # level 3
AMIR = persons.PERSONS[3]  # a board member of INGRID's organisation
ORG = persons.FJELLHEIM_REGNSKAP.number


def now_ms():
    return int(time.time() * 1000)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_person_id():
    """A fresh synthetic national id (month + 80, valid check digits), so that
    a test's list of consents holds only its own."""
    while True:
        nine = "%02d%02d%02d%03d" % (random.randint(1, 28), random.randint(81, 92), random.randint(0, 99), random.randint(0, 499))
        for tail in ("%02d" % n for n in range(100)):
            if persons.national_id_problem(nine + tail) is None:
                return nine + tail


# -- the hub -------------------------------------------------------------------

def _bin_dir():
    given = os.environ.get("CONSENTHUB_BIN")
    if given:
        return pathlib.Path(given)
    try:
        out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as error:
        pytest.fail("cannot find the consentd binaries: set CONSENTHUB_BIN or install swift (%s)" % error)
    return pathlib.Path(out.stdout.strip())


class Consentd:
    """One consentd child process with the demo registry."""

    def __init__(self, binary, certs, data_dir, listen="127.0.0.1:0"):
        self.certs = certs
        self.log_path = pathlib.Path(str(data_dir) + ".log")
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(binary), "--listen", listen, "--data-dir", str(data_dir),
             "--cert", str(certs / "server.pem"), "--key", str(certs / "server.key"),
             "--client-ca", str(certs / "ca.pem"), "--principals", str(certs / "principals.json"),
             "--demo-registry", "--threads", "2"],
            stdout=subprocess.PIPE, stderr=self.log)
        self.address = self._wait_for_listening()

    def _wait_for_listening(self, timeout=30):
        deadline = time.monotonic() + timeout
        seen = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
                for line in seen.decode(errors="replace").splitlines():
                    if line.startswith("listening on "):
                        return line[len("listening on "):].strip()
            elif self.process.poll() is not None:
                break
        self.process.kill()
        raise RuntimeError("consentd did not start: %s\n%s" % (seen.decode(errors="replace"), self.log_path.read_text(errors="replace")))

    def connect(self, principal):
        c = self.certs
        return consenthub.connect(self.address, str(c / "ca.pem"), str(c / (principal + ".pem")), str(c / (principal + ".key")))

    def pause(self):
        """SIGSTOP, returning once every thread has stopped (the signal is
        delivered asynchronously): then the hub answers nothing, for sure."""
        self.process.send_signal(signal.SIGSTOP)
        tasks = pathlib.Path("/proc/%d/task" % self.process.pid)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            states = []
            for task in tasks.iterdir():
                try:
                    stat = (task / "stat").read_text()
                except OSError:
                    continue  # a thread that just ended
                states.append(stat[stat.rindex(")") + 2])
            if states and all(state in "tT" for state in states):
                return
            time.sleep(0.001)
        raise RuntimeError("consentd %d did not stop" % self.process.pid)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self, timeout=30):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
        try:
            return self.process.wait(timeout)
        finally:
            self.process.stdout.close()
            self.log.close()


@pytest.fixture(scope="session")
def binaries():
    directory = _bin_dir()
    for name in ("consentd", "consentctl"):
        if not (directory / name).exists():
            pytest.fail("%s not found in %s: build first (make test-portal, or swift build)" % (name, directory))
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
    assert server.stop() == 0, server.log_path.read_text(errors="replace")


@pytest.fixture(scope="session")
def bank_connection(hub):
    with hub.connect("consumer") as connection:
        yield connection


@pytest.fixture(scope="session")
def nav_connection(hub):
    with hub.connect("datasource") as connection:
        yield connection


@pytest.fixture(scope="session")
def skatt_connection(hub):
    with hub.connect("datasource-skatt") as connection:
        yield connection


class Bank:
    """BANKEN AS (role consumer): registers requests and reads their status."""

    def __init__(self, connection):
        self.client = consenthub.ConsentClient(connection, timeout=10)

    def create(self, offered_by="", purpose="Behandle søknaden din om lån", one_time=False, user_token="", language="",
               redirect_url=REDIRECT, required_delegator="", purpose_texts=None):
        if one_time:
            resources = [consent_pb2.RequestedResource(resource_id="4629_2", metadata=[
                consent_pb2.ResourceMetadataValue(key="inntektsaar", value="2024")])]
            valid_to = now_ms() + 20 * DAY_MS
        else:
            resources = [consent_pb2.RequestedResource(resource_id="5252_1", metadata=[
                consent_pb2.ResourceMetadataValue(key="fraOgMed", value="01.01.2024"),
                consent_pb2.ResourceMetadataValue(key="tilOgMed", value="31.12.2024")])]
            valid_to = now_ms() + 365 * DAY_MS
        return self.client.create_request(resources=resources, offered_by=offered_by, redirect_url=redirect_url,
                                          valid_to_ms=valid_to, purpose=purpose, user_token=user_token,
                                          language=language, required_delegator=required_delegator,
                                          purpose_texts=consent_pb2.PurposeTexts(**(purpose_texts or {}))).request.id

    def status(self, request_id):
        return self.client.get_request_status(request_id=request_id).request.status


@pytest.fixture
def bank(bank_connection):
    return Bank(bank_connection)


# -- the portal ----------------------------------------------------------------

_CLIENTS = []  # every client of the running test, for the audit


class HttpsClient(FlaskClient):
    """The test client as a browser on https://localhost: secure cookies are
    sent, and every POST carries this site's Referer (Flask-WTF checks it on
    https). Records every response for the audit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.responses = []
        _CLIENTS.append(self)

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", "https://localhost")
            if kwargs.get("method", "GET") != "GET":
                headers = dict(kwargs.get("headers") or {})
                headers.setdefault("Referer", "https://localhost/")
                kwargs["headers"] = headers
        response = super().open(*args, **kwargs)
        self.responses.append(response)
        return response

    # helpers

    def csrf_token(self, path="/login"):
        return csrf_token_in(self.get(path).get_data(as_text=True))

    def submit(self, path, data, token=True):
        """POST a form as the page would, with this session's CSRF token."""
        data = dict(data)
        if token:
            data["csrf_token"] = self.csrf_token()
        return self.post(path, data=data)

    def login(self, pid=HAKON.pid, level=None, name=""):
        person = persons.person_with_pid(pid)
        level = level if level is not None else (person.level if person else 4)
        response = self.submit("/login", {"pid": pid, "level": str(level), "name": name, "login": "typed"})
        assert response.status_code == 303, response.get_data(as_text=True)
        return response


def csrf_token_in(html):
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def portal_config(hub_address, certs, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "portal-test-secret",
        "HUB_ADDRESS": hub_address,
        "HUB_CA": str(certs / "ca.pem"),
        "HUB_CERT": str(certs / "portal.pem"),
        "HUB_KEY": str(certs / "portal.key"),
        "HUB_TIMEOUT": 10,
        "HUB_CONNECT_TIMEOUT": 5,
    }
    config.update(overrides)
    return config


@pytest.fixture
def make_app(certs):
    apps = []

    def make(hub_address, **overrides):
        app = create_app(portal_config(hub_address, certs, **overrides))
        app.test_client_class = HttpsClient
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["consent_hub"].close()


@pytest.fixture
def app(make_app, hub):
    return make_app(hub.address)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def logged_in(client):
    """A client logged in as HÅKON TRANA (level 4)."""
    client.login()
    return client


@pytest.fixture
def new_person(client):
    """A client logged in as a fresh synthetic person (level 4) of this test only: returns (client, pid)."""
    pid = new_person_id()
    client.login(pid, 4, "TESTE TESTESEN")
    return client, pid


# -- the audit -----------------------------------------------------------------

_URL_ATTRIBUTES = re.compile(r'\b(?:href|action|src|formaction)="([^"]*)"')
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


# Any eleven-digit number, not only the ids the tests used: a hostile query
# or a hub message may carry one nobody listed. Request ids (UUIDs) are left
# out first: one in 250 has eleven digits in a row in its last group.
ELEVEN_DIGITS = re.compile(r"(?<!\d)\d{11}(?!\d)")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def has_national_id(text):
    return ELEVEN_DIGITS.search(UUID.sub("<uuid>", text)) is not None


def leaks(responses, log_text):
    """Where a national id showed up that it must not."""
    found = []
    for response in responses:
        places = [("Location", response.headers.get("Location", ""))]
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            places += [("link", url) for url in _URL_ATTRIBUTES.findall(html)]
            places += [("title", title) for title in _TITLE.findall(html)]
        for where, text in places:
            if has_national_id(text):
                found.append("%s of %s: %s" % (where, response.request.path, text))
    found += ["log output: %s" % line for line in log_text.splitlines() if has_national_id(line)]
    return found


@pytest.fixture(autouse=True)
def audit(caplog):
    _CLIENTS.clear()
    caplog.set_level(logging.DEBUG)
    yield
    assert not leaks([r for c in _CLIENTS for r in c.responses], caplog.text)


def unique_purpose(text="Behandle søknaden din om lån"):
    return "%s (%s)" % (text, uuid.uuid4().hex[:8])
