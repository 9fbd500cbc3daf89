"""Every hub refusal as a page: the status, a sentence a citizen understands
and the reason code for support. Table-driven through a fake hub for
refusals that are hard to provoke; the hub being down, restarting and
stalling with a real consentd."""

import re
import socket
import threading

import pytest
from markupsafe import escape

from conftest import HAKON, INGRID, REPO, Consentd, free_port, unique_purpose
from consenthub import StatusCode
from consent_portal import errors
from consent_portal.hub import HubError

UUID = "7f1c0a52-3d6b-4c55-9a43-0d1e2f3a4b5c"


class FakeHub:
    """Refuses every call with one HubError, as the real hub would."""

    def __init__(self, code, reason):
        self.error = HubError("Fake", code, reason, "refused by the fake hub")

    def _refuse(self, *args, **kwargs):
        raise self.error

    get_request = accept = reject = create_request_from_query = list_consents = my_consents = revoke = _refuse

    def close(self):
        pass


# gRPC status, reason -> HTTP status, sentence (a key of E in templates/texts/*.html)
TABLE = [
    (StatusCode.NOT_FOUND, "request_unknown", 404, "request_unknown"),
    (StatusCode.INVALID_ARGUMENT, "request_id_malformed", 400, "request_link_broken"),
    (StatusCode.UNAUTHENTICATED, "user_token_mismatch", 403, "wrong_person"),
    (StatusCode.PERMISSION_DENIED, "offered_by_mismatch", 403, "wrong_person"),
    (StatusCode.PERMISSION_DENIED, "not_yours", 403, "wrong_person"),
    (StatusCode.PERMISSION_DENIED, "not_signatory", 403, "not_signatory"),
    (StatusCode.INVALID_ARGUMENT, "on_behalf_of_conflicts", 403, "not_signatory"),
    (StatusCode.PERMISSION_DENIED, "required_delegator_mismatch", 403, "required_delegator_mismatch"),
    (StatusCode.PERMISSION_DENIED, "organisation_authority_missing", 403, "organisation_authority_missing"),
    (StatusCode.PERMISSION_DENIED, "assurance_level_too_low", 403, "assurance_level_too_low"),
    (StatusCode.FAILED_PRECONDITION, "request_already_accepted", 409, "already_answered"),
    (StatusCode.FAILED_PRECONDITION, "request_already_rejected", 409, "already_answered"),
    (StatusCode.FAILED_PRECONDITION, "request_expired", 409, "request_expired"),
    (StatusCode.FAILED_PRECONDITION, "consent_expired", 409, "consent_expired"),
    (StatusCode.FAILED_PRECONDITION, "consent_revoked", 409, "consent_revoked"),
    (StatusCode.FAILED_PRECONDITION, "consent_used_up", 409, "consent_used_up"),
    (StatusCode.FAILED_PRECONDITION, "request_not_accepted", 409, "consent_not_given"),
    (StatusCode.FAILED_PRECONDITION, "consent_not_given", 409, "consent_not_given"),
    (StatusCode.FAILED_PRECONDITION, "one_time_consent_not_revocable", 409, "one_time_not_revocable"),
    (StatusCode.PERMISSION_DENIED, "consumer_not_authorised", 403, "consumer_not_authorised"),
    (StatusCode.PERMISSION_DENIED, "redirect_host_not_registered", 403, "bad_redirect"),
    (StatusCode.INVALID_ARGUMENT, "redirect_not_https", 400, "bad_redirect"),
    (StatusCode.INVALID_ARGUMENT, "query_parameter_missing", 400, "bad_link"),
    (StatusCode.OUT_OF_RANGE, "too_many_resources", 400, "bad_link"),
    (StatusCode.INVALID_ARGUMENT, "query_parameter_unknown", 400, "bad_link"),
    (StatusCode.INVALID_ARGUMENT, "metadata_missing", 400, "bad_link"),
    (StatusCode.OUT_OF_RANGE, "valid_to_in_past", 400, "bad_link"),
    (StatusCode.ALREADY_EXISTS, "idempotency_key_reused", 409, "bad_link"),
    (StatusCode.UNAUTHENTICATED, "end_user_missing", 502, "portal_fault"),
    (StatusCode.PERMISSION_DENIED, "role_not_allowed", 502, "portal_fault"),
    (StatusCode.UNAVAILABLE, "hub_unavailable", 503, "hub_unavailable"),
    (StatusCode.UNAVAILABLE, "server_shutting_down", 503, "hub_unavailable"),
    (StatusCode.DEADLINE_EXCEEDED, "hub_timeout", 504, "hub_timeout"),
    (StatusCode.INTERNAL, "", 502, "portal_fault"),
    (StatusCode.UNIMPLEMENTED, "", 502, "portal_fault"),
    # the transport's limit of calls at once on a connection says no reason
    (StatusCode.RESOURCE_EXHAUSTED, "", 429, "busy"),
]
UNLISTED = [
    # A reason the portal does not list falls back to its status: a new one,
    # or the limits of the hub's transport (calls at once, a call rate, a
    # consumer's open requests) as RESOURCE_EXHAUSTED, "try again later"
    # whatever the reason, even one listed for another status.
    (StatusCode.NOT_FOUND, "something_new", 404, "not_found"),
    (StatusCode.PERMISSION_DENIED, "something_new", 403, "not_allowed"),
    (StatusCode.INVALID_ARGUMENT, "something_new", 400, "invalid"),
    (StatusCode.FAILED_PRECONDITION, "something_new", 409, "wrong_state"),
    (StatusCode.RESOURCE_EXHAUSTED, "open_requests_quota", 429, "busy"),
    (StatusCode.RESOURCE_EXHAUSTED, "call_rate", 429, "busy"),
    (StatusCode.RESOURCE_EXHAUSTED, "concurrent_calls", 429, "busy"),
    (StatusCode.RESOURCE_EXHAUSTED, "too_many_resources", 429, "busy"),
]
TABLE += UNLISTED
# The portal's own reasons, for a hub it did not reach or that did not answer.
PORTALS_OWN = {"hub_unavailable", "hub_timeout"}


def sentence(app, key, language="nb-NO"):
    return str(escape(app.jinja_env.get_template("texts/%s.html" % language).module.E[key]))


@pytest.fixture
def fake_app(make_app):
    def make(code, reason):
        app = make_app("127.0.0.1:1")
        app.extensions["consent_hub"] = FakeHub(code, reason)
        return app
    return make


@pytest.mark.parametrize("code, reason, status, text", TABLE)
def test_every_refusal_is_a_page_with_its_status_a_sentence_and_the_reason(fake_app, code, reason, status, text):
    app = fake_app(code, reason)
    client = app.test_client()
    client.login()
    response = client.get("/profile/consents")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert sentence(app, text) in html
    assert '<code id="reason-code">%s</code>' % (reason or code.name) in html
    assert "Traceback" not in html and "refused by the fake hub" not in html, "the hub's message is for programs"
    assert "Location" not in response.headers


def test_the_table_covers_every_reason_the_portal_maps():
    assert {reason for _, reason, _, _ in TABLE} >= {r for r, (text, status) in errors.REASONS.items()
                                                     if r not in errors._BAD_LINK and r not in errors._BAD_REDIRECT}
    for reason in errors._BAD_LINK + errors._BAD_REDIRECT:
        assert errors.http_status_and_text(StatusCode.INVALID_ARGUMENT, reason)[1] in ("bad_link", "bad_redirect")


def reasons_in_the_hubs_sources():
    """Every snake_case string literal of the hub's Swift sources: the
    reasons it can send are among them (`reason: "…"`, trailers, ProtoField)."""
    sources = REPO / "Sources"
    if not sources.is_dir():
        pytest.skip("the hub's sources are not beside these tests")
    literal = re.compile(r'"([a-z][a-z0-9]*(?:_[a-z0-9]+)+)"')
    return {name for path in sources.rglob("*.swift") for name in literal.findall(path.read_text(errors="replace"))}


def test_every_reason_the_portal_maps_is_one_the_hub_sends():
    sent = reasons_in_the_hubs_sources()
    mapped = set(errors.REASONS) - PORTALS_OWN
    assert mapped - sent == set(), "the portal maps reasons the hub never sends"
    listed = {reason for _, reason, _, _ in TABLE[:len(TABLE) - len(UNLISTED)] if reason} - PORTALS_OWN
    assert listed - sent == set(), "the table names reasons the hub never sends"


def test_the_error_page_speaks_the_chosen_language(fake_app):
    app = fake_app(StatusCode.UNAVAILABLE, "hub_unavailable")
    client = app.test_client()
    client.login()
    html = client.get("/profile/consents?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and sentence(app, "hub_unavailable", "en") in html


def test_refusals_of_an_answer_lead_to_their_own_pages(fake_app):
    app = fake_app(StatusCode.PERMISSION_DENIED, "assurance_level_too_low")
    client = app.test_client()
    client.login(level=3)
    response = client.submit("/consent/%s" % UUID, {"decision": "accept"})
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert 'name="level" value="4"' in html, "when the page cannot be read, the highest level is offered"

    app = fake_app(StatusCode.UNAUTHENTICATED, "user_token_mismatch")
    client = app.test_client()
    client.login()
    response = client.submit("/consent/%s" % UUID, {"decision": "reject"})
    assert response.status_code == 403 and 'name="switch"' in response.get_data(as_text=True)


def test_hub_down_is_a_503_page_not_a_traceback(make_app):
    app = make_app("127.0.0.1:%d" % free_port())
    client = app.test_client()
    client.login()
    for response in (client.get("/profile/consents"), client.get("/consent/%s" % UUID),
                     client.submit("/consent/%s" % UUID, {"decision": "accept"})):
        html = response.get_data(as_text=True)
        assert response.status_code == 503
        assert sentence(app, "hub_unavailable") in html and "hub_unavailable" in html
        assert "Traceback" not in html
    # the login itself needs no hub
    assert client.get("/login").status_code == 200


def test_while_the_hub_is_unreachable_pages_do_not_wait_for_each_others_connects(make_app):
    # A "hub" that takes the TCP connection and never answers the TLS
    # handshake (as with its packets dropped): each connect stalls until this
    # test ends it. Once one has failed, a page asked for while the portal is
    # trying again is a 503 at once, not a wait behind that attempt.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        app = make_app("127.0.0.1:%d" % listener.getsockname()[1], HUB_CONNECT_TIMEOUT=10)
        first, second = app.test_client(), app.test_client()
        first.login()
        second.login(INGRID.pid)

        def in_thread():
            thread = threading.Thread(target=lambda: setattr(thread, "response", first.get("/profile/consents")))
            thread.start()
            return thread

        failing = in_thread()
        listener.accept()[0].close()
        failing.join()
        assert failing.response.status_code == 503

        trying_again = in_thread()
        stalled, _ = listener.accept()
        try:
            response = second.get("/profile/consents")
        finally:
            stalled.close()
        trying_again.join()
        assert response.status_code == 503 and "hub_unavailable" in response.get_data(as_text=True)
        assert trying_again.response.status_code == 503
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # the second page made no connect of its own


def test_the_portal_reconnects_when_the_hub_is_back(make_app, binaries, certs, tmp_path):
    first = Consentd(binaries / "consentd", certs, tmp_path / "data")
    try:
        app = make_app(first.address)
        client = app.test_client()
        client.login()
        assert client.get("/profile/consents").status_code == 200
        assert first.stop() == 0
        assert client.get("/profile/consents").status_code == 503
        second = Consentd(binaries / "consentd", certs, tmp_path / "data", listen=first.address)
        try:
            assert client.get("/profile/consents").status_code == 200
        finally:
            assert second.stop() == 0
    finally:
        first.stop()


def test_a_hub_that_does_not_answer_in_time_is_a_504_page(make_app, binaries, certs, tmp_path):
    server = Consentd(binaries / "consentd", certs, tmp_path / "data")
    try:
        app = make_app(server.address, HUB_TIMEOUT=0.5)
        client = app.test_client()
        client.login()
        assert client.get("/profile/consents").status_code == 200  # connected
        server.pause()
        try:
            response = client.get("/profile/consents")
        finally:
            server.resume()
        assert response.status_code == 504 and "hub_timeout" in response.get_data(as_text=True)
        assert client.get("/profile/consents").status_code == 200, "the connection is still good"
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("language, title", [("nb-NO", "Det du sendte, var for stort"),
                                              ("en", "What you sent was too large")])
def test_an_oversized_form_is_the_portals_own_413_page(logged_in, language, title):
    # Werkzeug refuses a form field over 500 kB; the page is the portal's,
    # in the person's language, not the framework's English one.
    token = logged_in.csrf_token("/profile/consents?lang=" + language)
    response = logged_in.post("/consent/%s" % UUID, data={"csrf_token": token, "decision": "accept",
                                                         "filler": "x" * 600_000})
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert '<html lang="%s">' % language in html and "<title>%s" % title in html
    assert '<code id="reason-code">request_too_large</code>' in html
    assert "Request Entity Too Large" not in html


def test_an_unknown_page_is_a_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "Siden finnes ikke." in response.get_data(as_text=True)


def test_refusals_are_logged_without_the_person(logged_in, caplog, bank):
    request_id = bank.create(offered_by="02877940090", purpose=unique_purpose())
    logged_in.get("/consent/%s" % request_id)
    assert "GetRequest refused: PERMISSION_DENIED offered_by_mismatch" in caplog.text
    assert HAKON.pid not in caplog.text
