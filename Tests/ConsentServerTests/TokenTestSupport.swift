import ConsentClient
import ConsentCore
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import ConsentToken
import Foundation
import Testing

// Helpers for the TokenService tests. Consents are given server-side through
// the hub's ledger (the ConsentService RPCs are built elsewhere); the calls
// under test then go over the wire.

/// A consent given on a test hub, and the authorization code of its redirect.
struct GivenConsent {
    let id: RequestID
    let code: String
}

/// Why a helper could not set up what a test needs.
struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum Demo {
    /// The demo end user (synthetic national id), logged in at level 4.
    static let user = EndUser(
        nationalId: try! NationalIdentityNumber(validating: TestHub.demoUserID), assuranceLevel: .high, name: "HÅKON TRANA")
    static let bank = DemoRegistry.bankenAS
    /// Another consumer, authorised for 5252_1 by `InProcessHub.authoriseSecondConsumer()`.
    static let finansiering = try! OrganisationNumber(validating: "91122334" + checkDigit("91122334"))
    static let redirect = "https://banken.example/samtykke/svar"

    static func checkDigit(_ firstEight: String) -> String {
        String(OrganisationNumber.checkDigit(forFirstEightDigits: UInt32(firstEight)!)!)
    }

    /// NAV's 5252_1 for 2020–2024, time-limited.
    static func navRequest(validTo: Timestamp, redirect: String = Demo.redirect) -> NewConsentRequest {
        NewConsentRequest(
            resources: [ResourceRequest(DemoRegistry.disabilityBenefits, metadata: [MetadataValue("fraOgMed", "01.01.2020"), MetadataValue("tilOgMed", "31.12.2024")])],
            redirectURL: redirect, validTo: validTo, language: .bokmal, purpose: "Behandle søknad om lån")
    }

    /// Skatteetaten's one-time 4629_2 for income year 2024.
    static func taxRequest(validTo: Timestamp) -> NewConsentRequest {
        NewConsentRequest(
            resources: [ResourceRequest(DemoRegistry.incomeAndTaxBase, metadata: [MetadataValue("inntektsaar", "2024")])],
            redirectURL: redirect, validTo: validTo, language: .bokmal, purpose: "Lånesøknad")
    }
}

extension InProcessHub {
    /// The hub's time (its test clock).
    var now: Timestamp { clock.now() }

    /// Creates `request` as `consumer` and accepts it as the demo user, at
    /// `time` (default now), with a fresh code valid until `codeExpiresAt`
    /// (default five minutes after `time`).
    func give(_ request: NewConsentRequest, by consumer: OrganisationNumber = Demo.bank,
              at time: Timestamp? = nil, codeExpiresAt: Timestamp? = nil) throws -> GivenConsent {
        let ledger = ledger
        let at = time ?? now
        let created = ledger.execute(.createRequest(request), by: .consumer(consumer), at: at)
        guard case .success(.request(let view)) = created.result else { throw SetupError("create: \(created.result)") }
        let (code, hash) = AuthorizationCode.generate()
        let grant = CodeGrant(codeHash: hash, expiresAt: codeExpiresAt ?? at + .seconds(300))
        let accepted = ledger.execute(.acceptRequest(view.id, code: grant), by: .endUser(Demo.user), at: at + .milliseconds(1))
        guard case .success(.answer) = accepted.result else { throw SetupError("accept: \(accepted.result)") }
        return GivenConsent(id: view.id, code: code)
    }

    /// A NAV consent of BANKEN AS valid for 30 days.
    func giveNAVConsent(validFor: Duration = .seconds(30 * 86_400)) throws -> GivenConsent {
        try give(Demo.navRequest(validTo: now + validFor))
    }

    /// A one-time Skatteetaten consent of BANKEN AS.
    func giveTaxConsent() throws -> GivenConsent {
        try give(Demo.taxRequest(validTo: now + .seconds(10 * 86_400)))
    }

    /// The user withdraws the consent.
    func revoke(_ id: RequestID) throws {
        let outcome = ledger.execute(.revokeConsent(id), by: .endUser(Demo.user), at: now)
        guard case .success = outcome.result else { throw SetupError("revoke: \(outcome.result)") }
    }

    /// Lets FINANSIERING AS ask for NAV's 5252_1 (NAV authorises it).
    func authoriseSecondConsumer() throws {
        let authorisation = ConsumerAuthorisation(
            resource: DemoRegistry.disabilityBenefits, consumer: Demo.finansiering, consumerName: "FINANSIERING AS",
            redirectDomains: ["finansiering.example"])
        let outcome = ledger.execute(.authoriseConsumer(authorisation), by: .dataSource(DemoRegistry.nav), at: now)
        guard case .success = outcome.result else { throw SetupError("authorise: \(outcome.result)") }
    }

    /// The consent's Samtykkelogg as the user reads it, in Bokmål.
    func consentLog(_ id: RequestID) throws -> [ConsentLogLine] {
        let at = now
        return try ledger.read { state throws(DomainError) in try state.consentLog(id, by: .endUser(Demo.user), at: at) }.value
    }

    /// The JWK Set as GetSigningKeys serves it, asked as `principal`.
    func jwks(as principal: String = "datasource") async throws -> String {
        let client = try client(principal)
        defer { client.close() }
        return try await client.unary(Consent_V1_TokenService.getSigningKeys, .init()).jwks
    }
}

extension ClientTransport {
    /// ExchangeCode; the grant, or the refusal thrown.
    func exchange(_ code: String) async throws(RPCError) -> Consent_V1_TokenGrant {
        let response = try await unary(Consent_V1_TokenService.exchangeCode, .init(code: code))
        guard let grant = response.grant else { throw RPCError(.internalError, "an OK ExchangeCode answer without a grant") }
        return grant
    }

    /// IssueToken; the grant, or the refusal thrown.
    func issueToken(_ id: RequestID) async throws(RPCError) -> Consent_V1_TokenGrant {
        let response = try await unary(Consent_V1_TokenService.issueToken, .init(consentId: id.description))
        guard let grant = response.grant else { throw RPCError(.internalError, "an OK IssueToken answer without a grant") }
        return grant
    }

    /// VerifyToken.
    func verify(_ token: String, resource: String = "", metadata: [String: String] = [:]) async throws(RPCError) -> Consent_V1_VerifyTokenResponse {
        try await unary(Consent_V1_TokenService.verifyToken, .init(
            token: token, resource: resource,
            metadata: metadata.sorted { $0.key < $1.key }.map { Consent_V1_TokenMetadataValue(key: $0.key, value: $0.value) }))
    }

    /// LogUse by consent id, now.
    func logUse(_ id: RequestID, resource: ResourceID, at usedAt: Int64 = 0) async throws(RPCError) -> Consent_V1_TokenUseReceipt? {
        try await unary(Consent_V1_TokenService.logUse, .init(resource: resource.description, usedAtMs: usedAt, consent: .consentId(id.description))).receipt
    }
}

/// What a refused call says: its status and its `x-consent-reason`.
struct Refusal: Equatable, CustomStringConvertible {
    let code: StatusCode
    let reason: String

    init(_ code: StatusCode, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    init(_ error: RPCError) {
        self.init(error.code, error.trailers[DomainErrorMapping.reasonKey] ?? "")
    }

    init(_ status: Consent_V1_TokenItemStatus?) {
        self.init(StatusCode(rawValue: status?.code ?? 0), status?.reason ?? "")
    }

    var description: String { "\(code.name) \(reason)" }
}

/// The refusal `body` ends with (nil if it succeeds; UNKNOWN for an error
/// that is not an RPC refusal).
func refusal<T>(_ body: () async throws -> T) async -> Refusal? {
    do {
        _ = try await body()
        return nil
    } catch let error as RPCError {
        return Refusal(error)
    } catch {
        return Refusal(.unknown, "\(error)")
    }
}

enum TokenText {
    /// `token` with one character of part `part` (0 header, 1 claims, 2
    /// signature) changed: still base64url, no longer what was signed.
    static func changingOneCharacter(of token: String, part: Int) -> String {
        var parts = token.split(separator: ".").map { Array($0.utf8) }
        let middle = parts[part].count / 2
        parts[part][middle] = parts[part][middle] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        return parts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
    }

    /// The header's `kid`.
    static func keyID(of token: String) -> String? {
        try? TokenDecoder.decode(token).keyID
    }
}

/// A fresh P-256 key in a PEM file in `directory`, and its key id.
func writeTokenKey(in directory: String, name: String, creatingDirectory: Bool = false) throws -> (path: String, keyID: String) {
    if creatingDirectory { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
    let key = try P256.PrivateKey()
    let path = directory + "/" + name
    try KeyFile.write(try key.pemRepresentation(), to: path, mode: 0o600)
    return (path, JWK.thumbprint(of: key.publicKey))
}
