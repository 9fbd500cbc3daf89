"""What goes wrong, and how the client says so: TLS, unknown principals,
cancellation, deadlines against a stalled server, and shutdown (GoAway)."""

import concurrent.futures
import time

import pytest

import consenthub
from consenthub import ConnectError, HealthClient, RpcError, StatusCode

from conftest import principals_without


def test_nothing_listening_is_a_clear_connect_error(certs):
    with pytest.raises(ConnectError) as info:
        consenthub.connect("127.0.0.1:1", str(certs / "ca.pem"), str(certs / "consumer.pem"), str(certs / "consumer.key"))
    assert info.value.code == StatusCode.UNAVAILABLE
    assert "cannot connect to 127.0.0.1:1" in str(info.value) and "hint:" in str(info.value)


def test_wrong_ca_is_a_tls_error_about_the_server_certificate(hub, certs, other_certs):
    with pytest.raises(ConnectError) as info:
        consenthub.connect(hub.address, str(other_certs / "ca.pem"), str(certs / "consumer.pem"), str(certs / "consumer.key"))
    assert info.value.code == StatusCode.UNAVAILABLE
    assert "certificate verify failed" in info.value.message
    assert "does not trust the server's certificate" in info.value.hint


def test_client_certificate_of_another_ca_is_refused_at_connect(hub, certs, other_certs):
    # TLS 1.3: the server's verdict arrives after the handshake; the connect
    # Ping turns it into a ConnectError instead of a failing first call.
    with pytest.raises(ConnectError) as info:
        consenthub.connect(hub.address, str(certs / "ca.pem"), str(other_certs / "consumer.pem"), str(other_certs / "consumer.key"))
    assert "refused this client certificate" in info.value.hint


def test_missing_key_file_is_a_local_error(certs):
    with pytest.raises(ConnectError) as info:
        consenthub.connect("127.0.0.1:1", str(certs / "ca.pem"), str(certs / "consumer.pem"), str(certs / "nope.key"))
    assert info.value.code == StatusCode.INVALID_ARGUMENT


def test_certificate_of_our_ca_for_an_unknown_organisation_is_unauthenticated(private_hub, certs, tmp_path):
    principals, org = principals_without(certs, tmp_path, "admin")
    server = private_hub(principals=principals)
    with server.connect("admin") as connection:  # the handshake succeeds: same CA
        with pytest.raises(RpcError) as info:
            HealthClient(connection).check()
    assert info.value.code == StatusCode.UNAUTHENTICATED
    assert org in info.value.message


def test_cancelling_an_unanswered_call(private_hub):
    server = private_hub()
    with server.connect() as connection:
        health = HealthClient(connection)
        server.pause()  # the server reads nothing: the calls stay in flight
        try:
            first = connection.start_unary("/consent.v1.Health/Check", b"", timeout=30)
            second = health.check.future()
            time.sleep(0.05)
            assert not first.done() and not second.done()
            assert connection.cancel(first)
            assert second.cancel()  # the standard Future way
        finally:
            server.resume()
        with pytest.raises(RpcError) as info:
            first.result(timeout=1)
        assert info.value.code == StatusCode.CANCELLED
        assert second.cancelled()
        assert not connection.cancel(first), "already over"
        # The server's late answers (CANCELLED or OK) are dropped; the
        # connection carries on with the right answers.
        assert [health.check().status for _ in range(3)] == [1, 1, 1]
        assert connection.in_flight == 0


def test_a_stalled_server_gives_deadline_exceeded(private_hub):
    server = private_hub()
    with server.connect() as connection:
        server.pause()
        try:
            started = time.monotonic()
            with pytest.raises(RpcError) as info:
                HealthClient(connection, timeout=0.2).check()
            assert info.value.code == StatusCode.DEADLINE_EXCEEDED
            assert time.monotonic() - started < 10, "the local timer fired, not a server answer"
        finally:
            server.resume()
        assert HealthClient(connection).check().status == 1


def test_sigterm_with_calls_in_flight_completes_or_fails_unavailable(private_hub):
    server = private_hub()
    connection = server.connect()
    health = HealthClient(connection, timeout=20)
    server.pause()
    futures = [health.check.future() for _ in range(100)]
    time.sleep(0.1)  # the requests are in the server's socket buffer
    server.process.send_signal(15)
    server.resume()
    outcomes = set()
    for future in futures:
        try:
            future.result(timeout=20)
            outcomes.add("OK")
        except RpcError as error:
            outcomes.add(error.code.name)
    assert outcomes <= {"OK", "UNAVAILABLE"}, outcomes
    # consentd's signal thread starts the drain on its own time: the paused
    # calls may all be answered before its GoAway is sent. Wait for it.
    give_up = time.monotonic() + 20
    while not (connection.going_away or connection.closed):
        assert time.monotonic() < give_up, "no GoAway 20 s after SIGTERM"
        time.sleep(0.01)
    with pytest.raises(RpcError) as info:
        health.check()  # after GoAway: refused at once, or the connection is gone
    assert info.value.code == StatusCode.UNAVAILABLE
    assert server.process.wait(30) == 0
    connection.close()


def test_sigterm_under_continuous_load_never_hangs(private_hub):
    server = private_hub()
    connection = server.connect()
    health = HealthClient(connection, timeout=20)
    futures = []
    stop = time.monotonic() + 0.3
    while time.monotonic() < stop:
        futures.append(health.check.future())
    server.process.send_signal(15)
    give_up = time.monotonic() + 20
    while True:
        assert time.monotonic() < give_up, "new calls were still accepted 20 s after SIGTERM"
        try:
            futures.append(health.check.future())
        except RpcError as error:
            assert error.code == StatusCode.UNAVAILABLE
            break
    done, not_done = concurrent.futures.wait(futures, timeout=20)
    assert not not_done
    for future in done:
        error = future.exception()
        assert error is None or error.code == StatusCode.UNAVAILABLE
    assert connection.going_away or connection.closed
    assert server.process.wait(30) == 0
    connection.close()
