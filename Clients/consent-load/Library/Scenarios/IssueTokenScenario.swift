import ConsentCLI
import ConsentClient
import ConsentProto
import ConsentRPC

/// `issue-token`: TokenService.IssueToken for a few live consents,
/// round-robin: the bank re-fetching tokens without asking the user again
/// ("gjenbruk av samtykke", seed 003 figure 2). A read and a signature: no
/// durable write.
public struct IssueTokenScenario: Scenario {
    public static let descriptor = ScenarioDescriptor(
        name: "issue-token", summary: "TokenService.IssueToken: fresh tokens for a few live consents, round-robin",
        details: """
            Before measuring (not counted) the bank, which is the run's own principal, creates --consents
            requests for NAV's 5252_1 and the portal accepts them (their codes are not exchanged). Each
            measured call asks for a new token for the next consent in turn. The server must have the
            demo registry (--demo-registry).
            """,
        options: [.value("consents", "N", "live consents to prepare and cycle through (default 100)")]
            + Principal.options("portal", "the portal, which accepts the requests")
    ) { arguments throws(CLIError) in
        IssueTokenScenario(
            consents: try arguments.int("consents", default: 100, range: 1...1_000_000), portal: try Principal.parse("portal", arguments))
    }

    public let consents: Int
    public let portal: Principal
    var payloads: [[UInt8]] = []

    public init(consents: Int = 100, portal: Principal = Principal(role: "portal", source: .profile("portal"))) {
        self.consents = consents
        self.portal = portal
    }

    public var method: String { Consent_V1_TokenService.issueToken.fullName }

    public mutating func prepare(_ context: ScenarioContext) throws(CLIError) {
        let given = try NAVConsents.connect(context, portal: portal, consumer: context.client).give(consents, context: context)
        payloads = given.map { Consent_V1_IssueTokenRequest(consentId: $0.consentID).serializedBytes() }
    }

    public func makeCall(index: Int, on client: ConsentClient, options: CallOptions, completion: @escaping @Sendable (StatusCode) -> Void) {
        _ = client.startCall(method: method, payload: payloads[index % payloads.count], options: options, onMessage: { _ in }) { result in
            completion(result.code)
        }
    }
}
