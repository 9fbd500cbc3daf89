"""Client classes built from service descriptors (no server needed)."""

import pytest

import consenthub
from consent.v1 import health_pb2
from consenthub import ServiceClient, client_class_name, service_client, snake_case


def test_method_names_are_snake_case():
    assert snake_case("Check") == "check"
    assert snake_case("ExchangeCodes") == "exchange_codes"
    assert snake_case("GetSigningKeys") == "get_signing_keys"
    assert snake_case("GetJWKS") == "get_jwks"


def test_class_names_drop_the_service_suffix():
    assert client_class_name("Health") == "HealthClient"
    assert client_class_name("TokenService") == "TokenClient"
    assert client_class_name("RegistryService") == "RegistryClient"


def test_health_client_is_built_from_the_descriptor():
    cls = service_client(health_pb2.DESCRIPTOR.services_by_name["Health"])
    assert issubclass(cls, ServiceClient) and cls.service == "consent.v1.Health"
    assert "HealthCheckRequest" in cls.check.__doc__ and "HealthStatsResponse" in cls.stats.__doc__
    assert consenthub.HealthClient.service == "consent.v1.Health"


def test_every_generated_service_has_a_client():
    clients = consenthub.all_service_clients()
    assert "HealthClient" in clients
    for name, cls in clients.items():
        assert getattr(consenthub, name).service == cls.service


def test_unknown_client_names_are_attribute_errors():
    with pytest.raises(AttributeError):
        consenthub.NopeClient


class _Recorder:
    """A connection stand-in that records what a client sends."""

    address = "test"

    def __init__(self):
        self.calls = []

    def check_may_block(self):
        pass

    def start_unary(self, method, payload, timeout=None, metadata=None):
        import concurrent.futures
        self.calls.append((method, payload, timeout, metadata))
        future = concurrent.futures.Future()
        future.set_result(health_pb2.HealthCheckResponse(status=1).SerializeToString())
        return future


def test_requests_from_fields_or_messages_and_options_per_client():
    connection = _Recorder()
    health = consenthub.HealthClient(connection, timeout=3, metadata={"x-a": "1"})
    assert health.check(service="s").status == 1
    assert health.check(health_pb2.HealthCheckRequest(service="t")).status == 1
    health.with_options(timeout=None, metadata={"x-b": "2"}).check()
    (m1, p1, t1, md1), (_, p2, _, _), (_, _, t3, md3) = connection.calls
    assert m1 == "/consent.v1.Health/Check" and t1 == 3 and md1 == {"x-a": "1"}
    assert health_pb2.HealthCheckRequest.FromString(p1).service == "s"
    assert health_pb2.HealthCheckRequest.FromString(p2).service == "t"
    assert t3 is None and md3 == {"x-a": "1", "x-b": "2"}
    with pytest.raises(TypeError):
        health.check(health_pb2.HealthCheckRequest(), service="both")
    with pytest.raises(TypeError):
        health.check(health_pb2.HealthStatsRequest())


def test_portal_metadata_uses_the_hubs_keys():
    assert consenthub.portal_metadata("15038512363", 4, "HÅKON TRANA", ["910203045", "974760673"]) == {
        "x-consent-user-id": "15038512363",
        "x-consent-assurance-level": "4",
        "x-consent-user-name": "HÅKON TRANA",
        "x-consent-user-signs-for": "910203045,974760673",
    }
