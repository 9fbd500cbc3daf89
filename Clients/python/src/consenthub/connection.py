"""One multiplexed TLS connection to consentd (docs/PROTOCOL.md).

A single I/O thread owns the socket: OpenSSL objects must not be read and
written from two threads at once, so callers queue frames and wake the thread
through a socket pair. Many calls can be in flight; answers are matched to
calls by call id, in whatever order the server completes them.
"""

import concurrent.futures
import heapq
import itertools
import os
import queue
import selectors
import socket
import ssl
import threading
import time

from consent.v1 import rpc_pb2

from .framing import DEFAULT_MAX_FRAME_SIZE, FrameDecoder, FrameTooLarge, encode_frame
from .status import RpcError, StatusCode

ALPN = "consent-rpc/1"
_STREAM_END = object()


class _Call:
    __slots__ = ("call_id", "future", "stream", "deadline", "method")

    def __init__(self, call_id, method, deadline, streaming):
        self.call_id = call_id
        self.method = method
        self.future = concurrent.futures.Future()
        self.stream = queue.Queue() if streaming else None
        self.deadline = deadline


class Connection:
    """A TLS connection with many calls in flight.

    `unary()` blocks; `start_unary()` returns a concurrent.futures.Future;
    `server_stream()` returns an iterator of message bytes. Every failure is an
    RpcError carrying a status code (UNAVAILABLE when the connection is lost).
    """

    def __init__(self, address, ca, cert, key, connect_timeout=10.0, max_frame_size=DEFAULT_MAX_FRAME_SIZE):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError("address must be HOST:PORT, not %r" % address)
        host = host.strip("[]")
        self.address = address
        self.max_frame_size = max_frame_size
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_verify_locations(ca)
        context.load_cert_chain(cert, key)
        context.set_alpn_protocols([ALPN])
        try:
            raw = socket.create_connection((host, int(port)), timeout=connect_timeout)
        except OSError as error:
            raise RpcError(StatusCode.UNAVAILABLE, "cannot connect to %s: %s" % (address, error.strerror or error)) from error
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._sock = context.wrap_socket(raw, server_hostname=host)
        except (ssl.SSLError, OSError) as error:
            raw.close()
            raise RpcError(StatusCode.UNAVAILABLE, "TLS handshake with %s failed: %s" % (address, error)) from error
        if self._sock.selected_alpn_protocol() != ALPN:
            self._sock.close()
            raise RpcError(StatusCode.UNAVAILABLE, "server at %s did not agree to ALPN %s" % (address, ALPN))
        self._sock.setblocking(False)

        self._lock = threading.Lock()
        self._calls = {}
        self._pings = {}
        self._ids = itertools.count(1)
        self._outgoing = []
        self._deadlines = []
        self._closed_error = None
        self._going_away = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._thread = threading.Thread(target=self._run, name="consenthub-io", daemon=True)
        self._thread.start()

    # -- calls -------------------------------------------------------------

    def start_unary(self, method, payload, timeout=None, metadata=None):
        """Starts a unary call; the Future's result is the response bytes."""
        return self._start(method, payload, timeout, metadata, streaming=False).future

    def unary(self, method, payload, timeout=None, metadata=None):
        """Makes a unary call and returns the response bytes, or raises RpcError."""
        return self.start_unary(method, payload, timeout, metadata).result()

    def server_stream(self, method, payload, timeout=None, metadata=None):
        """Starts a server-streaming call; yields each message's bytes, raises RpcError on a non-OK end."""
        call = self._start(method, payload, timeout, metadata, streaming=True)
        return _StreamIterator(self, call)

    def ping(self, timeout=5.0):
        """Round-trip time of a Ping/Pong, in seconds."""
        data = int.from_bytes(os.urandom(8), "big")
        waiter = concurrent.futures.Future()
        with self._lock:
            self._check_open()
            self._pings[data] = waiter
        started = time.perf_counter()
        self._send(rpc_pb2.Frame(call_id=0, ping=rpc_pb2.Ping(data=data)))
        try:
            waiter.result(timeout)
        except concurrent.futures.TimeoutError:
            with self._lock:
                self._pings.pop(data, None)
            raise RpcError(StatusCode.DEADLINE_EXCEEDED, "no Pong within %.1f s" % timeout)
        return time.perf_counter() - started

    def cancel(self, future):
        """Cancels the call behind a Future from start_unary."""
        with self._lock:
            call = next((c for c in self._calls.values() if c.future is future), None)
        if call is not None:
            self._cancel(call, "cancelled by the client")

    def close(self):
        with self._lock:
            if self._closed_error is None:
                self._closed_error = RpcError(StatusCode.UNAVAILABLE, "connection closed by the client")
        self._wake()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def in_flight(self):
        with self._lock:
            return len(self._calls)

    # -- internals ---------------------------------------------------------

    def _check_open(self):
        if self._closed_error is not None:
            raise self._closed_error
        if self._going_away:
            raise RpcError(StatusCode.UNAVAILABLE, "server at %s is going away; open a new connection" % self.address)

    def _start(self, method, payload, timeout, metadata, streaming):
        deadline = time.monotonic() + timeout if timeout else None
        with self._lock:
            self._check_open()
            call_id = next(self._ids) & 0xFFFFFFFF or next(self._ids)
            while call_id in self._calls:
                call_id = next(self._ids) & 0xFFFFFFFF or next(self._ids)
            call = _Call(call_id, method, deadline, streaming)
            self._calls[call_id] = call
            if deadline is not None:
                heapq.heappush(self._deadlines, (deadline, call_id, call))
        request = rpc_pb2.Request(method=method, payload=payload, deadline_ms=_deadline_ms(timeout))
        for key, value in (metadata or {}).items():
            request.metadata.add(key=key.lower(), value=str(value))
        self._send(rpc_pb2.Frame(call_id=call_id, request=request))
        return call

    def _send(self, frame):
        data = encode_frame(frame.SerializeToString())
        with self._lock:
            self._outgoing.append(data)
        self._wake()

    def _wake(self):
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass

    def _cancel(self, call, message, code=StatusCode.CANCELLED):
        with self._lock:
            if self._calls.get(call.call_id) is not call:
                return
            del self._calls[call.call_id]
        self._finish(call, RpcError(code, message))
        if self._closed_error is None:
            self._send(rpc_pb2.Frame(call_id=call.call_id, cancel=rpc_pb2.Cancel()))

    @staticmethod
    def _finish(call, error=None, payload=b""):
        if call.stream is not None:
            call.stream.put(error if error is not None else _STREAM_END)
        if not call.future.done():
            if error is not None:
                call.future.set_exception(error)
            else:
                call.future.set_result(payload)

    def _run(self):
        selector = selectors.DefaultSelector()
        selector.register(self._wake_r, selectors.EVENT_READ)
        selector.register(self._sock, selectors.EVENT_READ)
        decoder = FrameDecoder(self.max_frame_size)
        out = bytearray()
        want_write = False
        error = None
        try:
            while True:
                with self._lock:
                    if self._closed_error is not None:
                        break
                    if self._outgoing:
                        out += b"".join(self._outgoing)
                        self._outgoing.clear()
                    next_deadline = self._deadlines[0][0] if self._deadlines else None
                if out:
                    try:
                        sent = self._sock.send(out)
                        del out[:sent]
                    except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
                        pass
                events = selectors.EVENT_READ | (selectors.EVENT_WRITE if out else 0)
                if want_write != bool(out):
                    selector.modify(self._sock, events)
                    want_write = bool(out)
                timeout = None if next_deadline is None else max(0.0, next_deadline - time.monotonic())
                for key, _ in selector.select(timeout):
                    if key.fileobj is self._wake_r:
                        try:
                            while self._wake_r.recv(4096):
                                pass
                        except BlockingIOError:
                            pass
                    else:
                        self._read(decoder)
                self._expire_deadlines()
        except RpcError as e:
            error = e
        except FrameTooLarge as e:
            error = RpcError(StatusCode.UNAVAILABLE, "server sent an oversized frame: %s" % e)
        except (OSError, ssl.SSLError) as e:
            error = RpcError(StatusCode.UNAVAILABLE, "connection to %s lost: %s" % (self.address, e))
        finally:
            selector.close()
            with self._lock:
                if self._closed_error is None:
                    self._closed_error = error or RpcError(StatusCode.UNAVAILABLE, "connection to %s closed" % self.address)
                failure = self._closed_error
                calls = list(self._calls.values())
                self._calls.clear()
                pings = list(self._pings.values())
                self._pings.clear()
            for call in calls:
                self._finish(call, failure)
            for waiter in pings:
                if not waiter.done():
                    waiter.set_exception(failure)
            try:
                self._sock.close()
            except OSError:
                pass
            self._wake_r.close()
            self._wake_w.close()

    def _read(self, decoder):
        while True:
            try:
                data = self._sock.recv(65536)
            except (ssl.SSLWantReadError, BlockingIOError):
                return
            except ssl.SSLWantWriteError:
                return
            if not data:
                raise RpcError(StatusCode.UNAVAILABLE, "server at %s closed the connection" % self.address)
            for body in decoder.feed(data):
                frame = rpc_pb2.Frame()
                frame.ParseFromString(body)
                self._handle(frame)

    def _handle(self, frame):
        kind = frame.WhichOneof("kind")
        if kind == "response":
            with self._lock:
                call = self._calls.pop(frame.call_id, None)
            if call is None:
                return  # answer to a call we already cancelled or timed out
            r = frame.response
            if r.status_code == StatusCode.OK:
                self._finish(call, payload=r.payload)
            else:
                trailers = [(t.key, t.value) for t in r.trailers]
                self._finish(call, RpcError(r.status_code, r.status_message, trailers))
        elif kind == "stream_message":
            with self._lock:
                call = self._calls.get(frame.call_id)
            if call is not None and call.stream is not None:
                call.stream.put(frame.stream_message.payload)
        elif kind == "ping":
            self._send(rpc_pb2.Frame(call_id=0, pong=rpc_pb2.Pong(data=frame.ping.data)))
        elif kind == "pong":
            with self._lock:
                waiter = self._pings.pop(frame.pong.data, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        elif kind == "go_away":
            code = frame.go_away.code
            if code == rpc_pb2.GO_AWAY_CODE_NO_ERROR:
                with self._lock:
                    self._going_away = True
            else:
                name = rpc_pb2.GoAwayCode.Name(code) if code in rpc_pb2.GoAwayCode.values() else str(code)
                raise RpcError(StatusCode.UNAVAILABLE, "server sent GoAway %s: %s" % (name, frame.go_away.reason))

    def _expire_deadlines(self):
        now = time.monotonic()
        expired = []
        with self._lock:
            while self._deadlines and self._deadlines[0][0] <= now:
                _, call_id, call = heapq.heappop(self._deadlines)
                if self._calls.get(call_id) is call:
                    expired.append(call)
        for call in expired:
            self._cancel(call, "deadline exceeded before %s answered" % call.method, StatusCode.DEADLINE_EXCEEDED)


class _StreamIterator:
    def __init__(self, connection, call):
        self._connection = connection
        self._call = call

    def __iter__(self):
        return self

    def __next__(self):
        item = self._call.stream.get()
        if item is _STREAM_END:
            raise StopIteration
        if isinstance(item, RpcError):
            raise item
        return item

    def cancel(self):
        self._connection._cancel(self._call, "cancelled by the client")


def _deadline_ms(timeout):
    if not timeout:
        return 0
    return max(1, min(0xFFFFFFFF, int(timeout * 1000 + 0.999)))
