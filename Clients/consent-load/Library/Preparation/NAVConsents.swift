import ConsentClient
import ConsentProto
import ConsentRPC
import Foundation

/// Seed 003's figure 1 as the scenarios drive it: the bank asks the demo
/// user for NAV's resource `5252_1` (a data period, a year's validity), the
/// portal accepts at level 4, the redirect carries the one-time code.
///
/// Every `create` sends the same bytes: without an idempotency key each is a
/// new request, which is what a lender's traffic looks like.
public struct NAVConsents: Sendable {
    /// The demo registry's NAV resource (`consentd --demo-registry`).
    public static let resource = "5252_1"
    /// A period inside the consented one, as NAV's online check asks it.
    public static let askedPeriod = Consent_V1_TokenMetadataValue(key: "fraOgMed", value: "01.03.2024")

    public let consumer: ConsentClient
    public let consumerOptions: CallOptions
    public let portal: ConsentClient
    public let portalOptions: CallOptions
    /// The CreateRequest payload, encoded once.
    public let createPayload: [UInt8]

    /// - Parameters:
    ///   - endUser: the national id the portal states (the request names it as `offered_by`).
    public init(consumer: ConsentClient, consumerOptions: CallOptions, portal: ConsentClient, portalOptions: CallOptions, endUser: String) {
        self.consumer = consumer
        self.consumerOptions = consumerOptions
        self.portal = portal
        self.portalOptions = portalOptions
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        createPayload = Consent_V1_CreateRequestRequest(
            resources: [Consent_V1_RequestedResource(resourceId: Self.resource, metadata: [
                .init(key: "fraOgMed", value: "01.01.2024"), .init(key: "tilOgMed", value: "31.12.2024"),
            ])],
            offeredBy: endUser, redirectUrl: "https://banken.example/samtykke/svar",
            validToMs: nowMs + 365 * 86_400_000, purpose: "Behandle søknaden din om lån"
        ).serializedBytes()
    }

    /// A consent that was just given: its id and the code from the redirect.
    public struct Given: Sendable {
        public var consentID: String
        public var code: String
    }

    /// CreateRequest as the bank, then AcceptRequest as the portal.
    /// - Parameter completion: the consent, or the first failure; on the
    ///   portal connection's event loop (or at once on failure).
    public func createAndAccept(completion: @escaping @Sendable (Result<Given, RPCError>) -> Void) {
        let portal = self.portal, portalOptions = self.portalOptions
        _ = consumer.startCall(
            method: Consent_V1_ConsentService.createRequest.fullName, payload: createPayload, options: consumerOptions, onMessage: { _ in }
        ) { result in
            let created: Consent_V1_CreateRequestResponse
            switch Self.decode(result, as: Consent_V1_CreateRequestResponse.self) {
            case .success(let response): created = response
            case .failure(let error): return completion(.failure(error))
            }
            let id = created.request?.id ?? ""
            portal.startUnary(Consent_V1_ConsentService.acceptRequest, .init(requestId: id), options: portalOptions) { answer in
                switch answer {
                case .success(let response):
                    guard let code = Self.authorizationCode(in: response.redirectUrl) else {
                        return completion(.failure(RPCError(.internalError, "the accept's redirect has no AuthorizationCode: \(response.redirectUrl)")))
                    }
                    completion(.success(Given(consentID: id, code: code)))
                case .failure(let error):
                    completion(.failure(error))
                }
            }
        }
    }

    /// The value of `AuthorizationCode` in a redirect URL (`…?RequestId=…&Status=OK&AuthorizationCode=…`).
    /// Codes are base64url, so nothing in them is percent-encoded.
    public static func authorizationCode(in url: String) -> String? {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") where pair.hasPrefix("AuthorizationCode=") {
            let code = pair.dropFirst("AuthorizationCode=".count)
            return code.isEmpty ? nil : String(code)
        }
        return nil
    }

    /// A unary call's answer decoded, or its failure.
    public static func decode<Res: ProtoMessage>(_ result: CallResult, as type: Res.Type) -> Result<Res, RPCError> {
        if let error = result.error { return .failure(error) }
        do {
            return .success(try Res(serializedBytes: result.payload))
        } catch {
            return .failure(RPCError(.internalError, "the server's answer is not a valid \(Res.self)", cause: error))
        }
    }
}
