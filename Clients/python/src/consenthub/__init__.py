"""ConsentHub client: framing, a multiplexed TLS connection, and a client per service.

    from consenthub import connect, HealthClient
    with connect("127.0.0.1:7443", "dev-certs/ca.pem", "dev-certs/consumer.pem", "dev-certs/consumer.key") as conn:
        print(HealthClient(conn).check().status)

Every service of Proto/consent/v1 has a client class named after it
(Health -> HealthClient, TokenService -> TokenClient), built from the
generated descriptors: `consenthub.TokenClient` exists as soon as token_pb2 does.
"""

from consent.v1 import health_pb2

from .client import (ServiceClient, all_service_clients, client_class_name, connect, org_roles_text, portal_metadata, service_client,
                     snake_case, vendor_metadata)
from .connection import CallFuture, Connection, Stream
from .failover import ActiveNodeConnection
from .framing import FrameDecoder, FrameTooLarge, encode_frame
from .lazy import LazyConnection
from .status import ConnectError, RpcError, StatusCode, status_name

HealthClient = service_client(health_pb2.DESCRIPTOR.services_by_name["Health"])

__all__ = [
    "ActiveNodeConnection", "CallFuture", "ConnectError", "Connection", "FrameDecoder", "FrameTooLarge", "HealthClient",
    "LazyConnection", "RpcError",
    "ServiceClient", "StatusCode", "Stream", "all_service_clients", "client_class_name", "connect", "encode_frame",
    "org_roles_text", "portal_metadata", "service_client", "snake_case", "status_name", "vendor_metadata",
]

_generated = None


def __getattr__(name):
    # Clients of services added to Proto/ later (TokenClient, RegistryClient,
    # ConsentClient…) without editing this file.
    global _generated
    if name.endswith("Client"):
        if _generated is None:
            _generated = all_service_clients()
        if name in _generated:
            return _generated[name]
    raise AttributeError("module 'consenthub' has no attribute %r" % name)
