"""One multiplexed TLS connection to consentd (docs/PROTOCOL.md).

A single I/O thread owns the socket: an OpenSSL connection must not be read
and written from two threads at once, so callers queue frames and wake the
thread through a socket pair. Many calls can be in flight; answers are matched
to calls by call id, in whatever order the server completes them.
"""

import concurrent.futures
import heapq
import os
import queue
import selectors
import socket
import ssl
import threading
import time

from consent.v1 import rpc_pb2

from .framing import DEFAULT_MAX_FRAME_SIZE, FrameDecoder, FrameTooLarge, encode_frame
from .status import ConnectError, RpcError, StatusCode

ALPN = "consent-rpc/1"
_STREAM_END = object()
_MAX_CALL_ID = 0xFFFFFFFF


class CallFuture(concurrent.futures.Future):
    """The result of a unary call: the response bytes, or an RpcError.

    `future.cancel()` works as for any Future (result() then raises
    CancelledError) and also tells the server; `Connection.cancel(future)`
    ends the call with RpcError CANCELLED instead.
    """

    def __init__(self, call_id, method):
        super().__init__()
        self.call_id = call_id
        self.method = method


class _Call:
    __slots__ = ("call_id", "method", "future", "stream", "deadline", "sent")

    def __init__(self, call_id, method, deadline, streaming):
        self.call_id = call_id
        self.method = method
        self.future = CallFuture(call_id, method)
        self.stream = queue.Queue() if streaming else None
        self.deadline = deadline
        self.sent = False  # the Request went out: a Cancel must follow it


class Connection:
    """A mutual-TLS connection to consentd with many calls in flight.

    `unary()` blocks; `start_unary()` returns a CallFuture; `server_stream()`
    returns an iterator of message bytes; `ping()` measures a round trip.
    Every failure of a call is an RpcError carrying a StatusCode; a lost
    connection fails its open calls with UNAVAILABLE.

    Connecting does one Ping round trip, because a TLS 1.3 server judges the
    client certificate after the handshake: a refused certificate is a
    ConnectError here rather than a surprise on the first call.

    After the server's GoAway (it is shutting down) the calls already sent
    complete, new ones raise UNAVAILABLE and `going_away` is True: open a new
    Connection for more.
    """

    def __init__(self, address, ca, cert, key, connect_timeout=10.0, max_frame_size=DEFAULT_MAX_FRAME_SIZE,
                 server_name=None):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError("address must be HOST:PORT, not %r" % address)
        host = host.strip("[]")
        self.address = address
        self.max_frame_size = max_frame_size
        started = time.monotonic()
        context = _tls_context(ca, cert, key)
        try:
            raw = socket.create_connection((host, int(port)), timeout=connect_timeout)
        except OSError as error:
            reason = error.strerror or str(error)
            raise ConnectError(StatusCode.UNAVAILABLE, "cannot connect to %s: %s" % (address, reason),
                               "is consentd running there? check the address") from error
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._sock = context.wrap_socket(raw, server_hostname=server_name or host)
        except ssl.SSLCertVerificationError as error:
            raw.close()
            raise ConnectError(StatusCode.UNAVAILABLE, "TLS handshake with %s failed: certificate verify failed: %s"
                               % (address, error.verify_message or error),
                               "this client does not trust the server's certificate: ca must be the CA that signed it, "
                               "and the address must name a host or IP address it carries") from error
        except (ssl.SSLError, OSError) as error:
            raw.close()
            raise ConnectError(StatusCode.UNAVAILABLE, "TLS handshake with %s failed: %s" % (address, error),
                               _handshake_hint(str(error))) from error
        if self._sock.selected_alpn_protocol() != ALPN:
            self._sock.close()
            raise ConnectError(StatusCode.UNAVAILABLE, "server at %s did not agree to ALPN %s" % (address, ALPN),
                               "is this port a consentd?")
        self._sock.setblocking(False)

        self._lock = threading.Lock()
        self._calls = {}
        self._pings = {}
        self._next_id = 1
        self._outgoing = []  # (call or None, frame bytes), in order
        self._deadlines = []  # heap of (deadline, call_id, call); stale entries are skipped
        self._closed_error = None
        self._going_away = None  # the GoAway reason, once received
        self._leaving = False  # close() asked the I/O thread to say GoAway and stop
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._thread = threading.Thread(target=self._run, name="consenthub-io %s" % address, daemon=True)
        self._thread.start()

        remaining = max(0.001, connect_timeout - (time.monotonic() - started))
        try:
            self.ping(timeout=remaining)
        except RpcError as error:
            self.close()
            raise ConnectError(StatusCode.UNAVAILABLE, "TLS handshake with %s failed: %s" % (address, error.message),
                               _handshake_hint(error.message)) from error

    # -- calls -------------------------------------------------------------

    def start_unary(self, method, payload, timeout=None, metadata=None):
        """Starts a unary call. Returns a CallFuture whose result is the response bytes.

        Raises RpcError UNAVAILABLE at once if the connection is closed or going away.
        """
        return self._start(method, payload, timeout, metadata, streaming=False).future

    def unary(self, method, payload, timeout=None, metadata=None):
        """Makes a unary call and returns the response bytes, or raises RpcError."""
        self.check_may_block()
        return self.start_unary(method, payload, timeout, metadata).result()

    def check_may_block(self):
        """Raises RuntimeError on this connection's I/O thread, where future
        callbacks run: waiting there for an answer would wait forever."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("a blocking call from a completion callback would deadlock the connection; use start_unary()")

    def server_stream(self, method, payload, timeout=None, metadata=None):
        """Starts a server-streaming call: an iterator of message bytes that
        raises RpcError if the stream does not end OK, and has `cancel()`."""
        return Stream(self, self._start(method, payload, timeout, metadata, streaming=True))

    def ping(self, timeout=5.0):
        """The round-trip time of a Ping/Pong, in seconds."""
        data = int.from_bytes(os.urandom(8), "big")
        waiter = concurrent.futures.Future()
        with self._lock:
            self._check_open(allow_going_away=True)
            self._pings[data] = waiter
        started = time.perf_counter()
        self._queue(None, rpc_pb2.Frame(call_id=0, ping=rpc_pb2.Ping(data=data)))
        try:
            waiter.result(timeout)
        except concurrent.futures.TimeoutError:
            with self._lock:
                self._pings.pop(data, None)
            raise RpcError(StatusCode.DEADLINE_EXCEEDED, "no Pong from %s within %.3g s" % (self.address, timeout)) from None
        return time.perf_counter() - started

    def cancel(self, future):
        """Cancels an open call: its future fails with RpcError CANCELLED and
        the server is told. Returns False if the call had already ended."""
        with self._lock:
            call = self._calls.get(getattr(future, "call_id", None))
        if call is None or call.future is not future:
            return False
        return self._end(call, RpcError(StatusCode.CANCELLED, "cancelled by the client"))

    def close(self):
        """Closes the connection: open calls fail UNAVAILABLE "closed by the
        client"; the server is told with a GoAway. Idempotent."""
        with self._lock:
            if self._closed_error is None and not self._leaving:
                self._leaving = True
        self._wake()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def in_flight(self):
        """Calls started and not yet ended."""
        with self._lock:
            return len(self._calls)

    @property
    def going_away(self):
        """True once the server said GoAway: finish up and reconnect for new calls."""
        return self._going_away is not None

    @property
    def closed(self):
        return self._closed_error is not None

    # -- starting and ending calls ------------------------------------------

    def _check_open(self, allow_going_away=False):
        if self._closed_error is not None:
            raise self._closed_error
        if self._leaving:
            raise RpcError(StatusCode.UNAVAILABLE, "connection closed by the client")
        if self._going_away is not None and not allow_going_away:
            raise RpcError(StatusCode.UNAVAILABLE, "the server at %s is going away (%s): open a new connection"
                           % (self.address, self._going_away))

    def _start(self, method, payload, timeout, metadata, streaming):
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive seconds or None, not %r" % (timeout,))
        request = rpc_pb2.Request(method=method, payload=payload, deadline_ms=_deadline_ms(timeout))
        for key, value in _metadata_items(metadata):
            request.metadata.add(key=key.lower(), value=str(value))
        deadline = time.monotonic() + timeout if timeout else None
        with self._lock:
            self._check_open()
            call_id = self._allocate_id()
            call = _Call(call_id, method, deadline, streaming)
            self._calls[call_id] = call
            if deadline is not None:
                heapq.heappush(self._deadlines, (deadline, call_id, call))
            frame = rpc_pb2.Frame(call_id=call_id, request=request)
            self._outgoing.append((call, encode_frame(frame.SerializeToString())))
        call.future.add_done_callback(self._future_done)
        self._wake()
        return call

    def _allocate_id(self):
        # Counts up and wraps after 2^32 - 1 calls, skipping 0 and open ids, so
        # a late answer to an abandoned call cannot land on a newer one (§4).
        while True:
            call_id = self._next_id
            self._next_id = 1 if call_id == _MAX_CALL_ID else call_id + 1
            if call_id not in self._calls:
                return call_id

    def _future_done(self, future):
        # A Future cancelled with future.cancel() by its owner: tell the server.
        if future.cancelled():
            with self._lock:
                call = self._calls.get(future.call_id)
            if call is not None and call.future is future:
                self._end(call, None)

    def _end(self, call, error, code_for_stream=None):
        """Ends an open call locally (cancel, deadline). Returns False if it had already ended."""
        with self._lock:
            if self._calls.get(call.call_id) is not call:
                return False
            del self._calls[call.call_id]
            if call.sent and self._closed_error is None:
                frame = rpc_pb2.Frame(call_id=call.call_id, cancel=rpc_pb2.Cancel())
                self._outgoing.append((None, encode_frame(frame.SerializeToString())))
        self._wake()
        if error is not None:
            _finish(call, error)
        elif call.stream is not None:
            call.stream.put(RpcError(StatusCode.CANCELLED, "cancelled by the client"))
        return True

    def _queue(self, call, frame):
        with self._lock:
            self._outgoing.append((call, encode_frame(frame.SerializeToString())))
        self._wake()

    def _wake(self):
        try:
            self._wake_w.send(b"\0")
        except (BlockingIOError, OSError):
            pass  # already awake (buffer full) or closed

    # -- the I/O thread ----------------------------------------------------

    def _run(self):
        selector = selectors.DefaultSelector()
        selector.register(self._wake_r, selectors.EVENT_READ)
        selector.register(self._sock, selectors.EVENT_READ)
        decoder = FrameDecoder(self.max_frame_size)
        out = bytearray()
        watching_writes = False
        error = None
        try:
            while True:
                # Deadlines first: a call whose time is up ends DEADLINE_EXCEEDED
                # even if its answer is already waiting in the socket.
                self._expire_deadlines()
                with self._lock:
                    if self._closed_error is not None:
                        break
                    leaving = self._leaving
                    for call, data in self._outgoing:
                        if call is not None:
                            if self._calls.get(call.call_id) is not call:
                                continue  # ended (deadline, cancel) before it was sent
                            call.sent = True
                        out += data
                    self._outgoing.clear()
                    next_deadline = self._deadlines[0][0] if self._deadlines else None
                if leaving:
                    self._say_goodbye(out)
                    break
                if out:
                    try:
                        # OpenSSL writes all or nothing here and wants the same
                        # bytes again after "want write": `out` only grows at its end.
                        sent = self._sock.send(out)
                        del out[:sent]
                    except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
                        pass
                if watching_writes != bool(out):
                    watching_writes = bool(out)
                    selector.modify(self._sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if out else 0))
                timeout = None if next_deadline is None else max(0.0, next_deadline - time.monotonic())
                readable = False
                for key, _ in selector.select(timeout):
                    if key.fileobj is self._wake_r:
                        _drain(self._wake_r)
                    else:
                        readable = True
                if readable:
                    self._expire_deadlines()
                    self._read(decoder)
                with self._lock:
                    drained = self._going_away is not None and not self._calls and not self._outgoing
                if drained:
                    raise RpcError(StatusCode.UNAVAILABLE, "the server at %s is going away: %s" % (self.address, self._going_away))
        except RpcError as e:
            error = e
        except FrameTooLarge as e:
            error = RpcError(StatusCode.UNAVAILABLE, "protocol error from %s: %s" % (self.address, e))
        except (OSError, ssl.SSLError) as e:
            error = RpcError(StatusCode.UNAVAILABLE, "connection to %s lost: %s" % (self.address, e))
        finally:
            selector.close()
            self._shut_down(error)

    def _say_goodbye(self, out):
        """close(): the calls still open end here; the server hears a GoAway (§7)."""
        frame = rpc_pb2.Frame(call_id=0, go_away=rpc_pb2.GoAway(reason="client closed the connection"))
        out += encode_frame(frame.SerializeToString())
        self._sock.setblocking(True)
        self._sock.settimeout(1.0)
        try:
            self._sock.sendall(out)
            self._sock.unwrap()  # close_notify
        except (OSError, ssl.SSLError, ValueError):
            pass
        raise RpcError(StatusCode.UNAVAILABLE, "connection closed by the client")

    def _shut_down(self, error):
        with self._lock:
            if self._closed_error is None:
                self._closed_error = error or RpcError(StatusCode.UNAVAILABLE, "connection to %s closed" % self.address)
            failure = self._closed_error
            calls = list(self._calls.values())
            self._calls.clear()
            pings = list(self._pings.values())
            self._pings.clear()
            self._outgoing.clear()
        for call in calls:
            _finish(call, failure)
        for waiter in pings:
            if not waiter.done():
                waiter.set_exception(failure)
        for closeable in (self._sock, self._wake_r, self._wake_w):
            try:
                closeable.close()
            except OSError:
                pass

    def _read(self, decoder):
        while True:
            try:
                data = self._sock.recv(65536)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                return
            except ssl.SSLZeroReturnError:
                data = b""
            if not data:
                raise RpcError(StatusCode.UNAVAILABLE, "connection to %s closed by the server" % self.address)
            for body in decoder.feed(data):
                frame = rpc_pb2.Frame()
                try:
                    frame.ParseFromString(body)
                except Exception as e:  # protobuf's DecodeError
                    raise RpcError(StatusCode.UNAVAILABLE, "protocol error from %s: undecodable frame (%s)" % (self.address, e))
                self._handle(frame)

    def _handle(self, frame):
        kind = frame.WhichOneof("kind")
        if kind == "response":
            with self._lock:
                call = self._calls.pop(frame.call_id, None)
            if call is None:
                return  # the answer to a call we already gave up on
            r = frame.response
            if r.status_code == StatusCode.OK:
                _finish(call, payload=r.payload)
            else:
                _finish(call, RpcError(r.status_code, r.status_message, [(t.key, t.value) for t in r.trailers]))
        elif kind == "stream_message":
            with self._lock:
                call = self._calls.get(frame.call_id)
            if call is not None and call.stream is not None:
                call.stream.put(frame.stream_message.payload)
        elif kind == "ping":
            self._queue(None, rpc_pb2.Frame(call_id=0, pong=rpc_pb2.Pong(data=frame.ping.data)))
        elif kind == "pong":
            with self._lock:
                waiter = self._pings.pop(frame.pong.data, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        elif kind == "go_away":
            code, reason = frame.go_away.code, frame.go_away.reason
            if code != rpc_pb2.GO_AWAY_CODE_NO_ERROR:
                name = rpc_pb2.GoAwayCode.Name(code) if code in rpc_pb2.GoAwayCode.values() else str(code)
                raise RpcError(StatusCode.UNAVAILABLE, "server sent GoAway %s: %s" % (name, reason))
            with self._lock:
                self._going_away = reason or "shutting down"
        else:
            raise RpcError(StatusCode.UNAVAILABLE, "protocol error from %s: unexpected %s frame from the server"
                           % (self.address, kind or "empty"))

    def _expire_deadlines(self):
        now = time.monotonic()
        expired = []
        with self._lock:
            while self._deadlines and self._deadlines[0][0] <= now:
                _, call_id, call = heapq.heappop(self._deadlines)
                if self._calls.get(call_id) is call:
                    expired.append(call)
        for call in expired:
            self._end(call, RpcError(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before %s answered (client side)" % call.method))


class Stream:
    """The messages of a server-streaming call, as bytes, in order.

    Iterating blocks for the next message; the iteration ends when the server
    ends the call OK and raises RpcError otherwise. `cancel()` gives up.
    """

    def __init__(self, connection, call):
        self._connection = connection
        self._call = call

    def __iter__(self):
        return self

    def __next__(self):
        item = self._call.stream.get()
        if item is _STREAM_END:
            self._call.stream.put(_STREAM_END)  # stays ended
            raise StopIteration
        if isinstance(item, RpcError):
            self._call.stream.put(item)
            raise item
        return item

    def cancel(self):
        """Ends the call: the server is told; iteration then raises CANCELLED."""
        self._connection._end(self._call, RpcError(StatusCode.CANCELLED, "cancelled by the client"))

    @property
    def call_id(self):
        return self._call.call_id


def _finish(call, error=None, payload=b""):
    if call.stream is not None:
        call.stream.put(error if error is not None else _STREAM_END)
    try:
        if error is not None:
            call.future.set_exception(error)
        else:
            call.future.set_result(payload)
    except concurrent.futures.InvalidStateError:
        pass  # its owner cancelled the future meanwhile


def _drain(sock):
    try:
        while sock.recv(4096):
            pass
    except (BlockingIOError, OSError):
        pass


def _tls_context(ca, cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols([ALPN])
    try:
        context.load_verify_locations(ca)
    except (OSError, ssl.SSLError) as error:
        raise ConnectError(StatusCode.INVALID_ARGUMENT, "cannot load the CA file %r: %s" % (ca, error),
                           "ca must be a PEM file with the CA that signed the server's certificate") from error
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        raise ConnectError(StatusCode.INVALID_ARGUMENT, "cannot load the client certificate %r with key %r: %s" % (cert, key, error),
                           "cert and key must be PEM files of one key pair") from error
    return context


def _handshake_hint(message):
    text = message.lower()
    if any(s in text for s in ("unknown ca", "certificate required", "bad certificate", "certificate unknown", "expired")):
        return ("the server refused this client certificate: it must come from a CA in the server's "
                "--client-ca file (and be unexpired)")
    if "no application protocol" in text or "alpn" in text:
        return "the server does not speak consent-rpc/1: is this port a consentd?"
    return "check the address and the ca/cert/key files"


def _metadata_items(metadata):
    if not metadata:
        return []
    return metadata.items() if hasattr(metadata, "items") else metadata


def _deadline_ms(timeout):
    if not timeout:
        return 0
    return max(1, min(0xFFFFFFFF, int(timeout * 1000 + 0.999)))
