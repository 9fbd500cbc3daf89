import ConsentCLI
import ConsentClient
import ConsentProto
import ConsentRPC

/// `verify`: TokenService.VerifyToken as the data source (NAV), round-robin
/// over a pool of prepared tokens: the online check of seed 003 step 7
/// (signature, expiry, issuer, the consent still live, NAV's resource and
/// the asked period covered).
public struct VerifyScenario: Scenario {
    public static let descriptor = ScenarioDescriptor(
        name: "verify", summary: "TokenService.VerifyToken as the data source (NAV), round-robin over prepared tokens",
        details: """
            The measured connections are the data source's (--datasource-profile, default 'datasource',
            or --datasource-cert/--datasource-key): NAV in the demo registry. Before measuring (not
            counted) the bank, which is the run's own principal, creates --consents requests for NAV's
            5252_1, the portal accepts them, and the bank fetches --tokens tokens for them with
            IssueToken. Each measured call verifies the next token for resource 5252_1 and the period
            from 01.03.2024. Tokens live 120 s (consentd --token-lifetime): longer runs see
            UNAUTHENTICATED token_expired.
            """,
        options: [
            .value("consents", "N", "live consents to prepare (default 100)"),
            .value("tokens", "N", "tokens to prepare for them and cycle through (default 1000)"),
        ] + Principal.options("portal", "the portal, which accepts the requests")
            + Principal.options("datasource", "the data source, whose connections are measured")
    ) { arguments throws(CLIError) in
        VerifyScenario(
            consents: try arguments.int("consents", default: 100, range: 1...1_000_000),
            tokens: try arguments.int("tokens", default: 1000, range: 1...1_000_000),
            portal: try Principal.parse("portal", arguments), dataSource: try Principal.parse("datasource", arguments))
    }

    public let consents: Int
    public let tokens: Int
    public let portal: Principal
    public let dataSource: Principal
    var payloads: [[UInt8]] = []

    public init(
        consents: Int = 100, tokens: Int = 1000, portal: Principal = Principal(role: "portal", source: .profile("portal")),
        dataSource: Principal = Principal(role: "datasource", source: .profile("datasource"))
    ) {
        self.consents = consents
        self.tokens = tokens
        self.portal = portal
        self.dataSource = dataSource
    }

    public var method: String { Consent_V1_TokenService.verifyToken.fullName }
    public var measuredPrincipal: Principal? { dataSource }

    public mutating func prepare(_ context: ScenarioContext) throws(CLIError) {
        let bank = try NAVConsents.connect(context, portal: portal)
        let ids = try bank.give(consents, context: context).map(\.consentID)
        payloads = try bank.issueTokens(tokens, for: ids, context: context).map {
            Consent_V1_VerifyTokenRequest(token: $0, resource: NAVConsents.resource, metadata: [NAVConsents.askedPeriod]).serializedBytes()
        }
    }

    public func makeCall(index: Int, on client: ConsentClient, options: CallOptions, completion: @escaping @Sendable (StatusCode) -> Void) {
        _ = client.startCall(method: method, payload: payloads[index % payloads.count], options: options, onMessage: { _ in }) { result in
            completion(result.code)
        }
    }
}
