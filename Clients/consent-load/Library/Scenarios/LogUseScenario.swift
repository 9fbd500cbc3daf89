import ConsentCLI
import ConsentClient
import ConsentProto
import ConsentRPC

/// `log-use`: TokenService.LogUse as the data source (NAV) on live,
/// time-limited NAV consents, round-robin: Altinn 2's logUse, a durable
/// write per use (seed 003 step 8). With `--batch N`: LogUses, N uses per
/// call, one durable write for all.
public struct LogUseScenario: Scenario {
    public static let descriptor = ScenarioDescriptor(
        name: "log-use", summary: "TokenService.LogUse(s) as the data source (NAV) on live consents (--batch N: N uses per call)",
        details: """
            The measured connections are the data source's (--datasource-profile, default 'datasource',
            or --datasource-cert/--datasource-key): NAV in the demo registry. Before measuring (not
            counted) the bank, which is the run's own principal, creates --consents requests for NAV's
            5252_1 (time-limited, a year) and the portal accepts them. Each measured use names the next
            consent in turn by id, resource 5252_1, used now; every answer waits until its use is on disk.

            With --batch N a call counts as failed (with the first refused use's status) when any of its
            uses was refused; the report gives items/s beside calls/s.
            """,
        options: [
            .value("batch", "N", "LogUses with N uses per call, 1–1000 (default 1: LogUse)"),
            .value("consents", "N", "live consents to prepare and cycle through (default 1000)"),
        ] + Principal.options("portal", "the portal, which accepts the requests")
            + Principal.options("datasource", "the data source, whose connections are measured")
    ) { arguments throws(CLIError) in
        LogUseScenario(
            batch: try arguments.int("batch", default: 1, range: 1...1000),
            consents: try arguments.int("consents", default: 1000, range: 1...1_000_000),
            portal: try Principal.parse("portal", arguments), dataSource: try Principal.parse("datasource", arguments))
    }

    public let batch: Int
    public let consents: Int
    public let portal: Principal
    public let dataSource: Principal
    /// Call `i` sends payload `i % count`: with M consents and N uses per
    /// call the sequence of consents repeats after M / gcd(M, N) calls.
    var payloads: [[UInt8]] = []

    public init(
        batch: Int = 1, consents: Int = 1000, portal: Principal = Principal(role: "portal", source: .profile("portal")),
        dataSource: Principal = Principal(role: "datasource", source: .profile("datasource"))
    ) {
        self.batch = batch
        self.consents = consents
        self.portal = portal
        self.dataSource = dataSource
    }

    public var method: String {
        batch == 1 ? Consent_V1_TokenService.logUse.fullName : Consent_V1_TokenService.logUses.fullName
    }
    public var itemsPerCall: Int { batch }
    public var measuredPrincipal: Principal? { dataSource }

    public mutating func prepare(_ context: ScenarioContext) throws(CLIError) {
        let ids = try NAVConsents.connect(context, portal: portal).give(consents, context: context).map(\.consentID)
        let uses = ids.map { Consent_V1_LogUseRequest(resource: NAVConsents.resource, consent: .consentId($0)) }
        if batch == 1 {
            payloads = uses.map { $0.serializedBytes() }
        } else {
            let period = uses.count / Self.gcd(uses.count, batch)
            payloads = (0..<period).map { call in
                Consent_V1_LogUsesRequest(uses: (0..<batch).map { uses[(call * batch + $0) % uses.count] }).serializedBytes()
            }
        }
    }

    public func makeCall(index: Int, on client: ConsentClient, options: CallOptions, completion: @escaping @Sendable (StatusCode) -> Void) {
        let batched = batch > 1
        _ = client.startCall(method: method, payload: payloads[index % payloads.count], options: options, onMessage: { _ in }) { result in
            completion(batched ? BatchOutcome.logUses(result) : result.code)
        }
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        b == 0 ? a : gcd(b, a % b)
    }
}
