import Testing
@testable import ConsentCore

/// A long, random but seeded life of the hub: every command, many refusals,
/// time passing, registry changes. Used to check that state rebuilt from events
/// (directly, through the codec, from a snapshot plus the tail) equals the live state.
struct Scenario {
    var hub = TestHub(demo: false)
    var random: SplitMix64
    var events: [Event] = []
    var ids: [RequestID] = []
    var codes: [[UInt8]] = []
    var refusals = 0
    var refusalMessages: [String] = []
    var codeCounter = 10_000

    let users: [EndUser] = {
        var signer = EndUser(nationalId: person("020202123"), assuranceLevel: .high, maySignFor: [Fixture.brreg], name: "SIGNE SIGNATAR")
        signer.maySignFor = [Fixture.brreg]
        return [Fixture.haakonUser, Fixture.ingridUser,
                EndUser(nationalId: Fixture.dNumber, assuranceLevel: .substantial), signer]
    }()

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
        for seed in DemoRegistry.commands { run(seed.command, by: seed.actor) }
        run(.authoriseConsumer(ConsumerAuthorisation(resource: Fixture.tax4629, consumer: Fixture.finansiering,
                                                     consumerName: "FINANSIERING AS", redirectDomains: ["banken.example"])),
            by: .dataSource(Fixture.skatteetaten))
    }

    mutating func run(_ command: Command, by actor: Actor) {
        do {
            let decision = try hub.engine.execute(command, by: actor)
            events += decision.events
            if case .failure(let error) = decision.result { refusals += 1; refusalMessages.append(error.message) }
            if case .success(.usedBatch(let results)) = decision.result {
                for case .failure(let error) in results { refusalMessages.append(error.message) }
            }
            if case .success(.tokenFactsBatch(let results)) = decision.result {
                for case .failure(let error) in results { refusalMessages.append(error.message) }
            }
        } catch {
            refusals += 1
            refusalMessages.append(error.message)
        }
    }

    mutating func pick<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[Int(random.next() % UInt64(items.count))]
    }

    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    mutating func step() {
        let consumer = chance(80) ? Fixture.bank : Fixture.finansiering
        switch random.next() % 12 {
        case 0, 1:
            var request = chance(50) ? TestHub.navRequest(validFor: .days(Int64(1 + random.next() % 60))) : TestHub.taxRequest()
            request.validTo = hub.now + .hours(Int64(1 + random.next() % 200))
            if chance(20) { request.resources.append(TestHub.taxRequest().resources[0]) }
            switch random.next() % 4 {
            case 0: request.offeredBy = .person(pick(users)!.nationalId)
            case 1: request.offeredBy = .organisation(Fixture.brreg)
            default: break
            }
            if chance(15), case .person(let p) = request.offeredBy { request.userToken = p.userToken }
            if chance(20) { request.idempotencyKey = "k\(random.next() % 8)" }
            if chance(10) { request.redirectURL = "http://banken.example/" }
            let before = hub.state.requestCount
            run(.createRequest(request), by: .consumer(consumer))
            if hub.state.requestCount > before { ids.append(hub.state.tables.records.last!.id) }
        case 2, 3:
            guard let id = pick(ids), let user = pick(users) else { return }
            codeCounter += 1
            let hash = codeHash(codeCounter)
            let grant = CodeGrant(codeHash: hash, expiresAt: chance(30) ? hub.now + .seconds(Int64(1 + random.next() % 600)) : nil)
            let onBehalf: OrganisationNumber? = chance(10) ? Fixture.brreg : nil
            let before = hub.state.lastSequence
            run(.acceptRequest(id, code: grant, onBehalfOf: onBehalf), by: .endUser(user))
            if hub.state.lastSequence > before { codes.append(hash) }
        case 4:
            guard let id = pick(ids), let user = pick(users) else { return }
            run(.rejectRequest(id), by: .endUser(user))
        case 5:
            guard let id = pick(ids), let user = pick(users) else { return }
            run(.revokeConsent(id), by: chance(10) ? .admin(Fixture.brreg) : .endUser(user))
        case 6:
            guard let code = pick(codes) else { return }
            if chance(20) {
                var batch: [[UInt8]] = []
                for _ in 0..<(1 + random.next() % 5) { batch.append(pick(codes)!) }
                run(.exchangeCodes(codeHashes: batch), by: .consumer(consumer))
            } else {
                run(.exchangeCode(codeHash: code), by: .consumer(consumer))
            }
        case 7, 8:
            var reports: [UseReport] = []
            for _ in 0..<(1 + random.next() % 4) {
                guard let id = pick(ids) else { return }
                let resource = chance(70) ? Fixture.nav5252 : Fixture.tax4629
                reports.append(UseReport(consent: id, resource: resource, usedAt: hub.now - .seconds(Int64(random.next() % 3600))))
            }
            let actor: Actor = chance(70) ? .consumer(consumer) : .dataSource(chance(50) ? Fixture.nav : Fixture.skatteetaten)
            run(reports.count == 1 ? .logUse(reports[0]) : .logUses(reports), by: actor)
        case 9:
            run(.expireDue(limit: Int(1 + random.next() % 20)), by: .system)
        case 10:
            hub.advance(.minutes(Int64(1 + random.next() % (chance(10) ? 3000 : 120))))
        default:
            switch random.next() % 3 {
            case 0:
                var nav = DemoRegistry.navResource
                nav.title.english = "Version \(random.next() % 3)"
                run(.registerResource(nav), by: .dataSource(Fixture.nav))
            case 1:
                run(.deauthoriseConsumer(resource: Fixture.tax4629, consumer: Fixture.finansiering), by: .dataSource(Fixture.skatteetaten))
            default:
                run(.authoriseConsumer(ConsumerAuthorisation(resource: Fixture.tax4629, consumer: Fixture.finansiering,
                                                             consumerName: "FINANSIERING AS", redirectDomains: ["banken.example"])),
                    by: .dataSource(Fixture.skatteetaten))
            }
        }
    }

    static func played(seed: UInt64, steps: Int) -> Scenario {
        var s = Scenario(seed: seed)
        for _ in 0..<steps { s.step() }
        // Seed 003's redirect flow: the portal submits the bank's Altinn-2 query
        // (after the random steps, whose sequence thus stays as it was). The
        // second is a retry with the same key; the third is answered.
        let end = OsloTime.local(s.hub.now + .days(30))
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let validTo = "\(end.year)-\(two(end.month))-\(two(end.day))+12:00:00"
        for key in ["q", "q", nil] {
            let before = s.hub.state.requestCount
            s.run(.createRequestFromQuery(AltinnQueryTests.query(["ValidToDate": validTo]), idempotencyKey: key), by: .portal(Fixture.brreg, user: Fixture.haakonUser))
            if s.hub.state.requestCount > before { s.ids.append(s.hub.state.tables.records.last!.id) }
        }
        s.codeCounter += 1
        s.run(.acceptRequest(s.ids.last!, code: CodeGrant(codeHash: codeHash(s.codeCounter), expiresAt: nil), onBehalfOf: nil),
              by: .endUser(Fixture.haakonUser))
        s.lifecycle()
        s.organisationAuthority()
        s.templates()
        return s
    }

    /// Issue 12's commands, after everything above (so the random sequence
    /// stays as it was): the consumer deletes unanswered requests and ends
    /// consents, with repeats and refusals.
    mutating func lifecycle() {
        func create(_ request: NewConsentRequest) -> RequestID? {
            let before = hub.state.requestCount
            run(.createRequest(request), by: .consumer(Fixture.bank))
            guard hub.state.requestCount > before else { return nil }
            ids.append(hub.state.tables.records.last!.id)
            return ids.last
        }
        var request = TestHub.navRequest(offeredBy: .person(Fixture.haakon))
        request.validTo = hub.now + .days(60)
        var tax = TestHub.taxRequest()
        tax.validTo = hub.now + .days(5)
        guard let pending = create(request), let consent = create(request), let once = create(tax) else {
            Issue.record("the lifecycle steps could not create their requests: \(refusalMessages.suffix(3))")
            return
        }
        let unusedOnce = create(tax)
        run(.deleteRequest(pending), by: .consumer(Fixture.bank))
        run(.deleteRequest(pending), by: .consumer(Fixture.bank))
        run(.deleteRequest(pending), by: .consumer(Fixture.finansiering))
        for id in [consent, unusedOnce].compactMap({ $0 }) {
            codeCounter += 1
            run(.acceptRequest(id, code: CodeGrant(codeHash: codeHash(codeCounter), expiresAt: nil), onBehalfOf: nil),
                by: .endUser(Fixture.haakonUser))
        }
        run(.acceptRequest(pending, code: CodeGrant(codeHash: codeHash(codeCounter + 1), expiresAt: nil), onBehalfOf: nil),
            by: .endUser(Fixture.haakonUser))
        hub.advance(.minutes(5))
        run(.logUse(UseReport(consent: consent, resource: Fixture.nav5252, usedAt: hub.now)), by: .consumer(Fixture.bank))
        run(.revokeConsent(consent), by: .consumer(Fixture.bank))
        run(.revokeConsent(consent), by: .consumer(Fixture.bank))
        if let unusedOnce { run(.revokeConsent(unusedOnce), by: .consumer(Fixture.bank)) }
        run(.deleteRequest(consent), by: .consumer(Fixture.bank))
        run(.revokeConsent(once), by: .consumer(Fixture.bank))

        // A vendor acting for the bank: refused before it is registered, then the whole flow.
        let vendor = VendorTests.forBank
        run(.createRequest(request), by: vendor)
        run(.authoriseVendor(VendorTests.mandate()), by: .consumer(Fixture.bank))
        run(.authoriseVendor(VendorTests.mandate()), by: .consumer(Fixture.bank))
        let before = hub.state.requestCount
        run(.createRequest(request), by: vendor)
        run(.createRequest(tax), by: vendor)
        guard hub.state.requestCount > before else { Issue.record("the vendor could not create: \(refusalMessages.suffix(2))"); return }
        let handled = hub.state.tables.records.last!.id
        ids.append(handled)
        codeCounter += 1
        let code = codeHash(codeCounter)
        run(.acceptRequest(handled, code: CodeGrant(codeHash: code, expiresAt: nil), onBehalfOf: nil), by: .endUser(Fixture.haakonUser))
        run(.exchangeCode(codeHash: code), by: vendor)
        run(.logUse(UseReport(consent: handled, resource: Fixture.nav5252, usedAt: hub.now)), by: vendor)
        run(.deauthoriseVendor(consumer: Fixture.bank, vendor: VendorTests.vendor), by: .consumer(Fixture.bank))
        run(.revokeConsent(handled), by: vendor)
        run(.authoriseVendor(VendorTests.mandate([Fixture.nav5252, Fixture.tax4629])), by: .admin(Fixture.brreg))
        run(.revokeConsent(handled), by: vendor)

        // Uses per day: a limited consent used past its limit, the next day, and late for an earlier day.
        var limited = request
        limited.usesPerDay = 2
        guard let counted = create(limited) else { return }
        codeCounter += 1
        run(.acceptRequest(counted, code: CodeGrant(codeHash: codeHash(codeCounter), expiresAt: nil), onBehalfOf: nil), by: .endUser(Fixture.haakonUser))
        let firstDay = hub.now
        let uses = (0..<3).map { _ in UseReport(consent: counted, resource: Fixture.nav5252, usedAt: firstDay) }
        run(.logUses(uses), by: .consumer(Fixture.bank))
        hub.advance(.days(1))
        run(.logUse(UseReport(consent: counted, resource: Fixture.nav5252, usedAt: hub.now)), by: .dataSource(Fixture.nav))
        run(.logUse(UseReport(consent: counted, resource: Fixture.nav5252, usedAt: firstDay + .minutes(1))), by: .consumer(Fixture.bank))
        run(.logUse(UseReport(consent: counted, resource: Fixture.nav5252, usedAt: hub.now)), by: .consumer(Fixture.bank))
        run(.logUse(UseReport(consent: counted, resource: Fixture.nav5252, usedAt: hub.now)), by: .consumer(Fixture.bank))
    }

    /// Issue 12, point 3, last: NAV requires a general manager or chair for an
    /// organisation; a request names its required delegator; refusals, an
    /// acceptance and a rejection by role.
    mutating func organisationAuthority() {
        run(.registerResource(AuthorityTests.navForManagers), by: .dataSource(Fixture.nav))
        var request = AuthorityTests.orgRequest(delegator: Fixture.ingrid)
        request.validTo = hub.now + .days(30)
        request.purposeTexts = LocalizedText(bokmal: nil, english: "A loan for the company")
        var open = request
        open.requiredDelegator = nil
        let before = hub.state.requestCount
        run(.createRequest(request), by: .consumer(Fixture.bank))
        run(.createRequest(open), by: .consumer(Fixture.bank))
        guard hub.state.requestCount == before + 2 else { Issue.record("no organisation requests: \(refusalMessages.suffix(2))"); return }
        let named = hub.state.tables.records[hub.state.requestCount - 2].id, declined = hub.state.tables.records.last!.id
        ids += [named, declined]
        for (id, user) in [(named, AuthorityTests.member(["DAGL"], id: Fixture.haakon)), (named, AuthorityTests.member(["MEDL"])),
                           (named, AuthorityTests.member(["SIGN", "DAGL"])), (declined, AuthorityTests.member(["LEDE"]))] {
            codeCounter += 1
            let command: Command = id == declined ? .rejectRequest(id, language: .english)
                : .acceptRequest(id, code: CodeGrant(codeHash: codeHash(codeCounter)), language: .nynorsk)
            run(command, by: .endUser(user))
        }
    }
}

extension Scenario {
    /// Issue 12, point 4, last: NAV registers a fullmakt template (again:
    /// nothing recorded; a bad one: refused), its resource names it, a
    /// request pins version 1 and is accepted, version 2 follows, another
    /// request pins it.
    mutating func templates() {
        run(.registerTemplate(TemplateTests.fullmakt), by: .dataSource(Fixture.nav))
        run(.registerTemplate(TemplateTests.fullmakt), by: .dataSource(Fixture.nav))
        run(.registerTemplate(TemplateTests.with { $0.intro.bokmal = "{ukjent}" }), by: .dataSource(Fixture.nav))
        guard var nav = hub.state.tables.currentResource(Fixture.nav5252) else { return }
        nav.consentTemplate = TemplateTests.fullmakt.id
        run(.registerResource(nav), by: .dataSource(Fixture.nav))
        for heading in ["Fullmakt", "Fullmakt, versjon 2"] {
            run(.registerTemplate(TemplateTests.with { $0.heading.bokmal = heading }), by: .dataSource(Fixture.nav))
            var request = TestHub.navRequest(offeredBy: .person(Fixture.haakon))
            request.validTo = hub.now + .days(30)
            let before = hub.state.requestCount
            run(.createRequest(request), by: .consumer(Fixture.bank))
            guard hub.state.requestCount > before else { Issue.record("no template request: \(refusalMessages.suffix(1))"); return }
            ids.append(hub.state.tables.records.last!.id)
            codeCounter += 1
            run(.acceptRequest(ids.last!, code: CodeGrant(codeHash: codeHash(codeCounter))), by: .endUser(Fixture.haakonUser))
        }
    }
}

@Suite("Rebuilding state from events")
struct ReplayTests {
    static let scenario = Scenario.played(seed: 2025, steps: 2500)

    @Test("The scenario covers every kind of event and many refusals")
    func coverage() {
        let kinds = Set(Self.scenario.events.map(\.kind))
        #expect(kinds == Set(EventKind.allCases), "missing: \(Set(EventKind.allCases).subtracting(kinds))")
        #expect(Self.scenario.refusals > 100)
        #expect(Self.scenario.events.contains { $0.actor == .portal(Fixture.brreg, user: Fixture.haakonUser) && $0.kind == .requestCreated })
        #expect(Self.scenario.events.contains { $0.actor == .consumer(Fixture.bank) && $0.kind == .consentRevoked })
        #expect(Self.scenario.events.contains { $0.actor == VendorTests.forBank && $0.kind == .consentRevoked })
        #expect(Self.scenario.refusalMessages.contains { $0.contains("uses of resource 5252_1 per day") })
        #expect(!Self.scenario.hub.state.tables.dailyUses.isEmpty && !Self.scenario.hub.state.tables.statistics.isEmpty)
        #expect(Self.scenario.hub.state.tables.requiredDelegators.count == 1 && Self.scenario.hub.state.tables.answerAuthorities.count == 2)
        #expect(Self.scenario.hub.state.tables.purposeTexts.count == 2)
        #expect(Self.scenario.hub.state.tables.records.contains { $0.answerLanguage == .nynorsk }
                && Self.scenario.hub.state.tables.records.contains { $0.answerLanguage == .english })
        #expect(Self.scenario.refusalMessages.contains { $0.contains("must hold one of the roles DAGL, LEDE") })
        #expect(Self.scenario.refusalMessages.contains { $0.contains("(requiredDelegator)") })
        #expect(Self.scenario.hub.state.requestCount > 200)
        #expect(Self.scenario.hub.state.tables.templates["nav-fullmakt"]?.count == 3)
        #expect(Set(Self.scenario.hub.state.tables.requestTemplates.values.map(\.version)) == [2, 3])
        #expect(Self.scenario.refusalMessages.contains { $0.contains("{ukjent}") })
    }

    @Test("No refusal message ever contains a national identity number")
    func noNationalIDsInMessages() {
        let ids = Self.scenario.users.map(\.nationalId.digits)
        #expect(Set(Self.scenario.refusalMessages).count > 20)
        for message in Self.scenario.refusalMessages {
            for id in ids { #expect(!message.contains(id), "\(message)") }
        }
    }

    @Test("Sequence numbers are dense from 1, as decide numbered them")
    func sequences() {
        #expect(Self.scenario.events.map(\.sequence) == Array(1...UInt64(Self.scenario.events.count)))
        #expect(Self.scenario.hub.state.lastSequence == UInt64(Self.scenario.events.count))
    }

    @Test("Replaying every event into a fresh state gives the live state")
    func replay() {
        var rebuilt = ConsentState()
        rebuilt.apply(Self.scenario.events)
        #expect(rebuilt == Self.scenario.hub.state)
        // And equality is not trivially true: one event fewer is a different state.
        var short = ConsentState()
        short.apply(Self.scenario.events.dropLast())
        #expect(short != Self.scenario.hub.state)
    }

    @Test("Replaying the stored bytes, as ConsentStore does, gives the live state")
    func replayEncoded() throws {
        var rebuilt = ConsentState()
        for event in Self.scenario.events { try rebuilt.apply(encoded: EventCodec.encode(event)) }
        #expect(rebuilt == Self.scenario.hub.state)
        #expect(throws: CodecError.self) { try rebuilt.apply(encoded: [1, 99]) }
        #expect(rebuilt.lastSequence == Self.scenario.hub.state.lastSequence)
    }

    @Test("Replaying through the codec gives the live state")
    func replayThroughCodec() throws {
        var rebuilt = ConsentState()
        for event in Self.scenario.events {
            let decoded = try EventCodec.decode(EventCodec.encode(event))
            #expect(decoded == event)
            rebuilt.apply(decoded)
        }
        #expect(rebuilt == Self.scenario.hub.state)
    }

    @Test("A snapshot at any point plus the events after it gives the live state", arguments: [0, 1, 97, 1000, 2500])
    func snapshotPlusTail(_ cutPercentTenths: Int) throws {
        let events = Self.scenario.events
        let cut = min(events.count, events.count * cutPercentTenths / 2500)
        var head = ConsentState()
        head.apply(events[..<cut])
        var restored = try ConsentState(snapshot: head.encodeSnapshot())
        #expect(restored == head)
        #expect(restored.lastSequence == UInt64(cut))
        restored.apply(events[cut...])
        #expect(restored == Self.scenario.hub.state)
    }

    @Test("Queries on the rebuilt state answer as on the live state")
    func queriesAgree() throws {
        let live = Self.scenario.hub.state
        let now = Self.scenario.hub.now
        var rebuilt = try ConsentState(snapshot: live.encodeSnapshot())
        rebuilt.configuration = live.configuration
        for id in Self.scenario.ids.prefix(50) {
            #expect(try rebuilt.request(id, by: .admin(Fixture.brreg), at: now) == live.request(id, by: .admin(Fixture.brreg), at: now))
            #expect(try rebuilt.consentLog(id, by: .admin(Fixture.brreg), language: .english, at: now)
                    == live.consentLog(id, by: .admin(Fixture.brreg), language: .english, at: now))
        }
        for user in Self.scenario.users {
            #expect(try rebuilt.consents(of: .endUser(user), at: now) == live.consents(of: .endUser(user), at: now))
        }
        for actor in [Actor.consumer(Fixture.bank), .dataSource(Fixture.nav), .admin(Fixture.brreg)] {
            #expect(try rebuilt.events(after: 17, for: actor, limit: 500) == live.events(after: 17, for: actor, limit: 500))
        }
        for actor in [Actor.dataSource(Fixture.nav), .dataSource(Fixture.skatteetaten), .admin(Fixture.brreg)] {
            #expect(try rebuilt.statistics(visibleTo: actor, period: .month) == live.statistics(visibleTo: actor, period: .month))
        }
        #expect(try rebuilt.requests(of: .consumer(Fixture.bank), after: 0, limit: 1000, at: now)
                == live.requests(of: .consumer(Fixture.bank), after: 0, limit: 1000, at: now))
    }

    @Test("Every request is found by its id after a snapshot, and an unknown id is not")
    func everyIDFound() throws {
        let live = Self.scenario.hub.state
        let rebuilt = try ConsentState(snapshot: live.encodeSnapshot())
        #expect(rebuilt.requestCount == live.requestCount && live.requestCount > 100)
        for (slot, record) in live.tables.records.enumerated() {
            #expect(rebuilt.tables.slot(of: record.id) == slot)
        }
        let unknown = RequestID(high: 0x0123_4567_89AB_4CDE, low: 0x8123_4567_89AB_CDEF)
        #expect(rebuilt.tables.slot(of: unknown) == nil)
        #expect(throws: DomainError.self) { try rebuilt.request(unknown, by: .admin(Fixture.brreg), at: Self.scenario.hub.now) }
    }

    @Test("A snapshot that names one request twice is refused")
    func duplicateIDRefused() throws {
        let live = Self.scenario.hub.state
        var bytes = live.encodeSnapshot()
        // Each record starts with its id, 16 bytes big-endian: write the
        // first record's id over the second's.
        func idBytes(_ id: RequestID) -> [UInt8] {
            (0..<8).map { UInt8(truncatingIfNeeded: id.high >> UInt64(56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: id.low >> UInt64(56 - 8 * $0)) }
        }
        let first = idBytes(live.tables.records[0].id), second = idBytes(live.tables.records[1].id)
        let at = try #require((0...(bytes.count - 16)).first { bytes[$0..<($0 + 16)].elementsEqual(second) })
        bytes.replaceSubrange(at..<(at + 16), with: first)
        #expect(throws: CodecError.self) { try ConsentState(snapshot: bytes) }
    }

    @Test("Decisions made on a rebuilt state are the same as on the live state")
    func sameDecisions() throws {
        var a = Scenario.played(seed: 77, steps: 600)
        var rebuilt = ConsentState()
        rebuilt.apply(a.events)
        var b = a
        b.hub.engine = ConsentEngine(state: rebuilt, clock: a.hub.engine.clock, random: a.hub.engine.random)
        for _ in 0..<400 {
            a.step()
            b.step()
        }
        #expect(a.events == b.events)
        #expect(a.hub.state == b.hub.state)
    }
}
