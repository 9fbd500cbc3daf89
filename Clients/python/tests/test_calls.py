"""Calls against a live consentd: the protocol as a second implementation sees it."""

import concurrent.futures

import pytest

from consent.v1 import health_pb2
from consenthub import HealthClient, RpcError, StatusCode

SERVING = health_pb2.HealthCheckResponse.SERVING
SERVICE_UNKNOWN = health_pb2.HealthCheckResponse.SERVICE_UNKNOWN


def test_health_check_is_serving(conn):
    assert HealthClient(conn).check().status == SERVING


def test_health_check_of_an_unknown_service(conn):
    assert HealthClient(conn).check(service="consent.v1.Nope").status == SERVICE_UNKNOWN


def test_stats_count_the_calls_made(connect_as):
    health = HealthClient(connect_as("admin"))
    before = {m.method: m.calls for m in health.stats().methods}.get("/consent.v1.Health/Check", 0)
    for _ in range(3):
        health.check()
    stats = health.stats()
    assert stats.storage.startswith("log")
    assert stats.connections_open >= 1
    assert {m.method: m.calls for m in stats.methods}["/consent.v1.Health/Check"] == before + 3


def test_ping_measures_a_round_trip(conn):
    assert 0 < conn.ping() < 5


def test_five_hundred_calls_in_flight_on_one_connection_get_their_own_answers(connect_as):
    conn = connect_as("admin")
    health = HealthClient(conn)
    futures = []
    for i in range(500):
        if i % 5 == 4:
            futures.append(("stats", health.stats.future()))
        elif i % 2:
            futures.append(("unknown", health.check.future(service="consent.v1.Nope%d" % i)))
        else:
            futures.append(("serving", health.check.future()))
    assert conn.in_flight <= 500
    for kind, future in futures:
        answer = future.result(timeout=30)
        if kind == "stats":
            assert isinstance(answer, health_pb2.HealthStatsResponse) and answer.uptime_ms > 0
        elif kind == "unknown":
            assert answer.status == SERVICE_UNKNOWN
        else:
            assert answer.status == SERVING
    assert conn.in_flight == 0


def test_calls_from_many_threads_share_one_connection(conn):
    health = HealthClient(conn)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: health.check().status, range(200)))
    assert results == [SERVING] * 200


def test_a_tiny_timeout_is_deadline_exceeded_locally(conn):
    # The I/O thread checks deadlines before it sends or reads, and 1 µs has
    # always passed by then: the call ends without being sent.
    with pytest.raises(RpcError) as info:
        HealthClient(conn, timeout=1e-6).check()
    assert info.value.code == StatusCode.DEADLINE_EXCEEDED
    assert HealthClient(conn).check().status == SERVING, "the connection stays usable"


def test_unknown_method_is_unimplemented(conn):
    with pytest.raises(RpcError) as info:
        conn.unary("/consent.v1.Nope/Check", b"", timeout=5)
    assert info.value.code == StatusCode.UNIMPLEMENTED
    assert "unknown method /consent.v1.Nope/Check" in info.value.message


def test_undecodable_request_is_invalid_argument(conn):
    with pytest.raises(RpcError) as info:
        conn.unary("/consent.v1.Health/Check", b"\xff\xff\xff", timeout=5)
    assert info.value.code == StatusCode.INVALID_ARGUMENT


def test_a_stream_that_fails_raises_its_status(conn):
    stream = conn.server_stream("/consent.v1.Nope/Watch", b"", timeout=5)
    with pytest.raises(RpcError) as info:
        next(stream)
    assert info.value.code == StatusCode.UNIMPLEMENTED
    with pytest.raises(RpcError):
        next(stream)  # stays failed


def test_closing_fails_new_calls_with_unavailable(hub):
    connection = hub.connect()
    health = HealthClient(connection)
    assert health.check().status == SERVING
    connection.close()
    connection.close()  # idempotent
    with pytest.raises(RpcError) as info:
        health.check()
    assert info.value.code == StatusCode.UNAVAILABLE
    assert connection.closed


def test_blocking_inside_a_completion_callback_is_refused_not_a_deadlock(private_hub):
    server = private_hub()
    with server.connect() as connection:
        health = HealthClient(connection)
        seen = concurrent.futures.Future()

        def callback(_):
            try:
                health.check()
                seen.set_result("no error")
            except RuntimeError as error:
                seen.set_result(str(error))

        server.pause()  # the answer cannot come before the callback is in place
        try:
            health.check.future().add_done_callback(callback)
        finally:
            server.resume()
        assert "deadlock" in seen.result(timeout=10)
