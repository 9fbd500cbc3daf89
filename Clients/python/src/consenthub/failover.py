"""A hub that runs as several nodes sharing one PostgreSQL database.

Exactly one node is active; the others (standbys) answer every call but
Health's UNAVAILABLE with `x-consent-reason: not_leader` and, when they know
it, the active node's address in the trailer `x-consent-leader`
(docs/PROTOCOL.md, "Several nodes"). `ActiveNodeConnection` keeps a
`Connection` to the active node:

- connecting asks each address's Health.Check in turn, trying a standby's
  `leader` next, until a node answers SERVING (for up to `failover_timeout`
  seconds: a takeover takes a few);
- a unary call refused with `not_leader` is sent again to the node named in
  the trailer, at most three times: the refusal comes before the call is
  decided, so sending it again cannot apply it twice;
- a call started after the connection broke (the active node died) first
  reconnects to whichever node took over;
- a call in flight when the connection breaks fails UNAVAILABLE as before:
  its outcome is unknown, so it is not sent again.
"""

import concurrent.futures
import threading
import time

from consent.v1 import health_pb2

from .connection import Connection
from .status import ConnectError, RpcError, StatusCode

LEADER_KEY = "x-consent-leader"
REASON_KEY = "x-consent-reason"
NOT_LEADER = "not_leader"
MAX_REDIRECTS = 3
_HEALTH_CHECK = "/consent.v1.Health/Check"


def parse_addresses(address):
    """"a:1,b:2" or ["a:1", "b:2"] -> ["a:1", "b:2"]."""
    items = address.split(",") if isinstance(address, str) else list(address)
    addresses = [item.strip() for item in items if item.strip()]
    if not addresses:
        raise ValueError("no address given")
    return addresses


def _trailer(error, key):
    for name, value in error.trailers:
        if name == key:
            return value
    return None


def not_leader_hint(error):
    """For a standby's refusal: (True, the active node's address or None); else (False, None)."""
    if isinstance(error, RpcError) and error.code == StatusCode.UNAVAILABLE and _trailer(error, REASON_KEY) == NOT_LEADER:
        return True, _trailer(error, LEADER_KEY)
    return False, None


class ActiveNodeConnection:
    """Connection's interface (unary, start_unary, server_stream, ping, close)
    on whichever node of a multi-node hub is active; see the module's text."""

    def __init__(self, addresses, ca, cert, key, failover_timeout=15.0, **kw):
        self.addresses = parse_addresses(addresses)
        self._tls = (ca, cert, key)
        self._kw = kw
        self.failover_timeout = failover_timeout
        self._lock = threading.Lock()
        self._closed = False
        self._current = self._find_active(None)

    # -- finding the active node --------------------------------------------

    def _find_active(self, hint):
        deadline = time.monotonic() + self.failover_timeout
        last = None
        while True:
            candidates = list(self.addresses)
            if hint:
                if hint in candidates:
                    candidates.remove(hint)
                candidates.insert(0, hint)
            hint = None
            for address in candidates:
                try:
                    connection = Connection(address, *self._tls, **self._kw)
                except ConnectError as error:
                    last = error
                    continue
                try:
                    answer = health_pb2.HealthCheckResponse.FromString(
                        connection.unary(_HEALTH_CHECK, health_pb2.HealthCheckRequest().SerializeToString(), timeout=5))
                except RpcError as error:
                    connection.close()
                    last = error
                    continue
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return connection
                connection.close()
                last = RpcError(StatusCode.UNAVAILABLE, "%s is not the active node (role %s)" % (
                    address, health_pb2.HealthCheckResponse.Role.Name(answer.role)))
                if answer.leader and answer.leader != address:
                    hint = answer.leader
                    break
            if self._closed:
                raise RpcError(StatusCode.UNAVAILABLE, "the connection is closed")
            if time.monotonic() >= deadline:
                raise ConnectError(StatusCode.UNAVAILABLE, "no active node among %s within %.0f s: %s" % (
                    ", ".join(self.addresses), self.failover_timeout, last.message if last else "nothing answered"),
                    "is a node running? a takeover takes a few seconds; check the addresses")
            if hint is None:
                time.sleep(0.2)  # a takeover is under way: nobody is active yet

    def _connection(self, stale=None, hint=None):
        """The connection to the active node; a new one if `stale` is current or the current one closed."""
        with self._lock:
            current = self._current
            if current is not None and current is not stale and not current.closed:
                return current
            if self._closed:
                raise RpcError(StatusCode.UNAVAILABLE, "the connection is closed")
            fresh = self._find_active(hint)
            if current is not None:
                current.close()
            self._current = fresh
            return fresh

    # -- calls ----------------------------------------------------------------

    def unary(self, method, payload, timeout=None, metadata=None):
        """Makes a unary call on the active node, following redirects; returns the response bytes."""
        connection = self._connection()
        for attempt in range(MAX_REDIRECTS + 1):
            try:
                return connection.unary(method, payload, timeout=timeout, metadata=metadata)
            except RpcError as error:
                redirect, hint = not_leader_hint(error)
                if not redirect or attempt == MAX_REDIRECTS:
                    raise
                connection = self._connection(stale=connection, hint=hint)

    def start_unary(self, method, payload, timeout=None, metadata=None):
        """Starts a unary call on the active node; returns a Future of the
        response bytes, which follows redirects before it completes."""
        outer = concurrent.futures.Future()

        def attempt(connection, redirects):
            try:
                inner = connection.start_unary(method, payload, timeout=timeout, metadata=metadata)
            except RpcError as error:
                outer.set_exception(error)
                return

            def done(future):
                if future.cancelled():
                    outer.cancel()
                    return
                error = future.exception()
                if error is None:
                    outer.set_result(future.result())
                    return
                redirect, hint = not_leader_hint(error)
                if not redirect or redirects >= MAX_REDIRECTS or outer.cancelled():
                    outer.set_exception(error)
                    return
                # Reconnecting blocks (TLS handshake): not on the I/O thread that runs this.
                def follow():
                    try:
                        attempt(self._connection(stale=connection, hint=hint), redirects + 1)
                    except RpcError as failure:
                        outer.set_exception(failure)
                threading.Thread(target=follow, daemon=True).start()

            inner.add_done_callback(done)

        attempt(self._connection(), 0)
        return outer

    def server_stream(self, method, payload, timeout=None, metadata=None):
        """A server-streaming call on the active node found now (a stream is not sent again elsewhere)."""
        return self._connection().server_stream(method, payload, timeout=timeout, metadata=metadata)

    def check_may_block(self):
        """Raises if called on the I/O thread of the connection in use (a blocking call there would deadlock)."""
        current = self._current
        if current is not None:
            current.check_may_block()

    def ping(self, timeout=5.0):
        return self._connection().ping(timeout=timeout)

    @property
    def address(self):
        """The address of the node in use now."""
        with self._lock:
            return self._current.address if self._current else None

    @property
    def closed(self):
        return self._closed

    def close(self):
        with self._lock:
            self._closed = True
            current, self._current = self._current, None
        if current is not None:
            current.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
