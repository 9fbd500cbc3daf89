"""The data source's only door to consentd.

Each agency talks to the hub as itself (its own client certificate): NAV for
5252_1, Skatteetaten for 4629_2 and 4630_1. A process holds one connection
per agency, opened at the first call — after gunicorn has forked, since a
connection's I/O thread does not survive a fork — and opened again when the
hub closed it (idle timeout, restart). Every call has a deadline.
"""

import os
import threading

import consenthub
from consent.v1 import token_pb2
from consenthub import RpcError, StatusCode

AGENCIES = ("nav", "skatt")


class HubUnavailable(Exception):
    """The hub could not be reached or did not answer in time."""


class HubRefusal(Exception):
    """The hub answered with a refusal: its status, stable reason and message."""

    def __init__(self, code, reason, message):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


class HubLink:
    """One lazily opened connection to consentd as one principal."""

    def __init__(self, address, ca, cert, key, timeout, connect_timeout):
        self.address, self.ca, self.cert, self.key = address, ca, cert, key
        self.timeout, self.connect_timeout = timeout, connect_timeout
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None

    def _open(self):
        with self._lock:
            connection = self._connection
            if connection is not None and self._pid == os.getpid():
                if not connection.closed and not connection.going_away:
                    return connection
                connection.close()
            # A connection inherited through fork has no I/O thread here: forget it.
            self._connection = None
            try:
                connection = consenthub.connect(self.address, self.ca, self.cert, self.key,
                                                connect_timeout=self.connect_timeout)
            except consenthub.ConnectError as error:
                raise HubUnavailable(str(error)) from error
            self._connection, self._pid = connection, os.getpid()
            return connection

    def _discard(self, connection):
        with self._lock:
            if self._connection is connection:
                self._connection = None
        connection.close()

    def call(self, client_class, method, retry=False, **fields):
        """Calls `method` of `client_class` with `fields`. `retry`: the call
        may safely be made twice (a read), so a connection found broken is
        replaced and the call made once more."""
        for attempt in (1, 2):
            connection = self._open()
            client = client_class(connection, timeout=self.timeout)
            try:
                return getattr(client, method)(**fields)
            except RpcError as error:
                if error.code == StatusCode.UNAVAILABLE:
                    self._discard(connection)
                    if retry and attempt == 1:
                        continue
                    raise HubUnavailable(str(error)) from error
                if error.code == StatusCode.DEADLINE_EXCEEDED:
                    raise HubUnavailable(str(error)) from error
                raise HubRefusal(error.code, dict(error.trailers).get("x-consent-reason", ""), error.message) from error

    def close(self):
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None


class Hub:
    """The calls the data source makes, each as the agency that owns the resource."""

    def __init__(self, links):
        self.links = links  # agency name -> HubLink

    @classmethod
    def from_config(cls, config):
        def link(agency):
            return HubLink(config["HUB_ADDRESS"], config["HUB_CA"], config[agency.upper() + "_CERT"],
                           config[agency.upper() + "_KEY"], config["HUB_TIMEOUT"], config["HUB_CONNECT_TIMEOUT"])
        return cls({agency: link(agency) for agency in AGENCIES})

    def signing_keys(self):
        """The hub's JWK Set (JSON text), fetched as NAV (any role may)."""
        return self.links["nav"].call(consenthub.TokenClient, "get_signing_keys", retry=True).jwks

    def verify_token(self, agency, token, resource, metadata):
        """Online check (catches a withdrawal); raises HubRefusal with the hub's reason."""
        values = [token_pb2.TokenMetadataValue(key=k, value=v) for k, v in metadata.items()]
        return self.links[agency].call(consenthub.TokenClient, "verify_token", retry=True,
                                       token=token, resource=resource, metadata=values)

    def log_use(self, agency, consent_id, resource):
        """Records a use ("Samtykke benyttet"). Never retried: a second try
        after a lost answer could log the use twice."""
        return self.links[agency].call(consenthub.TokenClient, "log_use",
                                       consent_id=consent_id, resource=resource).receipt

    def log_uses(self, agency, consent_id, resources):
        """Records one use per resource with one durable write; raises
        HubRefusal for the first use the hub refused."""
        uses = [token_pb2.LogUseRequest(consent_id=consent_id, resource=r) for r in resources]
        results = self.links[agency].call(consenthub.TokenClient, "log_uses", uses=uses).results
        for result in results:
            if result.status.code != 0:
                raise HubRefusal(StatusCode(result.status.code), result.status.reason, result.status.message)
        return [result.receipt for result in results]

    def close(self):
        for link in self.links.values():
            link.close()
