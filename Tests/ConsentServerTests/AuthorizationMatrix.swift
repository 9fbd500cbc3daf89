import ConsentClient
import ConsentCore
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Synchronization

/// The pieces of the authorization matrix test (AuthorizationMatrixTests):
/// the callers (the table's columns), the objects every call is aimed at,
/// one request per RPC, and the table in docs/SECURITY.md.
enum Matrix {
    // MARK: Callers

    /// One column of the matrix: who calls.
    enum Caller: String, CaseIterable {
        case consumer = "consumer"
        case secondConsumer = "consumer 2"
        case dataSource = "datasource"
        case secondDataSource = "datasource 2"
        case portal = "portal"
        case portalOtherPerson = "portal, other person"
        case portalNoUser = "portal, no user"
        case vendor = "vendor"
        case admin = "admin"
        case unknownOrganisation = "unknown organisation"
        case foreignCA = "foreign CA"
        case noCertificate = "no certificate"

        /// The roles this caller acts in (a new role needs a caller, and a column).
        var roles: Set<Role> {
            switch self {
            case .consumer, .secondConsumer: [.consumer]
            case .dataSource, .secondDataSource: [.datasource]
            case .portal, .portalOtherPerson, .portalNoUser: [.portal]
            case .vendor: [.vendor]
            case .admin: [.admin]
            case .unknownOrganisation, .foreignCA, .noCertificate: []
            }
        }

        /// Its principal's name in `InProcessHub.defaultPrincipals`; nil for
        /// the callers only a real TLS handshake can show.
        var inProcessName: String? {
            switch self {
            case .consumer: "consumer"
            case .secondConsumer: "consumer-2"
            case .dataSource: "datasource"
            case .secondDataSource: "datasource-skatt"
            case .portal, .portalOtherPerson, .portalNoUser: "portal"
            case .vendor: "vendor"
            case .admin: "admin"
            case .unknownOrganisation, .foreignCA, .noCertificate: nil
            }
        }

        /// The end user the portal states, if any.
        var metadata: Metadata {
            switch self {
            case .portal: TestHub.portalUser()
            case .portalOtherPerson: TestHub.portalUser(Matrix.otherPerson, name: "KARI NORDMANN")
            case .vendor: TestHub.actingFor(Flow.bank)
            default: Metadata()
            }
        }

        /// What this caller, not party to the fixture, must never be shown
        /// in an OK answer beside the fixture's ids and the person's national
        /// id: for those outside the bank's and NAV's business, their
        /// organisation numbers too (the other data source, Skatteetaten,
        /// sees BANKEN AS among the consumers of its own resources).
        var forbidden: [String]? {
            switch self {
            case .secondDataSource: []
            case .secondConsumer, .portalOtherPerson, .portalNoUser, .unknownOrganisation, .foreignCA, .noCertificate:
                [Flow.bank, DevPrincipal.nav.organisationNumber]
            // Names BANKEN AS in its metadata, which never registered it as its vendor.
            case .vendor: [DevPrincipal.nav.organisationNumber]
            case .consumer, .dataSource, .portal, .admin: nil
            }
        }
    }

    /// Another synthetic person (valid check digits), who is owed nothing.
    static let otherPerson = "01019012480"

    // MARK: What every call is aimed at

    /// Made on a fresh hub before each call: BANKEN AS (`consumer`) asked
    /// the demo user for NAV's (`datasource`) 5252_1 twice; one request is
    /// open, the other was accepted (its code not yet used) and has a token.
    struct Fixture: Sendable {
        let openRequest: String
        let consent: String
        let code: String
        let token: String
        /// NAV's 5252_1 as GetResource shows it, owner left empty.
        let resource: Consent_V1_ResourceDefinition

        /// What an outsider must never be shown.
        var secrets: [String] { [openRequest, consent, code, token, TestHub.demoUserID] }

        init(on hub: InProcessHub) async throws {
            let bank = try hub.client("consumer")
            let portal = try hub.client("portal")
            let nav = try hub.client("datasource")
            defer { bank.close(); portal.close(); nav.close() }
            openRequest = try await bank.unary(Consent_V1_ConsentService.createRequest, Flow.navRequest()).request!.id
            consent = try await bank.unary(Consent_V1_ConsentService.createRequest, Flow.navRequest()).request!.id
            let answer = try await portal.unary(Consent_V1_ConsentService.acceptRequest, .init(requestId: consent), options: Flow.user())
            code = try Flow.parameter("AuthorizationCode", in: answer.redirectUrl).orThrow("no code in \(answer.redirectUrl)")
            token = try await bank.unary(Consent_V1_TokenService.issueToken, .init(consentId: consent)).grant!.token
            var resource = try await nav.unary(Consent_V1_RegistryService.getResource, .init(resourceId: "5252_1")).resource!
            resource.ownerOrgNumber = ""
            self.resource = resource
        }

        /// Ids of the right shape for callers refused before anything is
        /// looked up (the TLS columns).
        init(placeholder: Void) {
            openRequest = UUID().uuidString.lowercased()
            consent = UUID().uuidString.lowercased()
            code = String(repeating: "A", count: 43)
            token = "e30.e30.AA"
            resource = Consent_V1_ResourceDefinition(resourceId: "5252_1")
        }
    }

    // MARK: One request per RPC

    /// A call's request, and for a batch, how to read its one item's outcome.
    struct Call: Sendable {
        let payload: @Sendable (Fixture) -> [UInt8]
        var item: (@Sendable ([UInt8]) throws -> Consent_V1_TokenItemStatus?)? = nil
    }

    typealias Consent = Consent_V1_ConsentService
    typealias Registry = Consent_V1_RegistryService
    typealias Token = Consent_V1_TokenService

    /// Every RPC the matrix knows how to call, by full name. A new RPC needs
    /// an entry here and a row in docs/SECURITY.md.
    static let calls: [String: Call] = [
        Consent_V1_Health.check.fullName: Call { _ in Consent_V1_HealthCheckRequest().serializedBytes() },
        Consent_V1_Health.stats.fullName: Call { _ in Consent_V1_HealthStatsRequest().serializedBytes() },

        Registry.registerResource.fullName: Call { f in Consent_V1_RegisterResourceRequest(resource: f.resource).serializedBytes() },
        Registry.getResource.fullName: Call { _ in Consent_V1_GetResourceRequest(resourceId: "5252_1").serializedBytes() },
        Registry.listResources.fullName: Call { _ in Consent_V1_ListResourcesRequest().serializedBytes() },
        Registry.authoriseConsumer.fullName: Call { _ in
            Consent_V1_AuthoriseConsumerRequest(authorisation: .init(
                resourceId: "5252_1", consumerOrgNumber: InProcessHub.secondConsumerID, consumerName: "FINANSIERING AS",
                redirectDomains: ["finansiering.example"])).serializedBytes()
        },
        Registry.deauthoriseConsumer.fullName: Call { _ in
            Consent_V1_DeauthoriseConsumerRequest(resourceId: "5252_1", consumerOrgNumber: Flow.bank).serializedBytes()
        },
        Registry.listAuthorisations.fullName: Call { _ in Consent_V1_ListAuthorisationsRequest(resourceId: "5252_1").serializedBytes() },
        Registry.authoriseVendor.fullName: Call { _ in
            Consent_V1_AuthoriseVendorRequest(authorisation: .init(
                consumerOrgNumber: Flow.bank, vendorOrgNumber: DevPrincipal.vendor.organisationNumber, vendorName: "BANKSYSTEMER AS",
                resourceIds: ["5252_1"])).serializedBytes()
        },
        Registry.deauthoriseVendor.fullName: Call { _ in
            Consent_V1_DeauthoriseVendorRequest(consumerOrgNumber: Flow.bank, vendorOrgNumber: DevPrincipal.vendor.organisationNumber).serializedBytes()
        },
        Registry.listVendors.fullName: Call { _ in Consent_V1_ListVendorsRequest().serializedBytes() },
        // NAV's template, owner named: Skatteetaten may not register for NAV.
        Registry.registerTemplate.fullName: Call { _ in
            Consent_V1_RegisterTemplateRequest(consentTemplate: .init(
                templateId: "nav-fullmakt", ownerOrgNumber: DevPrincipal.nav.organisationNumber, kind: .powerOfAttorney,
                heading: .init(nbNo: "Fullmakt"), intro: .init(nbNo: "{CoveredByName} ber om fullmakt."))).serializedBytes()
        },
        Registry.listTemplates.fullName: Call { _ in Consent_V1_ListTemplatesRequest().serializedBytes() },

        Consent.createRequest.fullName: Call { _ in Flow.navRequest().serializedBytes() },
        Consent.createRequestFromQuery.fullName: Call { _ in
            let year = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1
            return Consent_V1_CreateRequestFromQueryRequest(query: "Resources=5252_1&CoveredBy=\(Flow.bank)&OfferedBy=\(TestHub.demoUserID)"
                + "&RedirectUrl=https%3A%2F%2Fbanken.example%2Fcb&ValidToDate=\(year)-06-30%2012:00:00&ResponseType=code"
                + "&DelegationContext=Forsikring&5252_1_fraOgMed=01.01.2024&5252_1_tilOgMed=31.12.2024").serializedBytes()
        },
        Consent.getRequest.fullName: Call { f in Consent_V1_GetRequestRequest(requestId: f.openRequest).serializedBytes() },
        Consent.acceptRequest.fullName: Call { f in Consent_V1_AcceptRequestRequest(requestId: f.openRequest).serializedBytes() },
        Consent.rejectRequest.fullName: Call { f in Consent_V1_RejectRequestRequest(requestId: f.openRequest).serializedBytes() },
        Consent.getRequestStatus.fullName: Call { f in Consent_V1_GetRequestStatusRequest(requestId: f.openRequest).serializedBytes() },
        Consent.listConsents.fullName: Call { _ in Consent_V1_ListConsentsRequest().serializedBytes() },
        Consent.getConsentLog.fullName: Call { f in Consent_V1_GetConsentLogRequest(consentId: f.consent).serializedBytes() },
        Consent.revokeConsent.fullName: Call { f in Consent_V1_RevokeConsentRequest(consentId: f.consent).serializedBytes() },
        Consent.listEvents.fullName: Call { _ in Consent_V1_ListEventsRequest(after: 0).serializedBytes() },
        Consent.deleteRequest.fullName: Call { f in Consent_V1_DeleteRequestRequest(requestId: f.openRequest).serializedBytes() },
        Consent.listRequests.fullName: Call { _ in Consent_V1_ListRequestsRequest().serializedBytes() },
        Consent.getStatistics.fullName: Call { _ in Consent_V1_GetStatisticsRequest(resourceId: "5252_1").serializedBytes() },
        Consent.countConsents.fullName: Call { _ in Consent_V1_CountConsentsRequest().serializedBytes() },
        Consent.watchEvents.fullName: Call { _ in Consent_V1_WatchEventsRequest(after: 0).serializedBytes() },

        Token.exchangeCode.fullName: Call { f in Consent_V1_ExchangeCodeRequest(code: f.code).serializedBytes() },
        Token.exchangeCodes.fullName: Call(
            payload: { f in Consent_V1_ExchangeCodesRequest(codes: [f.code]).serializedBytes() },
            item: { try Consent_V1_ExchangeCodesResponse(serializedBytes: $0).results.first?.status }),
        Token.issueToken.fullName: Call { f in Consent_V1_IssueTokenRequest(consentId: f.consent).serializedBytes() },
        Token.verifyToken.fullName: Call { f in Consent_V1_VerifyTokenRequest(token: f.token, resource: "5252_1").serializedBytes() },
        Token.logUse.fullName: Call { f in useOfConsent(f).serializedBytes() },
        Token.logUses.fullName: Call(
            payload: { f in Consent_V1_LogUsesRequest(uses: [useOfConsent(f)]).serializedBytes() },
            item: { try Consent_V1_LogUsesResponse(serializedBytes: $0).results.first?.status }),
        Token.getSigningKeys.fullName: Call { _ in Consent_V1_GetSigningKeysRequest().serializedBytes() },
    ]

    static func useOfConsent(_ f: Fixture) -> Consent_V1_LogUseRequest {
        var use = Consent_V1_LogUseRequest(resource: "5252_1")
        use.consent = .consentId(f.consent)
        return use
    }

    // MARK: Answers

    /// A cell of the table: what the caller was told.
    struct Answer: Equatable, CustomStringConvertible {
        let text: String

        /// The router's refusal of a role, the most common cell, written short.
        static let roleRefused = "—"
        /// The TLS handshake failed: no call reached the hub.
        static let handshakeRefused = "TLS"

        init(_ text: String) { self.text = text }

        init(code: StatusCode, reason: String) {
            if code == .ok {
                text = "OK"
            } else if code == .permissionDenied && reason == "role_not_allowed" {
                text = Self.roleRefused
            } else {
                text = reason.isEmpty ? code.name : "\(code.name) \(reason)"
            }
        }

        var description: String { text }
    }

    /// What one call answered, and whether it showed an outsider a secret.
    struct Observation {
        var answer: Answer
        var leaked: [String] = []
    }

    /// Calls `method` on `client` and waits: a unary call for its answer, a
    /// stream for its first message (then cancels it) or its end.
    /// - Parameter forbidden: for an outsider, what it may not see beside
    ///   `fixture.secrets` (nil: the caller is party to the fixture).
    static func observe(_ method: String, _ call: Call, fixture: Fixture, on client: some ClientTransport,
                        metadata: Metadata, forbidden: [String]?) async -> Observation {
        let payload = call.payload(fixture)
        let result: (CallResult, [UInt8]) = await withCheckedContinuation { continuation in
            let once = Mutex<CheckedContinuation<(CallResult, [UInt8]), Never>?>(continuation)
            let handle = Mutex<(any ClientCallHandle)?>(nil)
            let started = client.startCall(
                method: method, payload: payload, options: CallOptions(timeout: .seconds(60), metadata: metadata),
                onMessage: { message in
                    once.withLock { $0.take() }?.resume(returning: (CallResult(code: .ok), message))
                    handle.withLock { $0 }?.cancel()
                },
                onFinish: { result in once.withLock { $0.take() }?.resume(returning: (result, result.payload)) })
            handle.withLock { $0 = started }
            if once.withLock({ $0 == nil }) { started.cancel() }
        }
        let (outcome, body) = result
        var answer = Answer(code: outcome.code, reason: outcome.trailers[ErrorTrailers.reason] ?? "")
        if outcome.code == .ok, let item = call.item {
            if let status = try? item(body) ?? nil {
                answer = Answer(code: StatusCode(rawValue: status.code), reason: status.reason)
            } else {
                answer = Answer("OK without an item")
            }
        }
        var observation = Observation(answer: answer)
        if let forbidden, outcome.code == .ok {
            // What the caller sent it may be shown again; anything else of the fixture is a leak.
            let sent = String(decoding: payload, as: UTF8.self)
            let shown = String(decoding: body, as: UTF8.self)
            observation.leaked = (fixture.secrets + forbidden).filter { !sent.contains($0) && shown.contains($0) }
        }
        return observation
    }

    // MARK: The table in docs/SECURITY.md

    static let documentPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/SECURITY.md").path
    static let beginMarker = "<!-- authorization-matrix: begin -->"
    static let endMarker = "<!-- authorization-matrix: end -->"

    /// The table: its column names in order, and per RPC (full name) the cell per column.
    struct Table {
        var columns: [String] = []
        var rows: [(method: String, cells: [String: String])] = []
    }

    /// Parses the table between the markers: a header `| RPC | caller | … |`,
    /// the separator, then `| Service/Method | cell | … |` per RPC.
    static func parse(_ document: String) throws -> Table {
        guard let begin = document.range(of: beginMarker), let end = document.range(of: endMarker, range: begin.upperBound..<document.endIndex) else {
            throw SetupError("docs/SECURITY.md has no authorization matrix between \(beginMarker) and \(endMarker)")
        }
        let lines = document[begin.upperBound..<end.lowerBound].split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("|") }
        func cells(_ line: String) -> [String] {
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
        }
        guard lines.count >= 2 else { throw SetupError("the authorization matrix has no rows") }
        var table = Table()
        table.columns = Array(cells(lines[0]).dropFirst())
        for line in lines.dropFirst(2) {
            let row = cells(line)
            guard row.count == table.columns.count + 1 else {
                throw SetupError("the matrix row '\(line)' has \(row.count - 1) cells for \(table.columns.count) columns")
            }
            let method = "/consent.v1." + row[0]
            table.rows.append((method, Dictionary(uniqueKeysWithValues: zip(table.columns, row.dropFirst()))))
        }
        return table
    }

    /// The table as markdown, to paste when the hub's answers changed on purpose.
    static func render(columns: [String], rows: [(method: String, cells: [String: String])]) -> String {
        var lines = ["| RPC | " + columns.joined(separator: " | ") + " |", "|---|" + columns.map { _ in "---|" }.joined()]
        for row in rows {
            let name = row.method.replacingOccurrences(of: "/consent.v1.", with: "")
            lines.append("| \(name) | " + columns.map { row.cells[$0] ?? "?" }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}

extension Optional {
    func orThrow(_ message: @autoclosure () -> String) throws -> Wrapped {
        guard let self else { throw SetupError(message()) }
        return self
    }
}
