import ConsentClient
import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation

/// Requests and callers shared by the flow, consent and registry tests.
enum Flow {
    static let bank = "910203045"
    static let redirect = "https://banken.example/samtykke/svar"
    static let purpose = "Behandle søknaden din om uføreforsikring"
    static let day: Int64 = 86_400_000

    static var nowMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Seed 003's figure 1: BANKEN AS asks the demo user for NAV's 5252_1 with a data period.
    static func navRequest(idempotencyKey: String = "", offeredBy: String = TestHub.demoUserID) -> Consent_V1_CreateRequestRequest {
        Consent_V1_CreateRequestRequest(
            resources: [Consent_V1_RequestedResource(resourceId: "5252_1", metadata: [
                .init(key: "fraOgMed", value: "01.01.2024"), .init(key: "tilOgMed", value: "31.12.2024"),
            ])],
            offeredBy: offeredBy, redirectUrl: redirect, validToMs: nowMs + 365 * day,
            purpose: purpose, idempotencyKey: idempotencyKey)
    }

    /// Skatteetaten's one-time loan-application pair (seed 004's `Resources=4629_2.4630_1`).
    static func taxRequest() -> Consent_V1_CreateRequestRequest {
        Consent_V1_CreateRequestRequest(
            resources: [
                Consent_V1_RequestedResource(resourceId: "4629_2", metadata: [.init(key: "inntektsaar", value: "2024")]),
                Consent_V1_RequestedResource(resourceId: "4630_1", metadata: [
                    .init(key: "fraOgMed", value: "01.01.2024"), .init(key: "tilOgMed", value: "31.12.2024"),
                ]),
            ],
            offeredBy: TestHub.demoUserID, redirectUrl: redirect, validToMs: nowMs + 20 * day,
            purpose: "Vurdere lånesøknaden din")
    }

    /// The portal's statement of the demo user.
    static func user(level: Int = 4) -> CallOptions {
        CallOptions(timeout: .seconds(30), metadata: TestHub.portalUser(level: level))
    }

    /// Runs `body` and returns the RPCError it throws (nil if it succeeds).
    static func refusal(_ body: () async throws -> Void) async -> RPCError? {
        do {
            try await body()
            return nil
        } catch let error as RPCError {
            return error
        } catch {
            return RPCError(.unknown, "\(error)")
        }
    }

    /// The stable reason of a refusal.
    static func reason(_ error: RPCError?) -> String? {
        error?.trailers[DomainErrorMapping.reasonKey]
    }

    /// The value of a query parameter of a URL.
    static func parameter(_ name: String, in url: String) -> String? {
        URLComponents(string: url)?.queryItems?.first { $0.name == name }?.value
    }

    /// A valid organisation number from its first eight digits.
    static func organisation(_ firstEight: UInt32) -> String {
        let check = OrganisationNumber.checkDigit(forFirstEightDigits: firstEight)!
        return String(firstEight * 10 + UInt32(check))
    }
}

extension TestHub {
    /// Writes a principals file at `path`: the development principals, changed
    /// by `edit` (a role added, a principal removed), for tests that start a
    /// hub on it or reload it.
    static func writePrincipals(to path: String, editing edit: (inout [Principal]) -> Void = { _ in }) throws {
        var principals = try PrincipalDirectory.load(path: certificates.path("principals.json")).all
        edit(&principals)
        struct File: Encodable { var principals: [Principal] }
        try JSONEncoder().encode(File(principals: principals)).write(to: URL(fileURLWithPath: path))
    }
}
