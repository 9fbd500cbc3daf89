"""Service clients, built from the service descriptors of the generated _pb2 modules.

    health = HealthClient(connection)
    health.check()                      # HealthCheckResponse
    health.check(service="consent.v1.TokenService")
    health.with_options(timeout=0.5).stats()
    future = health.check.future()      # a Future of the parsed response

Each RPC becomes a snake_case method. It takes the request message, or its
fields as keyword arguments, and returns the response message (unary) or an
iterator of messages (server streaming). The deadline and metadata of calls
are client options, so they never collide with a request field's name.
"""

import concurrent.futures
import importlib
import pkgutil
import re

from google.protobuf.message_factory import GetMessageClass

import consent.v1

from .connection import Connection
from .failover import ActiveNodeConnection, parse_addresses
from .status import RpcError, StatusCode


class ServiceClient:
    """Base of the generated clients: a connection plus call options."""

    service = ""  # the full service name, e.g. "consent.v1.Health"

    def __init__(self, connection, timeout=10.0, metadata=None):
        """`timeout`: seconds each call may take (None: no deadline; a live
        stream should have none). `metadata`: sent with every call, e.g. the
        portal's end-user statement {"x-consent-user-id": ...}."""
        self.connection = connection
        self.timeout = timeout
        self.metadata = dict(metadata or {})

    def with_options(self, timeout=..., metadata=None):
        """A copy of this client with another timeout and/or more metadata."""
        return type(self)(self.connection, self.timeout if timeout is ... else timeout, {**self.metadata, **(metadata or {})})

    def __repr__(self):
        return "<%s %s on %s>" % (type(self).__name__, self.service, self.connection.address)


class _UnaryMethod:
    """A unary RPC as a method: `client.name(request_or_fields)` and `client.name.future(...)`."""

    def __init__(self, path, request_class, response_class, doc):
        self.path, self.request_class, self.response_class, self.__doc__ = path, request_class, response_class, doc

    def __get__(self, client, owner=None):
        return self if client is None else _BoundUnary(self, client)


class _BoundUnary:
    def __init__(self, method, client):
        self._method, self._client = method, client
        self.__doc__ = method.__doc__

    def __call__(self, request=None, **fields):
        self._client.connection.check_may_block()
        return self.future(request, **fields).result()

    def future(self, request=None, **fields):
        """Starts the call; the Future's result is the parsed response message."""
        m, client = self._method, self._client
        payload = _request(m.request_class, request, fields).SerializeToString()
        raw = client.connection.start_unary(m.path, payload, timeout=client.timeout, metadata=client.metadata)
        parsed = concurrent.futures.Future()

        def done(f):
            if f.cancelled():
                parsed.cancel()
                return
            error = f.exception()
            if error is not None:
                parsed.set_exception(error)
                return
            response = m.response_class()
            try:
                response.ParseFromString(f.result())
            except Exception as e:  # protobuf's DecodeError
                parsed.set_exception(RpcError(StatusCode.INTERNAL, "the server's answer is not a valid %s: %s"
                                              % (m.response_class.DESCRIPTOR.full_name, e)))
                return
            parsed.set_result(response)

        raw.add_done_callback(done)
        # Cancelling the returned future cancels the call on the server.
        parsed.add_done_callback(lambda p: raw.cancel() if p.cancelled() else None)
        return parsed


class _StreamMethod(_UnaryMethod):
    """A server-streaming RPC: `client.name(...)` returns an iterator of messages with `cancel()`."""

    def __get__(self, client, owner=None):
        if client is None:
            return self
        method = self

        def call(request=None, **fields):
            payload = _request(method.request_class, request, fields).SerializeToString()
            stream = client.connection.server_stream(method.path, payload, timeout=client.timeout, metadata=client.metadata)
            return _MessageStream(stream, method.response_class)

        call.__doc__ = self.__doc__
        return call


class _MessageStream:
    def __init__(self, stream, response_class):
        self._stream, self._response_class = stream, response_class

    def __iter__(self):
        return self

    def __next__(self):
        message = self._response_class()
        message.ParseFromString(next(self._stream))
        return message

    def cancel(self):
        self._stream.cancel()


def _request(request_class, request, fields):
    if request is None:
        return request_class(**fields)
    if fields:
        raise TypeError("give the request message or its fields, not both")
    if not isinstance(request, request_class):
        raise TypeError("expected a %s, got %s" % (request_class.DESCRIPTOR.full_name, type(request).__name__))
    return request


def snake_case(name):
    """`ExchangeCodes` -> `exchange_codes`, `GetJWKS` -> `get_jwks`."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def client_class_name(service_name):
    """`Health` -> `HealthClient`, `TokenService` -> `TokenClient`."""
    base = service_name[:-len("Service")] if service_name.endswith("Service") and service_name != "Service" else service_name
    return base + "Client"


def service_client(service_descriptor, class_name=None):
    """A client class for a service of a generated _pb2 module:

        HealthClient = service_client(health_pb2.DESCRIPTOR.services_by_name["Health"])

    Each RPC becomes a snake_case method (see the module's doc)."""
    members = {"service": service_descriptor.full_name, "__doc__": "Client of %s (generated from its descriptor)." % service_descriptor.full_name}
    for method in service_descriptor.methods:
        if method.client_streaming:
            continue  # not in the protocol: calls carry one request
        path = "/%s/%s" % (service_descriptor.full_name, method.name)
        kind = _StreamMethod if method.server_streaming else _UnaryMethod
        doc = "%s(%s) -> %s%s" % (path, method.input_type.name, "stream of " if method.server_streaming else "", method.output_type.name)
        members[snake_case(method.name)] = kind(path, GetMessageClass(method.input_type), GetMessageClass(method.output_type), doc)
    return type(class_name or client_class_name(service_descriptor.name), (ServiceClient,), members)


def all_service_clients():
    """A client class for every service of every consent.v1 _pb2 module, by class name."""
    classes = {}
    for module_info in pkgutil.iter_modules(consent.v1.__path__):
        if not module_info.name.endswith("_pb2"):
            continue
        module = importlib.import_module("consent.v1." + module_info.name)
        for service in module.DESCRIPTOR.services_by_name.values():
            classes[client_class_name(service.name)] = service_client(service)
    return classes


def portal_metadata(user_id, assurance_level, user_name=None, signs_for=None, org_roles=None):
    """The metadata by which the portal role states the logged-in end user
    (DESIGN §6); the hub ignores it from other roles.

        ConsentClient(conn, metadata=portal_metadata("15038512363", 4, "HÅKON TRANA"))

    `org_roles` gives the roles the user holds in organisations they may act
    for (issue 12: checked against a resource's organisation_authority), as
    {"910000001": ["DAGL", "SIGN"]} or already as the header's text
    "910000001=DAGL,SIGN;912345678=LEDE".
    """
    metadata = {"x-consent-user-id": str(user_id), "x-consent-assurance-level": str(assurance_level)}
    if user_name is not None:
        metadata["x-consent-user-name"] = user_name
    if signs_for:
        metadata["x-consent-user-signs-for"] = signs_for if isinstance(signs_for, str) else ",".join(signs_for)
    if org_roles:
        metadata["x-consent-user-org-roles"] = org_roles_text(org_roles)
    return metadata


def org_roles_text(org_roles):
    """{"910000001": ["DAGL", "SIGN"]} as x-consent-user-org-roles' text,
    "910000001=DAGL,SIGN" (entries sorted by organisation); a string is
    returned as it is."""
    if isinstance(org_roles, str):
        return org_roles
    return ";".join(f"{org}={','.join(roles)}" for org, roles in sorted(org_roles.items()))


def vendor_metadata(consumer):
    """The metadata by which the vendor role names the consumer it acts for
    (`x-consent-acting-for`, issue 12); the hub ignores it from other roles.

        ConsentClient(conn, metadata=vendor_metadata("910203045"))
    """
    return {"x-consent-acting-for": str(consumer)}


def connect(address, ca, cert, key, **kw):
    """Opens a Connection (see Connection for the keyword options); use it
    with the service clients, and close it (or use it in a `with` block).

    `address` is "HOST:PORT", or several ("a:7443,b:7443" or a list) for a
    hub that runs as nodes sharing one PostgreSQL database: then an
    ActiveNodeConnection, which finds the active node and follows the
    standbys' hint (consenthub.failover; `failover_timeout` seconds)."""
    addresses = parse_addresses(address)
    if len(addresses) > 1:
        return ActiveNodeConnection(addresses, ca, cert, key, **kw)
    return Connection(addresses[0], ca, cert, key, **kw)
