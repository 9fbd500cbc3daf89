"""The bank's only door to consentd, as BANKEN AS (the `consumer` certificate).

A process holds one connection (a `consenthub.LazyConnection`), opened at the
first call — after gunicorn has forked, since a connection's I/O thread does
not survive a fork — and opened again when the hub closed it (idle timeout,
restart). Every call has a deadline.
"""

import consenthub
from consent.v1 import consent_pb2
from consenthub import RpcError, StatusCode


class HubUnavailable(Exception):
    """The hub could not be reached or did not answer in time."""


class HubRefusal(Exception):
    """The hub answered with a refusal: its status, stable reason and message."""

    def __init__(self, code, reason, message):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


class HubLink:
    """Calls to consentd as one principal, on one lazily opened connection."""

    def __init__(self, address, ca, cert, key, timeout, connect_timeout):
        self.timeout = timeout
        self._connection = consenthub.LazyConnection(address, ca, cert, key, connect_timeout=connect_timeout)

    def call(self, client_class, method, retry=False, **fields):
        """Calls `method` of `client_class` with `fields`. `retry`: the call
        may safely be made twice (a read), so after a connection that broke
        the call is made once more, on a new one."""
        for attempt in (1, 2):
            try:
                client = client_class(self._connection.get(), timeout=self.timeout)
                return getattr(client, method)(**fields)
            except consenthub.ConnectError as error:
                raise HubUnavailable(str(error)) from error
            except RpcError as error:
                if error.code == StatusCode.UNAVAILABLE:
                    if retry and attempt == 1:
                        continue
                    raise HubUnavailable(str(error)) from error
                if error.code == StatusCode.DEADLINE_EXCEEDED:
                    raise HubUnavailable(str(error)) from error
                raise HubRefusal(error.code, dict(error.trailers).get("x-consent-reason", ""), error.message) from error

    def close(self):
        self._connection.close()


class Hub:
    """The calls the bank makes (seed 003 figure 1: steps 1, 5; figure 2)."""

    def __init__(self, link):
        self.link = link

    @classmethod
    def from_config(cls, config):
        return cls(HubLink(config["HUB_ADDRESS"], config["HUB_CA"], config["HUB_CERT"], config["HUB_KEY"],
                           config["HUB_TIMEOUT"], config["HUB_CONNECT_TIMEOUT"]))

    def create_request(self, resources, offered_by, redirect_url, valid_to_ms, language, purpose, idempotency_key):
        """Registers a consent request; returns it (ConsentRequest). The
        idempotency key makes a retry on a fresh connection safe."""
        requested = [consent_pb2.RequestedResource(resource_id=resource, metadata=[
            consent_pb2.ResourceMetadataValue(key=k, value=v) for k, v in metadata.items()])
            for resource, metadata in resources.items()]
        return self.link.call(consenthub.ConsentClient, "create_request", retry=True, resources=requested,
                              offered_by=offered_by, redirect_url=redirect_url, valid_to_ms=valid_to_ms,
                              language=language, purpose=purpose, idempotency_key=idempotency_key).request

    def request_status(self, request_id):
        """The request (or consent) as the hub has it now."""
        return self.link.call(consenthub.ConsentClient, "get_request_status", retry=True, request_id=request_id).request

    def exchange_code(self, code):
        """The one-time code for a token (TokenGrant). Never retried: a code works once."""
        return self.link.call(consenthub.TokenClient, "exchange_code", code=code).grant

    def issue_token(self, consent_id):
        """A fresh token for a live consent (TokenGrant), "gjenbruk av samtykke"."""
        return self.link.call(consenthub.TokenClient, "issue_token", retry=True, consent_id=consent_id).grant

    def close(self):
        self.link.close()
