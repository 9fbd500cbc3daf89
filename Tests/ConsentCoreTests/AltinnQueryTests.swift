import Testing
@testable import ConsentCore

@Suite("Altinn-2 query strings (seed 004)")
struct AltinnQueryTests {
    static let bank = Fixture.bank.description

    /// Seed 004's example, for BANKEN AS and the NAV resource.
    static func query(_ overrides: [String: String?] = [:], extra: String = "") -> String {
        var params: [(String, String)] = [
            ("Resources", "5252_1"),
            ("CoveredBy", bank),
            ("OfferedBy", "01019012480"),
            ("RedirectUrl", "https%3A%2F%2Fbanken.example%2Fsamtykke%3Fsak%3D7"),
            ("ValidToDate", "2026-06-01+12:00:00"),
            ("LanguageCode", "nb-NO"),
            ("DelegationContext", "For+%C3%A5+behandle+s%C3%B8knaden+din"),
            ("ResponseType", "code"),
            ("5252_1_fraOgMed", "01.01.2020"),
            ("5252_1_tilOgMed", "31.12.2024"),
            ("UserToken", Fixture.haakon.userToken.uppercased()),
        ]
        for (key, value) in overrides {
            if let i = params.firstIndex(where: { $0.0 == key }) {
                if let value { params[i].1 = value } else { params.remove(at: i) }
            } else if let value {
                params.append((key, value))
            }
        }
        return params.map { "\($0.0)=\($0.1)" }.joined(separator: "&") + extra
    }

    @Test("Seed 004's parameters parse into a structured request")
    func parses() throws {
        let request = try NewConsentRequest(altinnQuery: Self.query(), coveredBy: Fixture.bank, idempotencyKey: "k")
        #expect(request.resources == [ResourceRequest(Fixture.nav5252, metadata: [MetadataValue("fraOgMed", "01.01.2020"), MetadataValue("tilOgMed", "31.12.2024")])])
        #expect(request.offeredBy == .person(Fixture.haakon))
        #expect(request.redirectURL == "https://banken.example/samtykke?sak=7")
        // 12:00 in Oslo summer time is 10:00 UTC.
        #expect(request.validTo.description == "2026-06-01T10:00:00.000Z")
        #expect(request.language == .bokmal)
        #expect(request.purpose == "For å behandle søknaden din")
        #expect(request.userToken == Fixture.haakon.userToken.uppercased())
        #expect(request.idempotencyKey == "k")
    }

    @Test("A leading '?' or a whole Altinn URL is accepted, names ignore case, trailing '&' is harmless")
    func lenientSyntax() throws {
        let base = try NewConsentRequest(altinnQuery: Self.query(), coveredBy: Fixture.bank)
        #expect(try NewConsentRequest(altinnQuery: "?" + Self.query(), coveredBy: Fixture.bank) == base)
        #expect(try NewConsentRequest(altinnQuery: "https://altinn.no/ui/AccessConsent/?" + Self.query() + "&", coveredBy: Fixture.bank) == base)
        let lower = Self.query().replacingFirst("Resources=", with: "resources=").replacingFirst("ResponseType", with: "RESPONSETYPE")
        #expect(try NewConsentRequest(altinnQuery: lower, coveredBy: Fixture.bank) == base)
    }

    @Test("An unescaped '?' inside a value is part of the value: the parameters before it are kept")
    func questionMarkInAValue() throws {
        // RFC 3986 allows '?' in a query; cutting at it once dropped OfferedBy and UserToken.
        let plain = Self.query(["RedirectUrl": "https://banken.example/samtykke?sak=7"])
        let request = try NewConsentRequest(altinnQuery: plain, coveredBy: Fixture.bank)
        #expect(request.redirectURL == "https://banken.example/samtykke?sak=7")
        #expect(request.offeredBy == .person(Fixture.haakon))
        #expect(request.userToken == Fixture.haakon.userToken.uppercased())
        // The whole-URL form still works with such a value.
        let url = try NewConsentRequest(altinnQuery: "https://altinn.no/ui/AccessConsent/?" + plain, coveredBy: Fixture.bank)
        #expect(url == request)
    }

    @Test("Several resources are separated by dots, each with its own metadata")
    func severalResources() throws {
        let q = Self.query(["Resources": "4629_2.4630_1", "5252_1_fraOgMed": nil, "5252_1_tilOgMed": nil,
                            "4629_2_inntektsaar": "2024", "4630_1_fraOgMed": "01.01.2025", "4630_1_tilOgMed": "31.05.2025"])
        let request = try NewConsentRequest(altinnQuery: q, coveredBy: Fixture.bank)
        #expect(request.resources.map(\.resource) == [Fixture.tax4629, Fixture.income4630])
        #expect(request.resources[0].metadata == [MetadataValue("inntektsaar", "2024")])
        #expect(request.resources[1].metadata.count == 2)
    }

    @Test("Optional parameters may be left out or empty")
    func optionals() throws {
        let request = try NewConsentRequest(altinnQuery: Self.query(["OfferedBy": nil, "LanguageCode": "", "UserToken": nil]), coveredBy: Fixture.bank)
        #expect(request.offeredBy == nil && request.language == nil && request.userToken == nil)
        let org = try NewConsentRequest(altinnQuery: Self.query(["OfferedBy": "974760673", "UserToken": nil]), coveredBy: Fixture.bank)
        #expect(org.offeredBy == .organisation(Fixture.brreg))
    }

    @Test("ValidToDate in winter is UTC+1")
    func winterTime() throws {
        let request = try NewConsentRequest(altinnQuery: Self.query(["ValidToDate": "2026-01-15%2008:30:00"]), coveredBy: Fixture.bank)
        #expect(request.validTo.description == "2026-01-15T07:30:00.000Z")
    }

    @Test("Every required parameter is reported by name when missing", arguments: ["Resources", "CoveredBy", "RedirectUrl", "ValidToDate", "DelegationContext", "ResponseType"])
    func missing(_ name: String) {
        expectRefused(.invalidArgument, "query_parameter_missing", name) {
            () throws(DomainError) in try NewConsentRequest(altinnQuery: Self.query([name: nil]), coveredBy: Fixture.bank)
        }
        expectRefused(.invalidArgument, "query_parameter_missing", name) {
            () throws(DomainError) in try NewConsentRequest(altinnQuery: Self.query([name: ""]), coveredBy: Fixture.bank)
        }
    }

    @Test("Malformed parameters", arguments: [
        ("Resources", "5252-1", DomainError.Code.invalidArgument, "resource_id_malformed", "5252-1"),
        ("Resources", "5252_1..4629_2", .invalidArgument, "resource_id_malformed", "''"),
        ("CoveredBy", "91020304", .invalidArgument, "organisation_number_length", "8 characters"),
        ("CoveredBy", "910203046", .invalidArgument, "organisation_number_check_digit", "910203046"),
        ("CoveredBy", "974760673", .permissionDenied, "covered_by_not_caller", "974760673"),
        ("OfferedBy", "0101901248", .invalidArgument, "party_id_length", "10 characters"),
        ("OfferedBy", "01019012481", .invalidArgument, "national_id_check_digit", "check digits"),
        ("ValidToDate", "2026-06-01", .invalidArgument, "valid_to_date_malformed", "YYYY-MM-DD hh:mm:ss"),
        ("ValidToDate", "2026-02-30+12:00:00", .invalidArgument, "valid_to_date_malformed", "2026-02-30 12:00:00"),
        ("ValidToDate", "2026-06-01T12:00:00", .invalidArgument, "valid_to_date_malformed", "Norwegian time"),
        ("ValidToDate", "2026-06-01+24:00:00", .invalidArgument, "valid_to_date_malformed", "24:00"),
        ("LanguageCode", "no", .invalidArgument, "language_unknown", "nn-NO"),
        ("ResponseType", "token", .invalidArgument, "response_type_not_code", "'token'"),
        ("ResponseType", "Code", .invalidArgument, "response_type_not_code", "'Code'"),
        ("DelegationContext", "50%", .invalidArgument, "query_percent_encoding", "DelegationContext"),
        ("DelegationContext", "%C3", .invalidArgument, "query_percent_encoding", "UTF-8"),
        ("4629_2_inntektsaar", "2024", .invalidArgument, "metadata_for_unlisted_resource", "4629_2"),
    ])
    func malformed(_ name: String, _ value: String, _ code: DomainError.Code, _ reason: String, _ fragment: String) {
        expectRefused(code, reason, fragment) {
            () throws(DomainError) in try NewConsentRequest(altinnQuery: Self.query([name: value]), coveredBy: Fixture.bank)
        }
    }

    @Test("Unknown parameters are refused, with a suggestion for a typo", arguments: [
        ("RedirectURI", "did you mean RedirectUrl?"),
        ("ValidTo", "did you mean ValidToDate?"),
        ("Langauge", "the parameters are"),
        ("Scope", "5252_1_fraOgMed"),
        ("5252_1_", "the parameters are"),
    ])
    func unknown(_ name: String, _ fragment: String) {
        expectRefused(.invalidArgument, "query_parameter_unknown", fragment) {
            () throws(DomainError) in try NewConsentRequest(altinnQuery: Self.query(extra: "&\(name)=x"), coveredBy: Fixture.bank)
        }
    }

    @Test("A repeated parameter is refused, whatever its case")
    func repeated() {
        expectRefused(.invalidArgument, "query_parameter_repeated", "Resources") {
            () throws(DomainError) in try NewConsentRequest(altinnQuery: Self.query(extra: "&resources=4629_2"), coveredBy: Fixture.bank)
        }
        expectRefused(.invalidArgument, "query_parameter_repeated", "5252_1_fraOgMed") {
            () throws(DomainError) in try NewConsentRequest(altinnQuery: Self.query(extra: "&5252_1_fraOgMed=02.01.2020"), coveredBy: Fixture.bank)
        }
    }

    @Test("Percent-decoding: escapes, '+' as space, '%2B' as plus, encoded names")
    func percentDecoding() throws {
        let q = Self.query(["DelegationContext": "a%2Bb+c%20d%26e%3D"], extra: "").replacingFirst("LanguageCode", with: "Language%43ode")
        let request = try NewConsentRequest(altinnQuery: q, coveredBy: Fixture.bank)
        #expect(request.purpose == "a+b c d&e=")
        #expect(request.language == .bokmal)
    }

    @Test("A query creates a request through the same rules as a structured one")
    func createFromQuery() throws {
        var hub = TestHub()
        guard case .request(let view) = try hub.perform(.createRequestFromQuery(Self.query(), idempotencyKey: nil), by: .consumer(Fixture.bank)) else {
            Issue.record("no request"); return
        }
        #expect(view.redirectURL == "https://banken.example/samtykke?sak=7")
        #expect(view.offeredBy == .person(Fixture.haakon))
        // Metadata rules apply to the query path too.
        expectRefused(.invalidArgument, "metadata_malformed", "5252_1_fraOgMed") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(["5252_1_fraOgMed": "2020-01-01"]), idempotencyKey: nil), by: .consumer(Fixture.bank))
        }
        expectRefused(.invalidArgument, "metadata_key_unknown", "did you mean 'fraOgMed'") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(["5252_1_fraOgMed": nil, "5252_1_fraogmed": "01.01.2020"]), idempotencyKey: nil), by: .consumer(Fixture.bank))
        }
        expectRefused(.permissionDenied, "redirect_host_not_registered", "evil.example") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(["RedirectUrl": "https://evil.example/"]), idempotencyKey: nil), by: .consumer(Fixture.bank))
        }
    }

    @Test("The portal submits a consumer's query: the request is the consumer's, the feed names the portal")
    func portalSubmitsForTheConsumer() throws {
        var hub = TestHub()
        let portal = Actor.portal(Fixture.brreg, user: Fixture.haakonUser)
        let decision = try hub.engine.execute(.createRequestFromQuery(Self.query(), idempotencyKey: "p-1"), by: portal)
        guard case .request(let view) = try decision.get() else { Issue.record("no request"); return }
        // The event records the portal and who was logged in (the feed shows only the portal).
        #expect(decision.events.map(\.actor) == [portal])
        #expect(view.consumer == Fixture.bank)
        #expect(view.offeredBy == .person(Fixture.haakon))
        let created = try hub.state.events(after: 0, for: .consumer(Fixture.bank)).entries.last!
        #expect(created.kind == .requestCreated && created.requestID == view.id && created.consumer == Fixture.bank)
        #expect(created.performedBy == .portal(Fixture.brreg))
        // The consumer sees it as its own.
        #expect(try hub.state.request(view.id, by: .consumer(Fixture.bank), at: hub.now).id == view.id)
        // Idempotency keys are the consumer's: the same query with the same key gets the same request.
        let retried = try hub.engine.execute(.createRequestFromQuery(Self.query(), idempotencyKey: "p-1"), by: portal)
        #expect(retried.events.isEmpty)
        #expect(try retried.get() == .request(view))
    }

    @Test("Through the portal a query can only ask the person logged in, or an organisation they sign for")
    func portalQueryAsksOnlyTheUser() throws {
        var hub = TestHub()
        let haakon = Actor.portal(Fixture.brreg, user: Fixture.haakonUser)
        let ingrid = Actor.portal(Fixture.brreg, user: Fixture.ingridUser)
        // Without OfferedBy (and UserToken) the request asks whoever submitted it.
        guard case .request(let open) = try hub.perform(.createRequestFromQuery(Self.query(["OfferedBy": nil, "UserToken": nil]), idempotencyKey: nil), by: ingrid) else {
            Issue.record("no request"); return
        }
        #expect(open.offeredBy == .person(Fixture.ingrid))
        // Nobody else can answer it: the link is no use to anyone but Ingrid.
        expectRefused(.permissionDenied, "offered_by_mismatch") {
            () throws(DomainError) in try hub.perform(.acceptRequest(open.id, code: CodeGrant(codeHash: codeHash(1), expiresAt: nil), onBehalfOf: nil),
                                                      by: .endUser(Fixture.haakonUser))
        }
        // Another person's OfferedBy, or another person's UserToken: refused, nothing created.
        let before = hub.state.requestCount
        expectRefused(.permissionDenied, "offered_by_mismatch") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(["UserToken": nil]), idempotencyKey: nil), by: ingrid)
        }
        expectRefused(.unauthenticated, "user_token_mismatch") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(["OfferedBy": nil]), idempotencyKey: nil), by: ingrid)
        }
        // An organisation the user may not sign for.
        expectRefused(.permissionDenied, "offered_by_mismatch") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(["OfferedBy": Fixture.brreg.description, "UserToken": nil]), idempotencyKey: nil), by: haakon)
        }
        #expect(hub.state.requestCount == before)
        // One they sign for is theirs to ask about.
        var signer = Fixture.haakonUser
        signer.maySignFor = [Fixture.brreg]
        guard case .request(let forOrg) = try hub.perform(.createRequestFromQuery(Self.query(["OfferedBy": Fixture.brreg.description, "UserToken": nil]), idempotencyKey: nil),
                                                           by: .portal(Fixture.brreg, user: signer)) else {
            Issue.record("no request"); return
        }
        #expect(forOrg.offeredBy == .organisation(Fixture.brreg))
    }

    @Test("Through the portal, exactly the consumer's rules apply")
    func portalQueryRefusals() throws {
        var hub = TestHub()
        let portal = Actor.portal(Fixture.brreg, user: Fixture.haakonUser)
        // A consumer nobody authorised (a valid organisation number all the same).
        expectRefused(.permissionDenied, "consumer_not_authorised") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(["CoveredBy": Fixture.finansiering.description]), idempotencyKey: nil), by: portal)
        }
        expectRefused(.permissionDenied, "redirect_host_not_registered", "evil.example") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(["RedirectUrl": "https://evil.example/"]), idempotencyKey: nil), by: portal)
        }
        expectRefused(.invalidArgument, "redirect_not_https") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(["RedirectUrl": "http://banken.example/"]), idempotencyKey: nil), by: portal)
        }
        expectRefused(.invalidArgument, "query_parameter_missing", "CoveredBy") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(["CoveredBy": nil]), idempotencyKey: nil), by: portal)
        }
        // Neither a data source nor an end user may submit queries.
        expectRefused(.permissionDenied, "role_not_allowed") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(), idempotencyKey: nil), by: .dataSource(Fixture.nav))
        }
        expectRefused(.permissionDenied, "role_not_allowed") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(), idempotencyKey: nil), by: .endUser(Fixture.haakonUser))
        }
        #expect(hub.state.requestCount == 0)
    }

    @Test("A retried query with the same idempotency key returns the same request")
    func queryIdempotency() throws {
        var hub = TestHub()
        let first = try hub.perform(.createRequestFromQuery(Self.query(), idempotencyKey: "q-1"), by: .consumer(Fixture.bank))
        let second = try hub.engine.execute(.createRequestFromQuery(Self.query(), idempotencyKey: "q-1"), by: .consumer(Fixture.bank))
        #expect(second.events.isEmpty)
        #expect(try second.get() == first)
        expectRefused(.alreadyExists, "idempotency_key_reused") {
            () throws(DomainError) in try hub.perform(.createRequestFromQuery(Self.query(["LanguageCode": "en"]), idempotencyKey: "q-1"), by: .consumer(Fixture.bank))
        }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        let chars = Array(self), t = Array(target)
        guard t.count <= chars.count else { return self }
        for i in 0...(chars.count - t.count) where Array(chars[i..<i + t.count]) == t {
            return String(chars[..<i]) + replacement + String(chars[(i + t.count)...])
        }
        return self
    }
}
