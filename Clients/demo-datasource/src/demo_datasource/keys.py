"""The hub's token-signing keys (its JWK Set), cached.

docs/TOKENS.md, "Validating a token offline", step 1: fetch the JWKS with
GetSigningKeys, keep it, and when a token names a `kid` we do not have,
fetch again — but not more often than every few seconds, so a stream of
tokens with made-up key ids cannot turn into a stream of hub calls.
"""

import json
import threading
import time

from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet

from .hub import HubUnavailable


class SigningKeys:
    """`fetch()` returns the JWKS as JSON text (the hub's GetSigningKeys)."""

    def __init__(self, fetch, max_age=3600.0, min_refetch_interval=5.0, clock=time.monotonic, log=None):
        self._fetch, self.max_age, self.min_refetch_interval = fetch, max_age, min_refetch_interval
        self._clock, self._log = clock, log
        self._lock = threading.Lock()
        self._keys = None
        self._fetched_at = None

    def key_for(self, kid):
        """The public key named `kid`, or None if the hub publishes none by
        that name. Raises HubUnavailable only when no keys are known at all."""
        with self._lock:
            if self._keys is None or self._clock() - self._fetched_at >= self.max_age:
                self._load()
            key = self._lookup(kid)
            if key is None and self._clock() - self._fetched_at >= self.min_refetch_interval:
                self._load()  # perhaps a key the hub has started signing with since
                key = self._lookup(kid)
            return key

    def _lookup(self, kid):
        try:
            return self._keys.get_by_kid(kid)
        except InvalidKeyIdError:
            return None

    def _load(self):
        try:
            keys = KeySet.import_key_set(json.loads(self._fetch()))
        except HubUnavailable:
            if self._keys is None:
                raise
            # Keep the keys we have: an unreachable hub must not stop checks it is not needed for.
            if self._log:
                self._log.warning("could not refresh the hub's signing keys; using the cached ones")
            self._fetched_at = self._clock()
            return
        self._keys, self._fetched_at = keys, self._clock()

