import ConsentCore
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Testing

/// Issue 12, point 4 (the rest), through the router: NAV registers a
/// fullmakt template and names it on its resource; the bank's request pins
/// it; the portal's page and the Samtykkelogg carry NAV's words in the
/// person's language; a later version changes only new requests; bad
/// templates are refused by reason and change nothing.
@Suite struct TemplateFlowTests {
    typealias Service = Consent_V1_ConsentService
    typealias Registry = Consent_V1_RegistryService

    static func fullmakt(heading: String = "Fullmakt til å søke på dine vegne") -> Consent_V1_ConsentTemplate {
        Consent_V1_ConsentTemplate(
            templateId: "nav-fullmakt", kind: .powerOfAttorney,
            heading: .init(nbNo: heading, en: "Power of attorney to apply for you"),
            intro: .init(nbNo: "{CoveredByName} ber om fullmakt til å søke for {OfferedByName}.",
                         en: "{CoveredByName} asks for a power of attorney to apply for {OfferedByName}."),
            expiry: .init(nbNo: "Fullmakten gjelder til og med {ValidTo}."),
            log: .init(nbNo: "{CoveredByName} fikk fullmakt fra {OfferedByName} (til {ValidTo})"))
    }

    @Test func aDataSourcesTemplateOnThePageAndInTheLogPinnedPerRequest() async throws {
        let hub = try InProcessHub()
        let bank = try hub.client("consumer"), nav = try hub.client("datasource"), portal = try hub.client("portal")
        let admin = try hub.client("admin")

        let registered = try await nav.unary(Registry.registerTemplate, .init(consentTemplate: Self.fullmakt())).consentTemplate!
        #expect(registered.version == 1 && registered.ownerOrgNumber == DevPrincipal.nav.organisationNumber)
        var resource = try await nav.unary(Registry.getResource, .init(resourceId: "5252_1")).resource!
        resource.consentTemplate = "nav-fullmakt"
        #expect(try await nav.unary(Registry.registerResource, .init(resource: resource)).resource?.consentTemplate == "nav-fullmakt")

        let request = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        #expect(request.templateId == "nav-fullmakt" && request.templateVersion == 1)
        let english = try await portal.unary(Service.getRequest, .init(requestId: request.id, language: "en"), options: Flow.user()).page!
        #expect(english.heading == "Power of attorney to apply for you")
        #expect(english.intro.hasSuffix("asks for a power of attorney to apply for HÅKON TRANA."))
        #expect(english.powerOfAttorney && english.acceptLabel == "Yes, I grant the power of attorney")
        #expect(english.templateId == "nav-fullmakt" && english.templateVersion == 1)
        // No English expiry text: Bokmål's.
        #expect(english.validity.hasPrefix("Fullmakten gjelder til og med "))
        _ = try await portal.unary(Service.acceptRequest, .init(requestId: request.id, language: "en"), options: Flow.user())
        let log = try await portal.unary(Service.getConsentLog, .init(consentId: request.id), options: Flow.user()).lines
        #expect(log.first?.title == "Fullmakt gitt" && log.first?.text.contains("fikk fullmakt fra HÅKON TRANA (til ") == true)

        // Version 2 serves the next request; the first keeps version 1.
        let second = try await nav.unary(Registry.registerTemplate, .init(consentTemplate: Self.fullmakt(heading: "Fullmakt, ny tekst"))).consentTemplate!
        #expect(second.version == 2)
        let later = try await bank.unary(Service.createRequest, Flow.navRequest()).request!
        #expect(later.templateVersion == 2)
        let first = try await admin.unary(Service.getRequest, .init(requestId: request.id)).page!
        #expect(first.heading == "Fullmakt til å søke på dine vegne" && first.templateVersion == 1)
        #expect(try await portal.unary(Service.getRequest, .init(requestId: later.id), options: Flow.user()).page?.heading == "Fullmakt, ny tekst")

        // The data source's feed shows its registrations; the lists, the version in force.
        let feed = try await nav.unary(Service.listEvents, .init(after: 0, types: [.templateRegistered])).events
        #expect(feed.count == 2 && feed.allSatisfy { $0.performedByOrgNumber == DevPrincipal.nav.organisationNumber })
        #expect(try await nav.unary(Registry.listTemplates, .init()).templates.map(\.version) == [2])
        #expect(try await hub.client("datasource-skatt").unary(Registry.listTemplates, .init()).templates.isEmpty)
        #expect(try await admin.unary(Registry.listTemplates, .init()).templates.map(\.templateId) == ["nav-fullmakt"])
        await hub.stop()
    }

    @Test func badTemplatesAreRefusedByReasonAndChangeNothing() async throws {
        let hub = try InProcessHub()
        let nav = try hub.client("datasource"), admin = try hub.client("admin")
        _ = try await nav.unary(Registry.registerTemplate, .init(consentTemplate: Self.fullmakt()))
        func with(_ change: (inout Consent_V1_ConsentTemplate) -> Void) -> Consent_V1_ConsentTemplate {
            var t = Self.fullmakt(heading: "Endret")
            change(&t)
            return t
        }
        let cases: [(Consent_V1_ConsentTemplate, StatusCode, String)] = [
            (with { $0.kind = .unspecified }, .invalidArgument, "template_kind_unknown"),
            (with { $0.templateId = "NAV fullmakt" }, .invalidArgument, "template_id_invalid"),
            (with { $0.heading = .init(en: "English only") }, .invalidArgument, "template_text_missing_bokmal"),
            (with { $0.heading = .init(nbNo: String(repeating: "x", count: 201)) }, .invalidArgument, "template_text_too_long"),
            (with { $0.intro = .init(nbNo: "{fraOgMed}") }, .invalidArgument, "template_unknown_placeholder"),
            (with { $0.expiry = .init(nbNo: "til {ValidTo") }, .invalidArgument, "text_placeholder_malformed"),
            (with { $0.log = .init(nbNo: "{CoveredByName} fikk fullmakt", en: "no end date {ValidFrom}") }, .invalidArgument, "template_text_missing_valid_to"),
            (with { $0.ownerOrgNumber = DemoRegistry.skatteetaten.description }, .permissionDenied, "template_not_own"),
        ]
        for (template, code, reason) in cases {
            let refused = await Flow.refusal { _ = try await nav.unary(Registry.registerTemplate, .init(consentTemplate: template)) }
            #expect(refused?.code == code && Flow.reason(refused) == reason, "\(reason): \(String(describing: refused))")
        }
        let missing = await Flow.refusal { _ = try await nav.unary(Registry.registerTemplate, .init()) }
        #expect(Flow.reason(missing) == "field_required")
        let noOwner = await Flow.refusal { _ = try await admin.unary(Registry.registerTemplate, .init(consentTemplate: Self.fullmakt())) }
        #expect(Flow.reason(noOwner) == "field_required" && noOwner?.message.contains("owner_org_number") == true)
        var resource = try await nav.unary(Registry.getResource, .init(resourceId: "5252_1")).resource!
        resource.consentTemplate = "nav-ukjent"
        let unknown = await Flow.refusal { _ = try await nav.unary(Registry.registerResource, .init(resource: resource)) }
        #expect(unknown?.code == .notFound && Flow.reason(unknown) == "template_unknown")
        let bank = try hub.client("consumer")
        let refusedRole = await Flow.refusal { _ = try await bank.unary(Registry.listTemplates, .init()) }
        #expect(refusedRole?.code == .permissionDenied && Flow.reason(refusedRole) == "role_not_allowed")

        // Nothing changed, and the hub still serves.
        let listed = try await nav.unary(Registry.listTemplates, .init()).templates
        #expect(listed.count == 1 && listed.first?.version == 1 && listed.first?.heading?.nbNo == "Fullmakt til å søke på dine vegne")
        #expect(try await nav.unary(Registry.getResource, .init(resourceId: "5252_1")).resource?.consentTemplate == "")
        await hub.stop()
    }
}
