"""Typed clients, one per service, over a shared Connection."""

from consent.v1 import health_pb2

from .connection import Connection


class _Service:
    """Base of the service clients: typed unary and streaming calls."""

    service = ""

    def __init__(self, connection, metadata=None, timeout=10.0):
        self.connection = connection
        self.metadata = dict(metadata or {})
        self.timeout = timeout

    def _unary(self, method, request, response_type, timeout=None, metadata=None):
        payload = self.connection.unary(
            "/%s/%s" % (self.service, method), request.SerializeToString(),
            timeout=self.timeout if timeout is None else timeout, metadata={**self.metadata, **(metadata or {})},
        )
        response = response_type()
        response.ParseFromString(payload)
        return response

    def _stream(self, method, request, response_type, timeout=None, metadata=None):
        for payload in self.connection.server_stream(
            "/%s/%s" % (self.service, method), request.SerializeToString(),
            timeout=timeout, metadata={**self.metadata, **(metadata or {})},
        ):
            response = response_type()
            response.ParseFromString(payload)
            yield response


class HealthClient(_Service):
    """consent.v1.Health: any authenticated caller."""

    service = "consent.v1.Health"

    def check(self, service="", **kw):
        return self._unary("Check", health_pb2.HealthCheckRequest(service=service), health_pb2.HealthCheckResponse, **kw)

    def stats(self, **kw):
        return self._unary("Stats", health_pb2.HealthStatsRequest(), health_pb2.HealthStatsResponse, **kw)


def connect(address, ca, cert, key, **kw):
    """Opens a Connection; use it with the service clients, or as a context manager."""
    return Connection(address, ca, cert, key, **kw)
