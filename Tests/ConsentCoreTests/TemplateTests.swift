import Testing
@testable import ConsentCore

/// Issue 12, point 4 (the rest): a data source's consent templates — its
/// own heading, intro, expiry text and log line per language, for a consent
/// or a fullmakt — named by a resource and pinned by each request.
@Suite("Consent templates")
struct TemplateTests {
    /// NAV's power of attorney, in Bokmål and English (no Nynorsk: it falls back).
    static let fullmakt = ConsentTemplate(
        id: "nav-fullmakt", owner: Fixture.nav, kind: .powerOfAttorney,
        heading: LocalizedText(bokmal: "Fullmakt til å søke på dine vegne", english: "Power of attorney to apply for you"),
        intro: LocalizedText(bokmal: "{CoveredByName} ber om fullmakt til å sende søknad for {OfferedByName}.",
                             english: "{CoveredByName} asks for a power of attorney to apply for {OfferedByName}."),
        expiry: LocalizedText(bokmal: "Fullmakten gjelder til og med {ValidTo}.", english: "The power of attorney lasts until {ValidTo}."),
        log: LocalizedText(bokmal: "{CoveredByName} fikk fullmakt fra {OfferedByName} (til {ValidTo})"))

    /// NAV's resource naming a template.
    static func nav(template: String?) -> Resource {
        var r = DemoRegistry.navResource
        r.consentTemplate = template
        return r
    }

    /// A hub where NAV's resource uses `template`.
    static func hub(_ template: ConsentTemplate = fullmakt) throws -> TestHub {
        var hub = TestHub()
        try hub.perform(.registerTemplate(template), by: .dataSource(Fixture.nav))
        try hub.perform(.registerResource(nav(template: template.id)), by: .dataSource(Fixture.nav))
        return hub
    }

    @Test("The page uses the template's heading, intro and expiry in the person's language, and says fullmakt", arguments: [
        (Language.bokmal, "Fullmakt til å søke på dine vegne", "BANKEN AS ber om fullmakt til å sende søknad for HÅKON TRANA.",
         "Fullmakten gjelder til og med 02.06.2026 kl. 10:00.", "Ja, jeg gir fullmakt"),
        (.english, "Power of attorney to apply for you", "BANKEN AS asks for a power of attorney to apply for HÅKON TRANA.",
         "The power of attorney lasts until 02.06.2026 at 10:00.", "Yes, I grant the power of attorney"),
        // No Nynorsk text: Bokmål's, with the Bokmål clock word; the hub's own words in Nynorsk.
        (.nynorsk, "Fullmakt til å søke på dine vegne", "BANKEN AS ber om fullmakt til å sende søknad for HÅKON TRANA.",
         "Fullmakten gjelder til og med 02.06.2026 kl. 10:00.", "Ja, eg gir fullmakt"),
    ])
    func page(_ language: Language, _ heading: String, _ intro: String, _ validity: String, _ accept: String) throws {
        var hub = try Self.hub()
        let view = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        #expect(view.template == TemplatePin(id: "nav-fullmakt", version: 1))
        let page = try hub.state.renderRequest(view.id, by: .endUser(Fixture.haakonUser), language: language, at: hub.now)
        #expect(page.heading == heading)
        #expect(page.intro == intro)
        #expect(page.validity == validity)
        #expect(page.acceptLabel == accept)
        #expect(page.isPowerOfAttorney && page.template == TemplatePin(id: "nav-fullmakt", version: 1))
        #expect(page.voluntaryNote.contains("fullmakt") || page.voluntaryNote.contains("power of attorney"))
        // The resource's own title and text are as before.
        #expect(page.resources.first?.title == DemoRegistry.navResource.title.resolved(in: language)?.text)
    }

    @Test("A consent template says samtykke; missing expiry and log texts are the hub's own")
    func consentKind() throws {
        var plain = Self.fullmakt
        plain.id = "nav-samtykke"
        plain.kind = .consent
        plain.expiry = LocalizedText(bokmal: nil)
        plain.log = LocalizedText(bokmal: nil)
        var hub = try Self.hub(plain)
        let (id, _) = hub.givenConsent(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        let page = try hub.state.renderRequest(id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(page.heading == "Fullmakt til å søke på dine vegne", "the heading is the template's whatever its kind")
        #expect(!page.isPowerOfAttorney && page.acceptLabel == "Ja, jeg gir samtykke")
        #expect(page.validity.hasPrefix("Samtykket er gyldig fra og med "))
        let log = try hub.state.consentLog(id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(log.first?.title == "Samtykke gitt" && log.first?.text.hasPrefix("BANKEN AS fikk samtykke fra HÅKON TRANA (Opphører ") == true)
    }

    @Test("The Samtykkelogg's given line is the template's, titled fullmakt; other lines are the hub's")
    func log() throws {
        var hub = try Self.hub()
        let (id, _) = hub.givenConsent(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        try hub.use(id, Fixture.nav5252)
        let log = try hub.state.consentLog(id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(log.map(\.title) == ["Fullmakt gitt", "Samtykke benyttet"])
        #expect(log.first?.text == "BANKEN AS fikk fullmakt fra HÅKON TRANA (til 02.06.2026 kl. 10:00)")
        // English has no log text: Bokmål's, as for resource texts.
        let english = try hub.state.consentLog(id, by: .endUser(Fixture.haakonUser), language: .english, at: hub.now)
        #expect(english.first?.title == "Power of attorney granted" && english.first?.text.hasPrefix("BANKEN AS fikk fullmakt") == true)
        // A fullmakt template without a log text: the hub's own line, in fullmakt words.
        var hub2 = try Self.hub(Self.with { $0.log = LocalizedText(bokmal: nil) })
        let (other, _) = hub2.givenConsent(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        let nynorsk = try hub2.state.consentLog(other, by: .endUser(Fixture.haakonUser), language: .nynorsk, at: hub2.now)
        #expect(nynorsk.first?.text == "BANKEN AS fekk fullmakt frå HÅKON TRANA (Opphøyrer 02.06.2026 10:00:00)")
    }

    @Test("A request keeps the template version in force when it was created; a new version serves new requests")
    func pinned() throws {
        var hub = try Self.hub()
        let first = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        var changed = Self.fullmakt
        changed.heading = LocalizedText(bokmal: "Ny overskrift")
        guard case .template(let v2) = try hub.perform(.registerTemplate(changed), by: .dataSource(Fixture.nav)) else { fatalError() }
        #expect(v2.version == 2)
        let second = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        #expect(try hub.state.renderRequest(first.id, by: .endUser(Fixture.haakonUser), at: hub.now).heading == "Fullmakt til å søke på dine vegne")
        #expect(try hub.state.renderRequest(second.id, by: .endUser(Fixture.haakonUser), at: hub.now).heading == "Ny overskrift")
        #expect(try hub.state.request(first.id, by: .consumer(Fixture.bank), at: hub.now).template?.version == 1)
        #expect(try hub.state.request(second.id, by: .consumer(Fixture.bank), at: hub.now).template?.version == 2)
        // The registry lists the version in force.
        #expect(try hub.state.templates(visibleTo: .dataSource(Fixture.nav)).map(\.version) == [2])
        // A resource that stops naming the template: new requests get the hub's words, pinned ones keep theirs.
        try hub.perform(.registerResource(Self.nav(template: nil)), by: .dataSource(Fixture.nav))
        let third = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        #expect(try hub.state.renderRequest(third.id, by: .endUser(Fixture.haakonUser), at: hub.now).heading == "Samtykke til bruk av dine data")
        #expect(try hub.state.renderRequest(first.id, by: .endUser(Fixture.haakonUser), at: hub.now).heading == "Fullmakt til å søke på dine vegne")
        // And all of it survives a snapshot and a replay.
        let restored = try ConsentState(snapshot: hub.state.encodeSnapshot())
        #expect(restored == hub.state)
        #expect(restored.tables.requestTemplates.count == 2)
    }

    @Test("Registering the version in force again records nothing")
    func idempotent() throws {
        var hub = try Self.hub()
        let before = hub.state.lastSequence
        var again = Self.fullmakt
        again.version = 7  // ignored: the hub assigns versions
        guard case .template(let current) = try hub.perform(.registerTemplate(again), by: .dataSource(Fixture.nav)) else { fatalError() }
        #expect(current.version == 1 && hub.state.lastSequence == before)
    }

    @Test("Without a template nothing changes: the hub's own words, no pin")
    func noTemplate() throws {
        var hub = TestHub()
        let view = try hub.create(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        let page = try hub.state.renderRequest(view.id, by: .endUser(Fixture.haakonUser), at: hub.now)
        #expect(view.template == nil && page.template == nil && !page.isPowerOfAttorney)
        #expect(page.heading == "Samtykke til bruk av dine data" && page.acceptLabel == "Ja, jeg gir samtykke")
        #expect(hub.state.tables.requestTemplates.isEmpty)
    }

    static func with(_ change: (inout ConsentTemplate) -> Void) -> ConsentTemplate {
        var t = fullmakt
        change(&t)
        return t
    }

    @Test("Template rules, each refused with its reason and nothing recorded", arguments: [
        (with { $0.id = "Nav" }, DomainError.Code.invalidArgument, "template_id_invalid"),
        (with { $0.id = "" }, .invalidArgument, "template_id_invalid"),
        (with { $0.id = "1nav" }, .invalidArgument, "template_id_invalid"),
        (with { $0.id = String(repeating: "a", count: 65) }, .invalidArgument, "template_id_invalid"),
        (with { $0.heading = LocalizedText(bokmal: nil, english: "Only English") }, .invalidArgument, "template_text_missing_bokmal"),
        (with { $0.intro = LocalizedText(bokmal: "") }, .invalidArgument, "template_text_missing_bokmal"),
        (with { $0.expiry = LocalizedText(bokmal: nil, nynorsk: "Berre nynorsk") }, .invalidArgument, "template_text_missing_bokmal"),
        (with { $0.heading.english = String(repeating: "x", count: 201) }, .invalidArgument, "template_text_too_long"),
        (with { $0.log.bokmal = String(repeating: "x", count: 1001) }, .invalidArgument, "template_text_too_long"),
        (with { $0.intro.bokmal = "{CoveredByName} vil hente {fraOgMed}" }, .invalidArgument, "template_unknown_placeholder"),
        (with { $0.expiry.english = "Until {ValidTo" }, .invalidArgument, "text_placeholder_malformed"),
        (with { $0.heading.bokmal = "}" }, .invalidArgument, "text_placeholder_malformed"),
        (with { $0.expiry.bokmal = "Fullmakten gjelder så lenge saken din pågår." }, .invalidArgument, "template_text_missing_valid_to"),
        (with { $0.expiry.nynorsk = "Fullmakta gjeld frå {ValidFrom}." }, .invalidArgument, "template_text_missing_valid_to"),
        (with { $0.log.english = "{CoveredByName} was granted a power of attorney" }, .invalidArgument, "template_text_missing_valid_to"),
    ] as [(ConsentTemplate, DomainError.Code, String)])
    func refusals(_ template: ConsentTemplate, _ code: DomainError.Code, _ reason: String) {
        var hub = TestHub()
        let before = hub.state.lastSequence
        expectRefused(code, reason) { () throws(DomainError) in try hub.perform(.registerTemplate(template), by: .dataSource(Fixture.nav)) }
        #expect(hub.state.lastSequence == before && hub.state.tables.templates.isEmpty)
    }

    @Test("A heading of exactly 200 and texts of exactly 1,000 characters are accepted")
    func limitsInclusive() throws {
        var hub = TestHub()
        let t = Self.with {
            $0.heading.bokmal = String(repeating: "x", count: 200)
            $0.log.bokmal = String(repeating: "y", count: 1000 - "{ValidTo}".count) + "{ValidTo}"
        }
        try hub.perform(.registerTemplate(t), by: .dataSource(Fixture.nav))
        #expect(hub.state.tables.templates["nav-fullmakt"]?.count == 1)
    }

    @Test("Who may register: the data source its own, the admin any; no one another's id")
    func ownership() throws {
        var hub = try Self.hub()
        let before = hub.state.lastSequence
        // Skatteetaten may not register for NAV, nor take NAV's id for itself.
        expectRefused(.permissionDenied, "template_not_own") { () throws(DomainError) in
            try hub.perform(.registerTemplate(Self.fullmakt), by: .dataSource(Fixture.skatteetaten))
        }
        expectRefused(.permissionDenied, "template_owned_by_other") { () throws(DomainError) in
            try hub.perform(.registerTemplate(Self.with { $0.owner = Fixture.skatteetaten }), by: .dataSource(Fixture.skatteetaten))
        }
        for actor in [Actor.consumer(Fixture.bank), .endUser(Fixture.haakonUser), .vendor(Fixture.finansiering, for: Fixture.bank)] {
            expectRefused(.permissionDenied, "role_not_allowed") { () throws(DomainError) in try hub.perform(.registerTemplate(Self.fullmakt), by: actor) }
            expectRefused(.permissionDenied, "role_not_allowed") { () throws(DomainError) in try hub.state.templates(visibleTo: actor) }
        }
        #expect(hub.state.lastSequence == before)
        // The admin registers for a data source; each data source sees its own.
        try hub.perform(.registerTemplate(Self.with { $0.id = "skatt-samtykke"; $0.owner = Fixture.skatteetaten; $0.kind = .consent }),
                        by: .admin(Fixture.brreg))
        #expect(try hub.state.templates(visibleTo: .dataSource(Fixture.skatteetaten)).map(\.id) == ["skatt-samtykke"])
        #expect(try hub.state.templates(visibleTo: .dataSource(Fixture.nav)).map(\.id) == ["nav-fullmakt"])
        #expect(try hub.state.templates(visibleTo: .admin(Fixture.brreg)).map(\.id) == ["nav-fullmakt", "skatt-samtykke"])
    }

    @Test("A resource may name only a template of its own data source", arguments: [
        ("nav-ukjent", "template_unknown"), ("skatt-samtykke", "template_unknown"), ("NAV", "template_id_invalid"),
    ])
    func resourceReference(_ id: String, _ reason: String) throws {
        var hub = try Self.hub()
        try hub.perform(.registerTemplate(Self.with { $0.id = "skatt-samtykke"; $0.owner = Fixture.skatteetaten }),
                        by: .dataSource(Fixture.skatteetaten))
        let before = hub.state.lastSequence
        let code: DomainError.Code = reason == "template_unknown" ? .notFound : .invalidArgument
        expectRefused(code, reason) { () throws(DomainError) in
            try hub.perform(.registerResource(Self.nav(template: id)), by: .dataSource(Fixture.nav))
        }
        #expect(hub.state.lastSequence == before)
        #expect(hub.state.tables.currentResource(Fixture.nav5252)?.consentTemplate == "nav-fullmakt")
    }

    @Test("At most 20 templates per data source and 100 versions per template")
    func counts() throws {
        var hub = TestHub()
        for n in 0..<TemplateRules.maximumTemplatesPerOwner {
            try hub.perform(.registerTemplate(Self.with { $0.id = "t\(n)" }), by: .dataSource(Fixture.nav))
        }
        expectRefused(.outOfRange, "too_many_templates") { () throws(DomainError) in
            try hub.perform(.registerTemplate(Self.with { $0.id = "one-more" }), by: .dataSource(Fixture.nav))
        }
        // Another data source has its own 20.
        try hub.perform(.registerTemplate(Self.with { $0.id = "skatt"; $0.owner = Fixture.skatteetaten }), by: .dataSource(Fixture.skatteetaten))
        for n in 2...TemplateRules.maximumVersions {
            try hub.perform(.registerTemplate(Self.with { $0.id = "t0"; $0.heading.bokmal = "Versjon \(n)" }), by: .dataSource(Fixture.nav))
        }
        #expect(hub.state.tables.templates["t0"]?.last?.version == 100)
        let before = hub.state.lastSequence
        expectRefused(.outOfRange, "too_many_template_versions") { () throws(DomainError) in
            try hub.perform(.registerTemplate(Self.with { $0.id = "t0"; $0.heading.bokmal = "Versjon 101" }), by: .dataSource(Fixture.nav))
        }
        #expect(hub.state.lastSequence == before)
    }

    @Test("The event round-trips the codec; a resource without a template keeps version 3's bytes")
    func codec() throws {
        var hub = try Self.hub()
        _ = hub.givenConsent(TestHub.navRequest(offeredBy: .person(Fixture.haakon)))
        let events = hub.state.tables.log.count
        #expect(events > 0)
        let template = Event(sequence: 9, time: Fixture.start, actor: .dataSource(Fixture.nav),
                             payload: .templateRegistered(Self.with { $0.version = 3 }))
        let bytes = EventCodec.encode(template)
        #expect(bytes[0] == 1 && bytes[1] == EventKind.templateRegistered.rawValue)
        #expect(try EventCodec.decode(bytes) == template)
        let named = Event(sequence: 10, time: Fixture.start, actor: .dataSource(Fixture.nav), payload: .resourceRegistered(Self.nav(template: "nav-fullmakt")))
        #expect(EventCodec.encode(named)[0] == 4)
        #expect(try EventCodec.decode(EventCodec.encode(named)) == named)
        let plain = Event(sequence: 11, time: Fixture.start, actor: .dataSource(Fixture.nav), payload: .resourceRegistered(DemoRegistry.navResource))
        #expect(EventCodec.encode(plain)[0] == 3)
        #expect(try EventCodec.decode(EventCodec.encode(plain)) == plain)
        // A template event claiming version 2 is refused: its type has only version 1.
        var newer = bytes
        newer[0] = 2
        #expect(throws: CodecError.self) { try EventCodec.decode(newer) }
    }

    @Test("The feed shows the data source its template registrations, not other data sources")
    func feed() throws {
        let hub = try Self.hub()
        let nav = try hub.state.events(after: 0, for: .dataSource(Fixture.nav), kinds: [.templateRegistered])
        #expect(nav.entries.count == 1 && nav.entries.first?.performedBy == .dataSource(Fixture.nav))
        #expect(try hub.state.events(after: 0, for: .dataSource(Fixture.skatteetaten), kinds: [.templateRegistered]).entries.isEmpty)
        #expect(try hub.state.events(after: 0, for: .consumer(Fixture.bank), kinds: [.templateRegistered]).entries.isEmpty)
    }
}
