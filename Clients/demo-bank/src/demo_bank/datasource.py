"""Asking the data source for the data, with the token, as BANKEN AS: the
bank's hub certificate is also the client certificate the data source
identifies it by (mutual TLS, the development CA on both sides)."""

import functools
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    """What came back: the JSON body and its HTTP status."""

    status: int
    body: dict

    @property
    def ok(self):
        return self.status == 200


class DataSourceUnavailable(Exception):
    """No answer, or no JSON answer."""


def fetch(config, path, query, token):
    url = config["DATASOURCE_URL"].rstrip("/") + path + "?" + urllib.parse.urlencode(query)
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token, "Accept": "application/json"})
    context = _tls_context(config["HUB_CA"], config["HUB_CERT"], config["HUB_KEY"])
    try:
        with urllib.request.urlopen(request, context=context, timeout=config["DATASOURCE_TIMEOUT"]) as response:
            return Answer(response.status, _json(response.read()))
    except urllib.error.HTTPError as refusal:
        with refusal:
            return Answer(refusal.code, _json(refusal.read()))
    except (urllib.error.URLError, OSError) as error:
        raise DataSourceUnavailable(str(getattr(error, "reason", error))) from error


@functools.lru_cache(maxsize=4)
def _tls_context(ca, cert, key):
    context = ssl.create_default_context(cafile=ca)
    context.load_cert_chain(cert, key)
    return context


def _json(raw):
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise DataSourceUnavailable("the data source did not answer with a JSON object")
    return body
