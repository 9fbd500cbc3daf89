import Testing
@testable import ConsentCore

// MARK: Identifiers for tests, computed with the module's own check-digit functions.

/// A valid organisation number from its first eight digits.
func org(_ firstEight: UInt32) -> OrganisationNumber {
    let check = OrganisationNumber.checkDigit(forFirstEightDigits: firstEight)!
    return try! OrganisationNumber(validating: firstEight * 10 + UInt32(check))
}

/// A valid national identity number from its first nine digits.
func person(_ nine: String) -> NationalIdentityNumber {
    let digits = nine.utf8.map { $0 - 0x30 }
    let (k1, k2) = NationalIdentityNumber.checkDigits(forFirstNine: digits)!
    return try! NationalIdentityNumber(validating: nine + "\(k1)\(k2)")
}

enum Fixture {
    static let nav = DemoRegistry.nav
    static let skatteetaten = DemoRegistry.skatteetaten
    static let bank = DemoRegistry.bankenAS
    /// FINANSIERING AS of seed 002; not authorised for anything unless a test does it.
    static let finansiering = org(91122334)
    static let brreg = try! OrganisationNumber(validating: "974760673")

    static let haakon = person("010190124")      // 01019012480
    static let ingrid = person("150585123")      // 15058512343
    static let dNumber = person("410190123")     // 41019012393

    static let haakonUser = EndUser(nationalId: haakon, assuranceLevel: .high, name: "HÅKON TRANA")
    static let ingridUser = EndUser(nationalId: ingrid, assuranceLevel: .high, name: "INGRID BERG")

    static let nav5252 = DemoRegistry.disabilityBenefits
    static let tax4629 = DemoRegistry.incomeAndTaxBase
    static let income4630 = DemoRegistry.incomeInformation

    /// 2025-06-02 08:00:00 UTC = 10:00 Oslo summer time.
    static let start = Timestamp(millisecondsSinceEpoch: 1_748_851_200_000)

    static let redirect = "https://banken.example/samtykke/svar"
}

extension Duration {
    static func minutes(_ n: Int64) -> Duration { .seconds(n * 60) }
    static func hours(_ n: Int64) -> Duration { .seconds(n * 3600) }
    static func days(_ n: Int64) -> Duration { .seconds(n * 86_400) }
}

/// A distinct 32-byte code hash per number.
func codeHash(_ n: Int) -> [UInt8] {
    SHA256.hash(Array("code-\(n)".utf8))
}

// MARK: A hub for tests

/// A consent engine with a manual clock, a seeded random source and the demo registry.
struct TestHub {
    var engine: ConsentEngine<ManualClock, SplitMix64>
    private var codeCounter = 0

    init(seed: UInt64 = 1, demo: Bool = true, configuration: ConsentConfiguration = ConsentConfiguration()) {
        engine = ConsentEngine(state: ConsentState(configuration: configuration),
                               clock: ManualClock(Fixture.start), random: SplitMix64(seed: seed))
        if demo {
            for seed in DemoRegistry.commands { try! engine.perform(seed.command, by: seed.actor) }
        }
    }

    var state: ConsentState { engine.state }
    var now: Timestamp { engine.clock.now() }

    mutating func advance(_ d: Duration) { engine.clock.advance(by: d) }

    @discardableResult
    mutating func perform(_ command: Command, by actor: Actor) throws(DomainError) -> CommandResult {
        try engine.perform(command, by: actor)
    }

    /// A NAV request from BANKEN AS, valid for a year, with good metadata.
    static func navRequest(offeredBy: PartyID? = nil, validFor: Duration = .days(365), key: String? = nil) -> NewConsentRequest {
        NewConsentRequest(
            resources: [ResourceRequest(Fixture.nav5252, metadata: [MetadataValue("fraOgMed", "01.01.2020"), MetadataValue("tilOgMed", "31.12.2024")])],
            offeredBy: offeredBy, redirectURL: Fixture.redirect, validTo: Fixture.start + validFor,
            language: .bokmal, purpose: "Behandle krav om uføreytelser", idempotencyKey: key)
    }

    /// A one-time tax request from BANKEN AS for income year 2024, valid 10 days.
    static func taxRequest(offeredBy: PartyID? = nil) -> NewConsentRequest {
        NewConsentRequest(
            resources: [ResourceRequest(Fixture.tax4629, metadata: [MetadataValue("inntektsaar", "2024")])],
            offeredBy: offeredBy, redirectURL: Fixture.redirect, validTo: Fixture.start + .days(10),
            purpose: "Lånesøknad")
    }

    mutating func create(_ request: NewConsentRequest, by consumer: OrganisationNumber = Fixture.bank) throws(DomainError) -> RequestView {
        guard case .request(let view) = try perform(.createRequest(request), by: .consumer(consumer)) else { fatalError("not a request") }
        return view
    }

    mutating func nextCode() -> [UInt8] {
        codeCounter += 1
        return codeHash(codeCounter)
    }

    @discardableResult
    mutating func accept(_ id: RequestID, as user: EndUser = Fixture.haakonUser, code: [UInt8]? = nil,
                         onBehalfOf: OrganisationNumber? = nil) throws(DomainError) -> ConsentAnswer {
        let hash = code ?? nextCode()
        guard case .answer(let a) = try perform(.acceptRequest(id, code: CodeGrant(codeHash: hash), onBehalfOf: onBehalfOf),
                                                by: .endUser(user)) else { fatalError("not an answer") }
        return a
    }

    @discardableResult
    mutating func reject(_ id: RequestID, as user: EndUser = Fixture.haakonUser) throws(DomainError) -> ConsentAnswer {
        guard case .answer(let a) = try perform(.rejectRequest(id), by: .endUser(user)) else { fatalError("not an answer") }
        return a
    }

    @discardableResult
    mutating func revoke(_ id: RequestID, as actor: Actor = .endUser(Fixture.haakonUser)) throws(DomainError) -> RequestView {
        guard case .revoked(let v) = try perform(.revokeConsent(id), by: actor) else { fatalError("not revoked") }
        return v
    }

    @discardableResult
    mutating func exchange(_ code: [UInt8], by consumer: OrganisationNumber = Fixture.bank) throws(DomainError) -> TokenFacts {
        guard case .tokenFacts(let f) = try perform(.exchangeCode(codeHash: code), by: .consumer(consumer)) else { fatalError("no facts") }
        return f
    }

    @discardableResult
    mutating func use(_ id: RequestID, _ resource: ResourceID, at: Timestamp? = nil,
                      by actor: Actor = .consumer(Fixture.bank)) throws(DomainError) -> UseReceipt {
        guard case .used(let r) = try perform(.logUse(UseReport(consent: id, resource: resource, usedAt: at ?? now)), by: actor)
        else { fatalError("no receipt") }
        return r
    }

    /// Creates a NAV request and has Håkon accept it; returns its id and code.
    @discardableResult
    mutating func givenConsent(_ request: NewConsentRequest = TestHub.navRequest()) -> (id: RequestID, code: [UInt8]) {
        let view = try! create(request)
        let code = nextCode()
        try! accept(view.id, code: code)
        return (view.id, code)
    }
}

// MARK: Refusals

/// Runs `body` and returns the refusal it threw, or `nil`.
func refusal<T>(_ body: () throws(DomainError) -> T) -> DomainError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// Expects `body` to be refused with this code and reason, and a message containing `fragment`.
func expectRefused<T>(_ code: DomainError.Code, _ reason: String, _ fragment: String = "",
                      sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () throws(DomainError) -> T) {
    guard let error = refusal(body) else {
        Issue.record("expected \(code) \(reason), but it succeeded", sourceLocation: sourceLocation)
        return
    }
    #expect(error.code == code, "reason \(error.reason): \(error.message)", sourceLocation: sourceLocation)
    #expect(error.reason == reason, "\(error.message)", sourceLocation: sourceLocation)
    if !fragment.isEmpty {
        #expect(error.message.contains(fragment), "message: \(error.message)", sourceLocation: sourceLocation)
    }
}
