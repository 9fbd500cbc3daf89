"""The API: one route per endpoint of `resources.ENDPOINTS`, each serving a
request the same way (docs/TOKENS.md, "Validating a token offline", then
online, then "Use"):

1. the caller is the organisation of the client certificate (401 otherwise);
2. the bearer token verifies offline against the hub's keys (401);
3. it was issued to the caller (403 `token_for_another_consumer`);
4. the query is well-formed (400) and the consent covers this endpoint's
   resources (403 `wrong_resource`) and the asked period (403
   `period_outside_consent`);
5. unless switched off, the hub confirms it online (catches a withdrawal or
   a used one-time consent; its reason is kept);
6. the use is logged at the hub — before any data leaves, so a one-time
   consent serves its data once;
7. made-up data is returned.
"""

import hashlib
import hmac

from flask import Blueprint, current_app, jsonify, request

from . import caller, resources, synthetic, tokens
from .hub import HubRefusal, HubUnavailable
from .refusals import Refusal

bp = Blueprint("api", __name__)


def _route(endpoint):
    def view():
        return serve(endpoint)
    view.__name__ = endpoint.name
    bp.add_url_rule(endpoint.path, endpoint.name, view, methods=["GET"])


for _endpoint in resources.ENDPOINTS:
    _route(_endpoint)


def serve(endpoint):
    state = current_app.extensions["demo_datasource"]
    config = current_app.config
    organisation = caller.caller_organisation(request.environ)
    try:
        if organisation is None:
            raise Refusal("caller_unknown", "Present a client certificate from the development CA whose subject "
                                            "serialNumber (or CN) is your organisation number.")
        token = _bearer_token(request.headers.get("Authorization", ""))
        consent = tokens.verify(token, state.keys, config["ISSUER"], config["CLOCK"](), config["CLOCK_SKEW_SECONDS"])
        if consent.consumer != organisation:
            raise Refusal("token_for_another_consumer", "The token was issued to organisation %s, not to %s, whose "
                                                        "certificate presented it." % (consent.consumer, organisation))
        asked = resources.parse_query(endpoint, request.args)
        resources.require_covered(endpoint, consent, asked)
        if config["ONLINE_VERIFY"]:
            for resource, parameters in endpoint.resources.items():
                state.hub.verify_token(endpoint.agency, token, resource, {p: asked[p] for p in parameters})
        receipts = _log_use(state.hub, endpoint, consent)
    except HubRefusal as refusal:
        return _refuse(Refusal.from_hub(refusal), organisation)
    except HubUnavailable as error:
        current_app.logger.warning("consent hub unavailable: %s", error)
        return _refuse(Refusal("hub_unavailable", "The consent hub cannot be reached to check the consent or log "
                                                  "its use; try again shortly."), organisation)
    except Refusal as refusal:
        return _refuse(refusal, organisation)

    current_app.logger.info("served %s to %s: consent %s, person %s", ",".join(endpoint.resources), organisation,
                            consent.consent_id, _person_reference(consent.offered_by))
    data = {resource: synthetic.data_for(resource, consent.consent_id, {p: asked[p] for p in parameters})
            for resource, parameters in endpoint.resources.items()}
    response = jsonify({
        "source": endpoint.source_name,
        "synthetic": True,
        "notice": synthetic.NOTICE,
        "consent": {"id": consent.consent_id, "oneTime": consent.one_time,
                    "ended": any(r.consent_ended for r in receipts)},
        "uses": [{"resource": r.resource, "usedAtMs": r.used_at_ms} for r in receipts],
        "data": data,
    })
    return response


def _bearer_token(header):
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refusal("token_missing", "Send the consent token from the hub as 'Authorization: Bearer <token>'.")
    return token.strip()


def _log_use(hub, endpoint, consent):
    """Logs the use of each resource served. A one-time consent ends at its
    first use and the hub refuses any later one, even of its other resource
    in the same batch (docs/DOMAIN.md §9): its fetch is logged as one use."""
    served = list(endpoint.resources)
    if consent.one_time or len(served) == 1:
        return [hub.log_use(endpoint.agency, consent.consent_id, served[0])]
    return hub.log_uses(endpoint.agency, consent.consent_id, served)


def _refuse(refusal, organisation):
    current_app.logger.info("refused %s %s to %s: %s", request.method, request.path, organisation or "unknown caller",
                            refusal.reason)
    response = jsonify(refusal.body())
    response.status_code = refusal.status
    if refusal.status == 401:
        # RFC 6750 §3: name the scheme; with a token that proves nothing, say so.
        missing = refusal.reason in ("token_missing", "caller_unknown")
        response.headers["WWW-Authenticate"] = "Bearer" if missing else 'Bearer error="invalid_token"'
    return response


def _person_reference(offered_by):
    """A keyed hash of the person (or organisation), so the log can tie uses
    together without holding a national identity number."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, offered_by.encode(), hashlib.sha256).hexdigest()[:16]
