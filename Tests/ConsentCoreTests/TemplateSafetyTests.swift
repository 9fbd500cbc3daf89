import Testing
@testable import ConsentCore

/// What a consent template may not do (issue 12, point 4; from the review
/// of the templates): word another data source's data, hide when the
/// consent ends, grant by its kind what the resource does not, or come back
/// from an inconsistent snapshot. Each test states the behaviour a person or
/// a data source would expect.
@Suite("Consent templates: whose words, the end date, the kind, sound snapshots")
struct TemplateSafetyTests {
    /// Skatteetaten's own time-limited resource (so it can share a request
    /// with NAV's 5252), with no template.
    static let skattResourceID = ResourceID(serviceCode: 4631, editionCode: 1)
    static var skattResource: Resource {
        var r = DemoRegistry.navResource
        r.id = skattResourceID
        r.owner = Fixture.skatteetaten
        r.ownerName = "Skatteetaten"
        r.title = LocalizedText(bokmal: "Skattemelding og formue")
        r.text = LocalizedText(bokmal: "Skatteetaten utleverer skattemeldingen din og formuen din fra {fraOgMed} til {tilOgMed}.")
        r.consentTemplate = nil
        return r
    }

    /// A hub where NAV's 5252 names NAV's fullmakt template and Skatteetaten's
    /// 4631 names none; BANKEN AS is authorised for both.
    static func hub() throws -> TestHub {
        var hub = try TemplateTests.hub()
        try hub.perform(.registerResource(skattResource), by: .dataSource(Fixture.skatteetaten))
        try hub.perform(.authoriseConsumer(ConsumerAuthorisation(resource: skattResourceID, consumer: Fixture.bank,
                                                                 consumerName: DemoRegistry.bankenName,
                                                                 redirectDomains: [DemoRegistry.bankenDomain])),
                        by: .dataSource(Fixture.skatteetaten))
        return hub
    }

    static func mixedRequest(navFirst: Bool) -> NewConsentRequest {
        let period = [MetadataValue("fraOgMed", "01.01.2020"), MetadataValue("tilOgMed", "31.12.2024")]
        let nav = ResourceRequest(Fixture.nav5252, metadata: period)
        let skatt = ResourceRequest(skattResourceID, metadata: period)
        var request = TestHub.navRequest(offeredBy: .person(Fixture.haakon))
        request.resources = navFirst ? [nav, skatt] : [skatt, nav]
        return request
    }

    /// DOMAIN.md: a template is "usable only by its own resources". A
    /// request that also asks for another data source's data is worded by
    /// the hub (a samtykke), so NAV's fullmakt words never cover the
    /// person's tax return; and when both resources name a template, the
    /// order the consumer chose decides nothing.
    @Test("a data source's template does not word a request for another data source's resource")
    func anotherDataSourcesResource() throws {
        var hub = try Self.hub()
        let mixed = try hub.create(Self.mixedRequest(navFirst: true))
        let page = try hub.state.renderRequest(mixed.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(page.resources.map(\.dataSourceName) == ["NAV", "Skatteetaten"])
        #expect(page.template == nil, "NAV's template pinned on a request for Skatteetaten's data too")
        #expect(!page.isPowerOfAttorney, "Skatteetaten's data given under NAV's fullmakt wording")
        #expect(page.heading == "Samtykke til bruk av dine data", "page heading: \(page.heading)")

        // When Skatteetaten's resource names its own (samtykke) template too,
        // the order the consumer chose decides whose words, and which kind, the page has.
        try hub.perform(.registerTemplate(TemplateTests.with {
            $0.id = "skatt-samtykke"; $0.owner = Fixture.skatteetaten; $0.kind = .consent
            $0.heading = LocalizedText(bokmal: "Samtykke til Skatteetatens opplysninger")
        }), by: .dataSource(Fixture.skatteetaten))
        var named = Self.skattResource
        named.consentTemplate = "skatt-samtykke"
        try hub.perform(.registerResource(named), by: .dataSource(Fixture.skatteetaten))
        let navFirst = try hub.create(Self.mixedRequest(navFirst: true))
        let skattFirst = try hub.create(Self.mixedRequest(navFirst: false))
        let a = try hub.state.renderRequest(navFirst.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        let b = try hub.state.renderRequest(skattFirst.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(a.isPowerOfAttorney == b.isPowerOfAttorney && a.heading == b.heading,
                "the same two resources are a fullmakt ('\(a.heading)') or a samtykke ('\(b.heading)') as the consumer orders them")
    }

    /// Seed 003: "Samtykket … er gyldig fra og med XX.XX.XXXX kl. XX:XX til og
    /// med XX.XX.XXXX kl. XX:XX. (Fixed Altinn)". A template's `expiry`
    /// replaces that sentence whole (the page's only statement of the end)
    /// and its `log` the Samtykkelogg's "(Opphører …)": a text that does not
    /// say {ValidTo} is refused, in any language, and nothing is recorded; one
    /// that does shows the end on the page and in the log.
    @Test("a template's expiry and log texts cannot hide when the consent ends")
    func expiryKeepsTheEnd() throws {
        var hub = TestHub()
        let vague = TemplateTests.with {
            $0.expiry = LocalizedText(bokmal: "Fullmakten gjelder så lenge saken din pågår.")
            $0.log = LocalizedText(bokmal: "{CoveredByName} fikk fullmakt fra {OfferedByName}")
        }
        let before = hub.state.lastSequence
        expectRefused(.invalidArgument, "template_text_missing_valid_to", "expiry") { () throws(DomainError) in
            try hub.perform(.registerTemplate(vague), by: .dataSource(Fixture.nav))
        }
        var vagueLog = TemplateTests.fullmakt
        vagueLog.log = LocalizedText(bokmal: "{CoveredByName} fikk fullmakt fra {OfferedByName} (til {ValidTo})",
                                     nynorsk: "{CoveredByName} fekk fullmakt frå {OfferedByName}")
        expectRefused(.invalidArgument, "template_text_missing_valid_to", "log") { () throws(DomainError) in
            try hub.perform(.registerTemplate(vagueLog), by: .dataSource(Fixture.nav))
        }
        #expect(hub.state.lastSequence == before && hub.state.tables.templates.isEmpty)

        try hub.perform(.registerTemplate(TemplateTests.fullmakt), by: .dataSource(Fixture.nav))
        try hub.perform(.registerResource(TemplateTests.nav(template: TemplateTests.fullmakt.id)), by: .dataSource(Fixture.nav))
        let (id, _) = hub.givenConsent(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        let end = FixedTexts(language: .bokmal).dateTime(try hub.state.request(id, by: .consumer(Fixture.bank), at: hub.now).validTo)
        let page = try hub.state.renderRequest(id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(page.validity.contains(end), "the page never says the consent ends \(end): '\(page.validity)'")
        let log = try hub.state.consentLog(id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(log.first?.text.contains(end) == true, "the Samtykkelogg's given line has no end: '\(log.first?.text ?? "")'")
    }

    /// DOMAIN.md §14: a snapshot naming one request twice is refused, and so
    /// is one whose template changes owner between versions (the owner
    /// checks would follow the last version) or pins a request to a
    /// template or version it does not hold (the page would silently fall
    /// back to the hub's words); the sound snapshot reads back equal.
    @Test("a snapshot with a template that changes owner or a pin to a missing template or version is refused")
    func inconsistentSnapshot() throws {
        var hub = try TemplateTests.hub()
        let view = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        #expect(try ConsentState(snapshot: hub.state.encodeSnapshot()) == hub.state)

        func refused(_ state: ConsentState) -> String? {
            do { _ = try ConsentState(snapshot: state.encodeSnapshot()); return nil } catch { return error.message }
        }
        var changedOwner = hub.state
        var stolen = TemplateTests.with { $0.heading.bokmal = "Skatteetatens nå"; $0.owner = Fixture.skatteetaten }
        stolen.version = 2
        changedOwner.tables.templates["nav-fullmakt"]!.append(stolen)
        #expect(refused(changedOwner)?.contains("template nav-fullmakt changes owner at version 2") == true, "\(refused(changedOwner) ?? "read")")

        var twice = hub.state
        twice.tables.templates["nav-fullmakt-kopi"] = twice.tables.templates["nav-fullmakt"]
        #expect(refused(twice)?.contains("template nav-fullmakt given twice") == true, "\(refused(twice) ?? "read")")

        var danglingVersion = hub.state
        danglingVersion.tables.requestTemplates[view.id] = TemplatePin(id: "nav-fullmakt", version: 9)
        #expect(refused(danglingVersion)?.contains("pinned to version 9 of template nav-fullmakt, which has 1") == true,
                "\(refused(danglingVersion) ?? "read")")

        var danglingTemplate = hub.state
        danglingTemplate.tables.requestTemplates[view.id] = TemplatePin(id: "skatt-ukjent", version: 1)
        #expect(refused(danglingTemplate)?.contains("pinned to template skatt-ukjent, which the snapshot does not hold") == true,
                "\(refused(danglingTemplate) ?? "read")")
    }

    /// DOMAIN.md §17: a template's kind words the page and is not checked
    /// against the resource's actions; what the consumer may do is the
    /// resource's `actions` alone, which the page lists whatever the kind
    /// says: a fullmakt page on a read-only resource lists no action, a
    /// samtykke page on a resource with actions lists them.
    @Test("a template's kind words the page; what is granted is the resource's actions, listed on the page")
    func kindWordsThePageActionsGrant() throws {
        var hub = TestHub()
        try hub.perform(.registerTemplate(TemplateTests.fullmakt), by: .dataSource(Fixture.nav))
        let readOnly = TemplateTests.nav(template: "nav-fullmakt")
        #expect(readOnly.actions.isEmpty)
        try hub.perform(.registerResource(readOnly), by: .dataSource(Fixture.nav))
        let view = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        let page = try hub.state.renderRequest(view.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(page.isPowerOfAttorney && page.acceptLabel == "Ja, jeg gir fullmakt")
        #expect(page.resources.map(\.actions) == [[]], "a read-only resource grants no action, whatever the kind")

        try hub.perform(.registerTemplate(TemplateTests.with { $0.kind = .consent }), by: .dataSource(Fixture.nav))
        var acting = readOnly
        acting.actions = ["submit-application"]
        try hub.perform(.registerResource(acting), by: .dataSource(Fixture.nav))
        let second = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        let samtykke = try hub.state.renderRequest(second.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(!samtykke.isPowerOfAttorney)
        #expect(samtykke.resources.map(\.actions) == [["submit-application"]], "the action granted is listed on a samtykke page too")
    }
}
