import Testing
@testable import ConsentCore

@Suite("Event and snapshot codecs")
struct CodecTests {
    static let id = RequestID(high: 0x0123_4567_89AB_4DEF, low: 0x8123_4567_89AB_CDEF)
    static let hash = SHA256Digest(bytes: codeHash(1))!
    static let t = Timestamp(millisecondsSinceEpoch: 1_748_851_200_123)

    /// One event of every kind, with every optional field both set and unset somewhere.
    static var samples: [Event] {
        var signer = Fixture.haakonUser
        signer.maySignFor = [Fixture.brreg, Fixture.nav]
        signer.organisationRoles = [Fixture.brreg: [RoleCode(unchecked: "DAGL"), RoleCode(unchecked: "SIGN")], Fixture.bank: [RoleCode(unchecked: "FFØR")]]
        let created = RequestCreated(
            id: id, consumer: Fixture.bank, offeredBy: .person(Fixture.haakon),
            grants: [ResourceGrant(resource: Fixture.nav5252, version: 2, metadata: [MetadataValue("fraOgMed", "01.01.2020"), MetadataValue("tilOgMed", "31.12.2024")],
                                   usesPerDay: 300),
                     ResourceGrant(resource: Fixture.tax4629, version: 1, metadata: [])],
            redirectURL: "https://banken.example/svar?x=æøå", validTo: t + .days(365), answerBy: t + .hours(24),
            language: .nynorsk, purpose: "Formål med «sitat» og emoji 🙂", userToken: SHA256Digest(bytes: SHA256.hash(Array(Fixture.haakon.digits.utf8))),
            idempotencyKey: "key-1", fingerprint: 0xFEDC_BA98_7654_3210, kind: .timeLimited)
        var open = created
        open.offeredBy = nil; open.userToken = nil; open.idempotencyKey = nil; open.language = nil; open.kind = .oneTime
        open.offeredBy = .organisation(Fixture.brreg)
        open.requiredDelegator = Fixture.haakon
        open.purposeTexts = LocalizedText(bokmal: nil, nynorsk: "Formål på nynorsk", english: "Purpose in English")
        let payloads: [(Actor, EventPayload)] = [
            (.dataSource(Fixture.nav), .resourceRegistered(DemoRegistry.navResource)),
            (.admin(Fixture.brreg), .resourceRegistered(DemoRegistry.taxResource)),
            (.dataSource(Fixture.nav), .consumerAuthorised(DemoRegistry.authorisations[0])),
            (.dataSource(Fixture.nav), .consumerDeauthorised(resource: Fixture.nav5252, consumer: Fixture.bank)),
            (.consumer(Fixture.bank), .requestCreated(created)),
            (.consumer(Fixture.bank), .requestCreated(open)),
            (.portal(Fixture.brreg, user: Fixture.haakonUser), .requestCreated(open)),
            (.endUser(signer), .requestAccepted(RequestAccepted(id: id, party: .organisation(Fixture.brreg), codeHash: hash, codeExpiresAt: t + .minutes(5),
                                                               authority: [RoleCode(unchecked: "DAGL")], language: .nynorsk))),
            (.endUser(Fixture.haakonUser), .requestAccepted(RequestAccepted(id: id, party: .person(Fixture.haakon), codeHash: hash, codeExpiresAt: t + .minutes(5)))),
            (.endUser(signer), .requestRejected(id: id, party: .organisation(Fixture.brreg), authority: [RoleCode(unchecked: "DAGL"), RoleCode(unchecked: "SIGN")],
                                                language: .english)),
            (.admin(Fixture.brreg), .resourceRegistered(AuthorityTests.navForManagers)),
            (.endUser(EndUser(nationalId: Fixture.dNumber, assuranceLevel: .substantial)), .requestRejected(id: id, party: .person(Fixture.dNumber))),
            (.endUser(Fixture.haakonUser), .consentRevoked(id)),
            (.consumer(Fixture.bank), .codeExchanged(id, hash)),
            (.consumer(Fixture.finansiering), .codeReuseAttempted(id, hash)),
            (.dataSource(Fixture.skatteetaten), .consentUsed(ConsentUse(id: id, resource: Fixture.tax4629, usedAt: t - .seconds(3)))),
            (.system, .requestExpired(id)),
            (.system, .consentExpired(id)),
            // The consumer ends a consent it no longer needs, and deletes an unanswered request.
            (.consumer(Fixture.bank), .consentRevoked(id)),
            (.consumer(Fixture.bank), .requestDeleted(id)),
            // A vendor acting for the bank; the bank's vendor register.
            (.vendor(VendorTests.vendor, for: Fixture.bank), .requestCreated(created)),
            (.consumer(Fixture.bank), .vendorAuthorised(VendorTests.mandate([Fixture.tax4629, Fixture.nav5252]))),
            (.admin(Fixture.brreg), .vendorDeauthorised(consumer: Fixture.bank, vendor: VendorTests.vendor)),
            // A data source's consent template, and a resource naming it (resourceRegistered version 4).
            (.dataSource(Fixture.nav), .templateRegistered(TemplateTests.with { $0.version = 2 })),
            (.admin(Fixture.brreg), .templateRegistered(TemplateTests.with { $0.version = 1; $0.kind = .consent; $0.expiry = LocalizedText(bokmal: nil) })),
            (.dataSource(Fixture.nav), .resourceRegistered(TemplateTests.nav(template: "nav-fullmakt"))),
        ]
        return payloads.enumerated().map { i, p in
            Event(sequence: UInt64(i) * 1_000_003 + 1, time: Timestamp(millisecondsSinceEpoch: i == 1 ? -5 : t.millisecondsSinceEpoch + Int64(i)),
                  actor: p.0, payload: p.1)
        }
    }

    @Test("Every kind of event round-trips")
    func roundTrip() throws {
        let samples = Self.samples
        #expect(Set(samples.map(\.kind)) == Set(EventKind.allCases))
        for event in samples {
            let bytes = EventCodec.encode(event)
            #expect(try EventCodec.decode(bytes) == event)
            #expect(try EventCodec.decode(([0xAA] + bytes + [0xBB])[1...bytes.count]) == event)
        }
    }

    @Test("Versions: the types that grew are written in their newest version and still read in the older ones; the others stay 1 and refuse newer")
    func versions() throws {
        let grewIn3: Set<EventKind> = [.resourceRegistered, .requestCreated, .requestAccepted, .requestRejected, .consentRevoked]
        for event in Self.samples {
            let bytes = EventCodec.encode(event)
            let grew = grewIn3.contains(event.kind)
            // Version 4: a resource naming a consent template; without one it stays 3.
            if case .resourceRegistered(let r) = event.payload, r.consentTemplate != nil {
                #expect(bytes[0] == 4)
                var three = bytes
                three[0] = 3
                three.removeLast(1 + "nav-fullmakt".utf8.count + 1)  // the optional string: flag, length, bytes
                var withoutTemplate = event
                var plain = r
                plain.consentTemplate = nil
                withoutTemplate.payload = .resourceRegistered(plain)
                #expect(try EventCodec.decode(three) == withoutTemplate)
                continue
            }
            #expect(bytes[0] == (grew ? 3 : 1), "\(event.kind)")
            if !grew {
                var two = bytes
                two[0] = 2
                #expect((#expect(throws: CodecError.self) { try EventCodec.decode(two) })?.message.contains("for a \(event.kind) event") == true)
            }
        }
        // A resource written before authority and actions existed (version 2:
        // no role or action count at the end) and before limits (version 1: no uses-per-day varint either).
        let registered = Self.samples.first { $0.kind == .resourceRegistered }!
        var two = EventCodec.encode(registered)
        two[0] = 2
        two.removeLast(2)  // no authority roles, no actions
        #expect(try EventCodec.decode(two) == registered)
        var one = two
        one[0] = 1
        one.removeLast()
        #expect(try EventCodec.decode(one) == registered)
        // A request written before required delegators and purpose texts (version 2): no delegator varint, no text mask at the end.
        var created = Self.samples.first { $0.kind == .requestCreated && $0.actor == .consumer(Fixture.bank) }!
        if case .requestCreated(var c) = created.payload { c.requiredDelegator = nil; created.payload = .requestCreated(c) }
        var createdTwo = EventCodec.encode(created)
        createdTwo[0] = 2
        createdTwo.removeLast(2)
        #expect(try EventCodec.decode(createdTwo) == created)
        // An acceptance of version 1, by a person without roles: no role count in the actor, no authority.
        let accepted = Self.samples.first { $0.kind == .requestAccepted && $0.actor == .endUser(Fixture.haakonUser) }!
        var w = ByteWriter()
        w.u8(1); w.u8(EventKind.requestAccepted.rawValue); w.varint(accepted.sequence); w.zigzag(accepted.time.millisecondsSinceEpoch)
        EventCodec.encode(accepted.actor, into: &w, encoding: 1)
        w.requestID(Self.id); w.varint(PartyID.person(Fixture.haakon).key); w.digest(Self.hash); w.zigzag((Self.t + .minutes(5)).millisecondsSinceEpoch)
        #expect(try EventCodec.decode(w.bytes) == accepted)
        #expect(w.bytes.count + 3 == EventCodec.encode(accepted).count, "a role count in the actor, none answered by, no language")
        // With a limit, version 2 carries it.
        var limited = registered
        if case .resourceRegistered(var resource) = limited.payload { resource.usesPerDay = 4; limited.payload = .resourceRegistered(resource) }
        #expect(try EventCodec.decode(EventCodec.encode(limited)) == limited)
        #expect(Array(EventCodec.encode(limited).suffix(3)) == [4, 0, 0], "uses per day, then no authority roles, no actions")
    }

    @Test("The documented layout of a small event")
    func layout() {
        let event = Event(sequence: 300, time: Timestamp(millisecondsSinceEpoch: -1), actor: .system, payload: .requestExpired(Self.id))
        let bytes = EventCodec.encode(event)
        // version 1, type 11, sequence 300 = AC 02, time -1 zigzag = 01, actor role system = 04, then 16 id bytes.
        #expect(Array(bytes.prefix(7)) == [1, 11, 0xAC, 0x02, 0x01, 4, 0x01])
        #expect(Array(bytes.suffix(16)) == Self.id.bytes)
        #expect(bytes.count == 22)
        let used = EventCodec.encode(Event(sequence: 1, time: Self.t, actor: .consumer(Fixture.bank),
                                           payload: .consentUsed(ConsentUse(id: Self.id, resource: Fixture.nav5252, usedAt: Self.t))))
        #expect(used.count < 48)
    }

    @Test("Every truncation of every event is refused with a message, never a crash")
    func truncation() {
        for event in Self.samples {
            let bytes = EventCodec.encode(event)
            for n in 0..<bytes.count {
                let error = #expect(throws: CodecError.self) { try EventCodec.decode(Array(bytes.prefix(n))) }
                #expect(error?.message.isEmpty == false)
            }
        }
        let error = #expect(throws: CodecError.self) { try EventCodec.decode(Array(EventCodec.encode(Self.samples.first { $0.kind == .codeExchanged }!).dropLast(5))) }
        #expect(error?.message.contains("truncated input") == true)
        #expect(error?.message.contains("code hash") == true)
    }

    @Test("Unknown version, unknown type, trailing bytes and bad values are named")
    func garbageNamed() {
        var bytes = EventCodec.encode(Self.samples[8])
        bytes[0] = 4
        #expect((#expect(throws: CodecError.self) { try EventCodec.decode(bytes) })?.message.contains("unsupported event encoding version 4") == true)
        bytes[0] = 1
        bytes[1] = 99
        #expect((#expect(throws: CodecError.self) { try EventCodec.decode(bytes) })?.message == "unknown event type 99")
        bytes[1] = 7
        #expect((#expect(throws: CodecError.self) { try EventCodec.decode(bytes + [0]) })?.message.contains("unexpected bytes") == true)
        #expect((#expect(throws: CodecError.self) { try EventCodec.decode([1, 7, 1, 0, 9]) })?.message.contains("unknown actor role 9") == true)
        #expect((#expect(throws: CodecError.self) { try EventCodec.decode([1, 7, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) })?.message.contains("64 bits") == true)
        #expect((#expect(throws: CodecError.self) { try EventCodec.decode([]) })?.message.contains("version") == true)
    }

    @Test("Random garbage and bit flips never crash the decoder")
    func fuzz() {
        var random = SplitMix64(seed: 7)
        let valid = Self.samples.map(EventCodec.encode)
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = valid[Int(random.next() % UInt64(valid.count))]
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    let i = Int(random.next() % UInt64(bytes.count))
                    bytes[i] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                }
            } else {
                bytes = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                if !bytes.isEmpty { bytes[0] = 1 }
                if bytes.count > 1 { bytes[1] = UInt8(1 + random.next() % UInt64(EventKind.allCases.count)) }
            }
            _ = try? EventCodec.decode(bytes)
        }
    }

    @Test("A snapshot restores an equal state; truncated or altered snapshots are refused")
    func snapshot() throws {
        var hub = TestHub()
        let (a, code) = hub.givenConsent()
        try hub.exchange(code)
        try hub.use(a, Fixture.nav5252)
        var keyed = TestHub.navRequest(key: "idem")
        keyed.userToken = Fixture.haakon.userToken
        _ = try hub.create(keyed)
        let bytes = hub.state.encodeSnapshot()
        let restored = try ConsentState(snapshot: bytes)
        #expect(restored == hub.state)
        #expect(restored.encodeSnapshot().count == bytes.count)

        for n in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            #expect(throws: CodecError.self) { try ConsentState(snapshot: Array(bytes.prefix(n))) }
        }
        var wrong = bytes
        wrong[0] = UInt8(ascii: "X")
        #expect((#expect(throws: CodecError.self) { try ConsentState(snapshot: wrong) })?.message.contains("bad magic") == true)
        wrong = bytes
        wrong[6] = 9
        #expect((#expect(throws: CodecError.self) { try ConsentState(snapshot: wrong) })?.message.contains("unsupported snapshot version 9") == true)
        #expect((#expect(throws: CodecError.self) { try ConsentState(snapshot: bytes + [1]) })?.message.contains("unexpected bytes") == true)
        var random = SplitMix64(seed: 3)
        for _ in 0..<500 {
            var flipped = bytes
            flipped[7 + Int(random.next() % UInt64(bytes.count - 7))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            _ = try? ConsentState(snapshot: flipped)
        }
    }

    @Test("An empty state's snapshot round-trips")
    func emptySnapshot() throws {
        #expect(try ConsentState(snapshot: ConsentState().encodeSnapshot()) == ConsentState())
    }
}
