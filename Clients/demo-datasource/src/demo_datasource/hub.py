"""The data source's only door to consentd.

Each agency talks to the hub as itself (its own client certificate): NAV for
5252_1, Skatteetaten for 4629_2 and 4630_1. A process holds one connection
per agency (a `consenthub.LazyConnection`), opened at the first call — after
gunicorn has forked, since a connection's I/O thread does not survive a fork —
and opened again when the hub closed it (idle timeout, restart). Every call
has a deadline.
"""

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
