"""The demo stack: consentd, the portal, the demo bank and the demo data
source on one machine, each over TLS with the development CA.

    with Stack(bin_dir, work_dir) as stack:
        print(stack.portal_url, stack.bank_url, stack.datasource_url)

Every service listens on 127.0.0.1 (a free port unless one is given); the web
apps are addressed as https://localhost:PORT, because a consumer's RedirectUrl
must be on a registered domain name (never an IP address), and the stack
registers `localhost` as a redirect domain of BANKEN AS, as each data source
would: NAV for its 5252_1, Skatteetaten for its 4629_2 and 4630_1.
"""

import dataclasses
import os
import pathlib
import secrets
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

from consent.v1 import registry_pb2
from consenthub import RegistryClient, connect

BANK = "910203045"
BANK_NAME = "BANKEN AS"
# Each data source authorises the bank for its own resources (the demo
# registry registers them with the redirect domain banken.example only).
AUTHORISATIONS = (("datasource", "5252_1"), ("datasource-skatt", "4629_2"), ("datasource-skatt", "4630_1"))
REDIRECT_DOMAINS = ("banken.example", "localhost")
HOST = "localhost"


class StackError(RuntimeError):
    """A service did not start; the message ends with the tail of its log."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass
class Ports:
    """0 picks a free port."""

    hub: int = 0
    portal: int = 0
    bank: int = 0
    datasource: int = 0


@dataclasses.dataclass
class Service:
    name: str
    process: subprocess.Popen
    log: pathlib.Path


class Stack:
    """Starts the four services in order (consentd first: the apps need it)
    and stops them in reverse. Logs go to `work_dir/logs/NAME.log`.

    - `bin_dir`: where consentd and consentctl are (`swift build --show-bin-path`).
    - `work_dir`: holds `certs/`, `data/` and `logs/` unless `certs_dir` or
      `data_dir` name others (`make demo` keeps `./dev-certs`, as `make run`).
    """

    def __init__(self, bin_dir, work_dir, certs_dir=None, data_dir=None, ports=None, workers=2):
        self.bin_dir = pathlib.Path(bin_dir)
        self.work_dir = pathlib.Path(work_dir)
        self.certs = pathlib.Path(certs_dir) if certs_dir else self.work_dir / "certs"
        self.data = pathlib.Path(data_dir) if data_dir else self.work_dir / "data"
        self.logs = self.work_dir / "logs"
        self.ports = dataclasses.replace(ports or Ports())
        self.workers = workers
        self.services = []
        self.hub_address = None

    # MARK: the URLs a browser opens

    @property
    def portal_url(self):
        return "https://%s:%d" % (HOST, self.ports.portal)

    @property
    def bank_url(self):
        return "https://%s:%d" % (HOST, self.ports.bank)

    @property
    def datasource_url(self):
        return "https://%s:%d" % (HOST, self.ports.datasource)

    def cert(self, name):
        return str(self.certs / name)

    # MARK: start and stop

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        try:
            self._certificates()
            self.data.mkdir(parents=True, exist_ok=True)
            self.logs.mkdir(parents=True, exist_ok=True)
            for field in ("portal", "bank", "datasource"):
                if not getattr(self.ports, field):
                    setattr(self.ports, field, free_port())
            self._start_consentd()
            self._authorise_localhost()
            secret = secrets.token_hex(32)
            self._start_web("datasource", "demo_datasource", self.ports.datasource, {
                "DATASOURCE_HUB_ADDRESS": self.hub_address,
                "DATASOURCE_HUB_CA": self.cert("ca.pem"),
                "DATASOURCE_NAV_CERT": self.cert("datasource.pem"),
                "DATASOURCE_NAV_KEY": self.cert("datasource.key"),
                "DATASOURCE_SKATT_CERT": self.cert("datasource-skatt.pem"),
                "DATASOURCE_SKATT_KEY": self.cert("datasource-skatt.key"),
                "DATASOURCE_SECRET_KEY": secrets.token_hex(32),
            })
            self._start_web("portal", "consent_portal", self.ports.portal, {
                "PORTAL_HUB_ADDRESS": self.hub_address,
                "PORTAL_HUB_CA": self.cert("ca.pem"),
                "PORTAL_HUB_CERT": self.cert("portal.pem"),
                "PORTAL_HUB_KEY": self.cert("portal.key"),
                "PORTAL_SECRET_KEY": secret,
            })
            self._start_web("bank", "demo_bank", self.ports.bank, {
                "BANK_HUB_ADDRESS": self.hub_address,
                "BANK_HUB_CA": self.cert("ca.pem"),
                "BANK_HUB_CERT": self.cert("consumer.pem"),
                "BANK_HUB_KEY": self.cert("consumer.key"),
                "BANK_SECRET_KEY": secrets.token_hex(32),
                "BANK_PUBLIC_URL": self.bank_url,
                "BANK_PORTAL_URL": self.portal_url,
                "BANK_DATASOURCE_URL": self.datasource_url,
            })
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout=15):
        """SIGTERM to each service, newest first (gunicorn finishes its
        requests, consentd drains), SIGKILL after `timeout` seconds."""
        for service in reversed(self.services):
            if service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for service in reversed(self.services):
            try:
                service.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait()
            if service.process.stdout:
                service.process.stdout.close()
        self.services = []

    def failed(self):
        """The services that have exited on their own, as (name, exit status)."""
        return [(s.name, s.process.returncode) for s in self.services if s.process.poll() is not None]

    def log_tail(self, name, lines=40):
        path = self.logs / (name + ".log")
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # MARK: the pieces

    def _certificates(self):
        """`consentctl dev-certs` once; certificates from before web.pem
        existed get a fresh set only if the caller chose the directory."""
        if not (self.certs / "ca.pem").exists():
            subprocess.run([str(self.bin_dir / "consentctl"), "dev-certs", str(self.certs)],
                           check=True, capture_output=True)
        if not (self.certs / "web.pem").exists():
            raise StackError("%s has no web.pem (written by consentctl dev-certs since the portal exists): "
                             "run `consentctl dev-certs --force %s` (it replaces the certificates)"
                             % (self.certs, self.certs))

    def _start_consentd(self):
        listen = "127.0.0.1:%d" % self.ports.hub
        args = [str(self.bin_dir / "consentd"), "--listen", listen, "--data-dir", str(self.data),
                "--cert", self.cert("server.pem"), "--key", self.cert("server.key"),
                "--client-ca", self.cert("ca.pem"), "--principals", self.cert("principals.json"),
                "--demo-registry"]
        if (self.certs / "token-signing.key").exists():
            args += ["--signing-key", self.cert("token-signing.key")]
        log = self.logs / "consentd.log"
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=open(log, "wb"), start_new_session=True)
        self.services.append(Service("consentd", process, log))
        self.hub_address = self._wait_for_listening(process, "consentd")
        self.ports.hub = int(self.hub_address.rsplit(":", 1)[1])

    def _wait_for_listening(self, process, name, timeout=60):
        deadline = time.monotonic() + timeout
        seen = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
                for line in seen.decode(errors="replace").splitlines():
                    if line.startswith("listening on "):
                        return line[len("listening on "):].strip()
            elif process.poll() is not None:
                break
        raise StackError("%s did not start:\n%s" % (name, self.log_tail(name)))

    def _authorise_localhost(self):
        """The demo bank runs on localhost: each data source adds it to the
        bank's redirect domains for its resources, as a real one would do for
        a bank's new domain (RegistryService.AuthoriseConsumer)."""
        for principal, resource in AUTHORISATIONS:
            with connect(self.hub_address, self.cert("ca.pem"), self.cert(principal + ".pem"),
                         self.cert(principal + ".key")) as connection:
                RegistryClient(connection, timeout=10).authorise_consumer(
                    authorisation=registry_pb2.ConsumerAuthorisation(
                        resource_id=resource, consumer_org_number=BANK, consumer_name=BANK_NAME,
                        redirect_domains=list(REDIRECT_DOMAINS)))

    def _start_web(self, name, module, port, env):
        args = [sys.executable, "-m", "gunicorn", "-c", "python:%s.gunicorn_conf" % module,
                "--bind", "127.0.0.1:%d" % port, "--workers", str(self.workers), "--threads", "4",
                "--certfile", self.cert("web.pem"), "--keyfile", self.cert("web.key"),
                "%s:create_app()" % module]
        log = self.logs / (name + ".log")
        process = subprocess.Popen(args, env={**os.environ, **env}, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.services.append(Service(name, process, log))
        self._wait_for_https(name, process, port)

    def _wait_for_https(self, name, process, port, timeout=60):
        """Until the app answers an HTTPS request (any status): gunicorn has
        bound, its workers have imported the app."""
        context = ssl.create_default_context(cafile=self.cert("ca.pem"))
        # The data source asks callers for a client certificate.
        context.load_cert_chain(self.cert("consumer.pem"), self.cert("consumer.key"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StackError("%s exited with status %s:\n%s" % (name, process.returncode, self.log_tail(name)))
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                    with context.wrap_socket(raw, server_hostname=HOST) as tls:
                        tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                        if tls.recv(16).startswith(b"HTTP/1."):
                            return
            except (OSError, ssl.SSLError):
                pass
            time.sleep(0.2)
        raise StackError("%s did not answer HTTPS on port %d:\n%s" % (name, port, self.log_tail(name)))


def find_bin_dir(repository):
    """consentd's directory: $CONSENTHUB_BIN, else `swift build --show-bin-path`."""
    given = os.environ.get("CONSENTHUB_BIN")
    if given:
        return pathlib.Path(given)
    swift = shutil.which("swift") or "swift"
    out = subprocess.run([swift, "build", "--show-bin-path"], cwd=repository, capture_output=True, text=True, check=True)
    return pathlib.Path(out.stdout.strip())
