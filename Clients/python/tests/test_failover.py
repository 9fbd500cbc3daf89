"""Several nodes sharing one PostgreSQL database: the client finds the active
node, follows a standby's hint, and rides through a failover."""

import time

import pytest

import consenthub
from consent.v1 import health_pb2
from consenthub import ActiveNodeConnection, HealthClient, RpcError, StatusCode


def _node_status(node):
    with node.connect("admin") as connection:
        return HealthClient(connection, timeout=5).check()


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached within %d s" % seconds)


@pytest.fixture
def two_nodes(private_hub, postgres):
    """Two consentd nodes on one fresh database; the first is the active one."""
    database = postgres.create_database()
    first = private_hub(extra_args=("--postgres", database))
    _wait_for(lambda: _node_status(first).status == health_pb2.HealthCheckResponse.SERVING)
    second = private_hub(extra_args=("--postgres", database))
    _wait_for(lambda: _node_status(second).leader == first.address)
    return first, second


def _certs(node, principal):
    c = node.certs
    return str(c / "ca.pem"), str(c / (principal + ".pem")), str(c / (principal + ".key"))


def test_a_standby_names_the_active_node_and_the_client_follows_it(two_nodes):
    first, second = two_nodes
    status = _node_status(second)
    assert status.status == health_pb2.HealthCheckResponse.NOT_SERVING
    assert status.role == health_pb2.HealthCheckResponse.STANDBY
    assert status.leader == first.address

    # One address, the standby's: the refusal names the active node.
    with second.connect("admin") as standby:
        # Health answers on a standby (above); every other service refuses.
        with pytest.raises(RpcError) as refused:
            standby.unary("/consent.v1.TokenService/GetSigningKeys", b"", timeout=5)
    assert refused.value.code == StatusCode.UNAVAILABLE
    assert ("x-consent-leader", first.address) in refused.value.trailers
    assert ("x-consent-reason", "not_leader") in refused.value.trailers

    # Both addresses, the standby's first: the client ends up on the active node.
    with consenthub.connect(second.address + "," + first.address, *_certs(first, "admin")) as connection:
        assert isinstance(connection, ActiveNodeConnection)
        assert connection.address == first.address
        assert HealthClient(connection, timeout=5).check().status == health_pb2.HealthCheckResponse.SERVING


def test_the_client_rides_through_a_kill_of_the_active_node(two_nodes):
    first, second = two_nodes
    with consenthub.connect([first.address, second.address], *_certs(first, "datasource")) as connection:
        keys = consenthub.TokenClient(connection, timeout=10)
        assert keys.get_signing_keys().jwks
        first.kill()
        # A call racing with the kill may still go to the dead connection
        # and fail UNAVAILABLE (its outcome unknown, so it is not resent);
        # the next one reconnects to whichever node took over (within seconds).
        try:
            answer = keys.get_signing_keys()
        except RpcError as error:
            assert error.code == StatusCode.UNAVAILABLE and "closed" in error.message, error
            answer = keys.get_signing_keys()
        assert answer.jwks
        assert connection.address == second.address
    assert _node_status(second).role == health_pb2.HealthCheckResponse.ACTIVE


def test_no_active_node_is_a_clear_connect_error(certs):
    with pytest.raises(consenthub.ConnectError) as failed:
        consenthub.connect("127.0.0.1:1,127.0.0.1:2", str(certs / "ca.pem"), str(certs / "admin.pem"), str(certs / "admin.key"),
                           failover_timeout=1)
    assert "no active node among 127.0.0.1:1, 127.0.0.1:2" in str(failed.value)
