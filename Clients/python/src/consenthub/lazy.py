"""One connection to consentd for all the threads of a process, opened when
first needed and opened again when it has closed or the server said GoAway:
what a web app in front of the hub holds (the portal, the demo bank, the demo
data source).

    hub = LazyConnection("127.0.0.1:7443", "ca.pem", "portal.pem", "portal.key", connect_timeout=5)
    ConsentClient(hub.get(), timeout=10).get_request(request_id=...)
"""

import concurrent.futures
import os
import threading

from .connection import Connection
from .status import ConnectError, StatusCode


class LazyConnection:
    """A `Connection` opened on first use and shared by every thread.

    `get()` returns the open connection, or opens one: a connection that has
    closed (the hub restarted, the network broke) or is going away (GoAway;
    it finishes its own calls and closes by itself) is replaced. Opening
    raises `ConnectError` like `connect()`.

    Connecting happens outside the lock, one attempt at a time: a thread that
    needs the connection while another is connecting waits for that attempt
    rather than making its own, and once an attempt has failed (the hub is
    unreachable) the threads that come during the next one fail at once with
    ConnectError UNAVAILABLE. So with the hub's packets dropped, a caller
    waits at most one connect timeout, and callers never queue behind each
    other's timeouts.

    A connection's I/O thread does not survive fork(): after a fork (gunicorn's
    workers) the child opens its own and leaves the parent's alone.
    """

    def __init__(self, address, ca, cert, key, connect_timeout=10.0, **options):
        """The arguments of `connect()`; `options` are Connection's keyword options."""
        self.address = address
        self._arguments = (address, ca, cert, key)
        self._options = dict(options, connect_timeout=connect_timeout)
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._connection = None
        self._attempt = None  # a Future of the connect in progress
        self._last_failure = None  # the ConnectError of the last attempt, until one succeeds

    def get(self):
        """The open connection, opened now if needed; raises ConnectError."""
        with self._lock:
            self._forget_parent()
            connection = self._connection
            if connection is not None and not connection.closed and not connection.going_away:
                return connection
            attempt = self._attempt
            if attempt is None:
                attempt = self._attempt = concurrent.futures.Future()
                mine = True
            elif self._last_failure is not None:
                raise ConnectError(StatusCode.UNAVAILABLE, "cannot connect to %s: trying again after: %s"
                                   % (self.address, self._last_failure.message), self._last_failure.hint)
            else:
                mine = False
        if not mine:
            return attempt.result()  # the connection, or the attempt's ConnectError
        return self._connect(attempt)

    def _connect(self, attempt):
        try:
            connection = Connection(*self._arguments, **self._options)
        except BaseException as error:
            with self._lock:
                if self._attempt is attempt:
                    self._attempt = None
                    self._last_failure = error if isinstance(error, ConnectError) else None
            attempt.set_exception(error)
            raise
        with self._lock:
            current = self._attempt is attempt
            if current:
                self._attempt, self._last_failure, self._connection = None, None, connection
        if not current:  # close() was called meanwhile
            connection.close()
            error = ConnectError(StatusCode.UNAVAILABLE, "connection to %s closed while it was being opened" % self.address)
            attempt.set_exception(error)
            raise error
        attempt.set_result(connection)
        return connection

    def _forget_parent(self):
        # Under the lock. What the parent process had is no use here.
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._connection = self._attempt = self._last_failure = None

    def close(self):
        """Closes the connection (calls in flight on it fail UNAVAILABLE); the
        next `get()` opens a new one."""
        with self._lock:
            self._forget_parent()
            connection, self._connection = self._connection, None
            self._attempt = self._last_failure = None
        if connection is not None:
            connection.close()

    def __repr__(self):
        return "<LazyConnection %s>" % self.address
