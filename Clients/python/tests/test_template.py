"""Issue 12, point 4: a data source's consent template through the Python
client — registered by NAV, named by its resource, pinned by the bank's
request, shown on the page and in the log; refusals by reason. On a hub of
its own (it changes NAV's resource)."""

import pytest

from consent.v1 import consent_pb2, registry_pb2
from consenthub import ConsentClient, RegistryClient, RpcError, StatusCode, portal_metadata

from test_flow import USER, nav_request, reason


def fullmakt(heading="Fullmakt til å søke på dine vegne"):
    return registry_pb2.ConsentTemplate(
        template_id="nav-fullmakt",
        kind=registry_pb2.TEMPLATE_KIND_POWER_OF_ATTORNEY,
        heading=registry_pb2.LocalizedText(nb_no=heading, nn_no="Fullmakt til å søkje for deg"),
        intro=registry_pb2.LocalizedText(nb_no="{CoveredByName} ber om fullmakt til å søke for {OfferedByName}."),
        log=registry_pb2.LocalizedText(nb_no="{CoveredByName} fikk fullmakt fra {OfferedByName} (til {ValidTo})"),
    )


def test_a_template_on_the_page_and_in_the_log(private_hub):
    server = private_hub()
    nav = RegistryClient(server.connect("datasource"))
    registered = nav.register_template(consent_template=fullmakt()).consent_template
    assert registered.version == 1 and registered.owner_org_number == "889640782"
    resource = nav.get_resource(resource_id="5252_1").resource
    resource.consent_template = "nav-fullmakt"
    assert nav.register_resource(resource=resource).resource.consent_template == "nav-fullmakt"

    bank = ConsentClient(server.connect("consumer"))
    request = bank.create_request(nav_request()).request
    assert (request.template_id, request.template_version) == ("nav-fullmakt", 1)
    as_user = ConsentClient(server.connect("portal"), metadata=portal_metadata(USER, 4, user_name="HÅKON TRANA"))
    page = as_user.get_request(request_id=request.id, language="nn-NO").page
    assert page.heading == "Fullmakt til å søkje for deg"
    assert page.intro == "BANKEN AS ber om fullmakt til å søke for HÅKON TRANA."
    assert page.power_of_attorney and page.accept_label == "Ja, eg gir fullmakt"
    as_user.accept_request(request_id=request.id, language="nn-NO")
    lines = as_user.get_consent_log(consent_id=request.id).lines
    assert lines[0].kind == consent_pb2.CONSENT_LOG_KIND_GIVEN and lines[0].title == "Fullmakt gitt"
    assert lines[0].text.startswith("BANKEN AS fikk fullmakt fra HÅKON TRANA (til ")

    assert nav.register_template(consent_template=fullmakt("Ny overskrift")).consent_template.version == 2
    assert bank.create_request(nav_request()).request.template_version == 2
    assert bank.get_request_status(request_id=request.id).request.template_version == 1
    assert [t.version for t in nav.list_templates().templates] == [2]


@pytest.mark.parametrize("change, code, expected", [
    (lambda t: setattr(t, "kind", registry_pb2.TEMPLATE_KIND_UNSPECIFIED), StatusCode.INVALID_ARGUMENT, "template_kind_unknown"),
    (lambda t: setattr(t, "template_id", "Nav"), StatusCode.INVALID_ARGUMENT, "template_id_invalid"),
    (lambda t: t.intro.CopyFrom(registry_pb2.LocalizedText(en="English only")), StatusCode.INVALID_ARGUMENT, "template_text_missing_bokmal"),
    (lambda t: setattr(t.heading, "nb_no", "x" * 201), StatusCode.INVALID_ARGUMENT, "template_text_too_long"),
    (lambda t: setattr(t.intro, "nb_no", "{inntektsaar}"), StatusCode.INVALID_ARGUMENT, "template_unknown_placeholder"),
    (lambda t: setattr(t.expiry, "nb_no", "Fullmakten gjelder så lenge saken pågår."), StatusCode.INVALID_ARGUMENT, "template_text_missing_valid_to"),
    (lambda t: setattr(t, "owner_org_number", "974761076"), StatusCode.PERMISSION_DENIED, "template_not_own"),
])
def test_bad_templates_are_refused_by_reason(private_hub, change, code, expected):
    server = private_hub()
    nav = RegistryClient(server.connect("datasource"))
    template = fullmakt()
    change(template)
    with pytest.raises(RpcError) as refused:
        nav.register_template(consent_template=template)
    assert refused.value.code == code and reason(refused.value) == expected
    assert list(nav.list_templates().templates) == []
