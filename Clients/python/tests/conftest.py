"""A live consentd for the tests: found (never built) here, started on port 0
with fresh development certificates and data, stopped with SIGTERM.

The binaries come from $CONSENTHUB_BIN, or else from `swift build
--show-bin-path` in the repository (`make test` builds them first).
"""

import json
import os
import pathlib
import pwd
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

import consenthub

REPO = pathlib.Path(__file__).resolve().parents[3]


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
    """One consentd child process on 127.0.0.1 port 0."""

    def __init__(self, binary, certs, data_dir, principals=None, extra_args=()):
        self.certs = certs
        self.log_path = pathlib.Path(str(data_dir) + ".log")
        args = [
            str(binary), "--listen", "127.0.0.1:0", "--data-dir", str(data_dir),
            "--cert", str(certs / "server.pem"), "--key", str(certs / "server.key"),
            "--client-ca", str(certs / "ca.pem"), "--principals", str(principals or certs / "principals.json"),
            "--demo-registry", "--threads", "2", *extra_args,
        ]
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log)
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
        raise RuntimeError("consentd did not print 'listening on': %s\n%s" % (seen.decode(errors="replace"), self.log_path.read_text(errors="replace")))

    def connect(self, principal="consumer", **kw):
        c = self.certs
        return consenthub.connect(self.address, str(c / "ca.pem"), str(c / (principal + ".pem")), str(c / (principal + ".key")), **kw)

    def pause(self):
        """SIGSTOP: the server keeps its sockets but answers nothing, which makes
        "a call still in flight" deterministic. Returns once every thread of
        it has stopped (the signal is delivered asynchronously)."""
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

    def kill(self):
        """SIGKILL, as a crash would."""
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()
        self.log.close()

    def stop(self, timeout=30):
        """SIGTERM (graceful drain); returns consentd's exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            if not self.process.stdout.closed:
                self.process.stdout.close()
            if not self.log.closed:
                self.log.close()


@pytest.fixture(scope="session")
def binaries():
    directory = _bin_dir()
    for name in ("consentd", "consentctl"):
        if not (directory / name).exists():
            pytest.fail("%s not found in %s: build first (make test, or swift build)" % (name, directory))
    return directory


@pytest.fixture(scope="session")
def certs(binaries, tmp_path_factory):
    """Development certificates written by `consentctl dev-certs`."""
    directory = tmp_path_factory.mktemp("certs") / "dev"
    subprocess.run([str(binaries / "consentctl"), "dev-certs", str(directory)], check=True, capture_output=True)
    return directory


@pytest.fixture(scope="session")
def other_certs(binaries, tmp_path_factory):
    """A second, unrelated development PKI (another CA)."""
    directory = tmp_path_factory.mktemp("certs") / "other"
    subprocess.run([str(binaries / "consentctl"), "dev-certs", str(directory)], check=True, capture_output=True)
    return directory


@pytest.fixture(scope="session")
def hub(binaries, certs, tmp_path_factory):
    """The shared server; it must exit 0 on SIGTERM at the end."""
    server = Consentd(binaries / "consentd", certs, tmp_path_factory.mktemp("data") / "hub")
    yield server
    assert server.stop() == 0, server.log_path.read_text(errors="replace")


@pytest.fixture
def private_hub(binaries, certs, tmp_path):
    """A server of the test's own, for signals (SIGSTOP, SIGTERM)."""
    servers = []

    def start(**kw):
        server = Consentd(binaries / "consentd", certs, tmp_path / ("data%d" % len(servers)), **kw)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def conn(hub):
    with hub.connect() as connection:
        yield connection


def principals_without(certs, tmp_path, file_name):
    """A principals file that leaves out the principal of `file_name`.pem."""
    subject = subprocess.run(["openssl", "x509", "-in", str(certs / (file_name + ".pem")), "-noout", "-subject", "-nameopt", "multiline"],
                             check=True, capture_output=True, text=True).stdout
    org = next(line.split("=", 1)[1].strip() for line in subject.splitlines() if line.strip().startswith("serialNumber"))
    document = json.loads((certs / "principals.json").read_text())
    document["principals"] = [p for p in document["principals"] if p["id"] != org]
    path = tmp_path / "principals.json"
    path.write_text(json.dumps(document))
    return path, org


@pytest.fixture
def connect_as(hub):
    """Opens connections to the shared server as any development principal
    (`consumer`, `portal`, `datasource`, `datasource-skatt`, `admin`: the
    certificate files `consentctl dev-certs` writes); closes them after the test."""
    opened = []

    def connect(principal):
        connection = hub.connect(principal)
        opened.append(connection)
        return connection

    yield connect
    for connection in opened:
        connection.close()


@pytest.fixture
def bank(connect_as):
    """The demo bank BANKEN AS (910203045, role consumer)."""
    return connect_as("consumer")


@pytest.fixture
def portal(connect_as):
    """The trusted portal (role portal): it states the logged-in end user in metadata."""
    return connect_as("portal")


@pytest.fixture
def nav(connect_as):
    """NAV (role datasource), owner of resource 5252_1 in the demo registry."""
    return connect_as("datasource")


@pytest.fixture
def skatt(connect_as):
    """Skatteetaten (role datasource), owner of the one-time resources 4629_2 and 4630_1."""
    return connect_as("datasource-skatt")


class Postgres:
    """A throwaway PostgreSQL server (the same recipe as the Swift tests'
    TestPostgres): initdb into a temporary directory, run as the `postgres`
    system user when the tests run as root, on a free port on 127.0.0.1."""

    SUPERUSER = "consenthub_admin"
    NODE_ROLE = "consentd"

    def __init__(self):
        self.bindir = self._bindir()
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        self.directory = tempfile.mkdtemp(prefix="consenthub-pg-py-")
        if os.getuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.directory, user.pw_uid, user.pw_gid)
        os.chmod(self.directory, 0o700)
        self._program("initdb", "-D", self.directory + "/data", "-U", self.SUPERUSER, "--auth=trust", "--no-sync",
                      "-E", "UTF8", "--locale=C")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._program("pg_ctl", "-D", self.directory + "/data", "-l", self.directory + "/server.log", "-w", "-t", "60",
                      "-o", "-p %d -k %s -c listen_addresses=127.0.0.1" % (self.port, self.directory), "start")
        self.psql("CREATE ROLE %s LOGIN" % self.NODE_ROLE)
        self.databases = 0

    @staticmethod
    def _bindir():
        given = os.environ.get("CONSENTHUB_PG_BIN")
        if given:
            return given
        try:
            bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
            if os.path.exists(os.path.join(bindir, "initdb")):
                return bindir
        except (OSError, subprocess.SubprocessError):
            pass
        for version in sorted((int(v) for v in os.listdir("/usr/lib/postgresql") if v.isdigit()), reverse=True):
            bindir = "/usr/lib/postgresql/%d/bin" % version
            if os.path.exists(os.path.join(bindir, "initdb")):
                return bindir
        pytest.fail("PostgreSQL's server programs are not installed (make test installs Debian's postgresql)")

    def _program(self, name, *args):
        subprocess.run(self.run_as + [os.path.join(self.bindir, name), *args], check=True, capture_output=True, cwd="/")

    def psql(self, sql, database="postgres"):
        out = subprocess.run([os.path.join(self.bindir, "psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
                              "-h", "127.0.0.1", "-p", str(self.port), "-U", self.SUPERUSER, "-d", database],
                             input=sql, capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def create_database(self):
        """A fresh database owned by the node role; returns its connection string."""
        self.databases += 1
        name = "consent_py_%d_%d" % (os.getpid(), self.databases)
        self.psql("CREATE DATABASE %s OWNER %s" % (name, self.NODE_ROLE))
        return "host=127.0.0.1 port=%d dbname=%s user=%s" % (self.port, name, self.NODE_ROLE)

    def stop(self):
        subprocess.run(self.run_as + [os.path.join(self.bindir, "pg_ctl"), "-D", self.directory + "/data", "stop",
                                      "-m", "immediate", "-w"], capture_output=True, cwd="/")
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    server = Postgres()
    yield server
    server.stop()
