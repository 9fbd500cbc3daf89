import ConsentCLI
import ConsentClient
import ConsentProto
import ConsentRPC

/// `exchange`: TokenService.ExchangeCode, one prepared authorization code per
/// call, as a lender turns redirects into tokens (DESIGN §2 step 4). With
/// `--batch N`: ExchangeCodes, N codes per call.
///
/// Codes work once, so they are made beforehand (not measured): the bank
/// (the run's own principal) creates requests for NAV's `5252_1` and the
/// portal accepts them for the demo user at level 4.
public struct ExchangeScenario: Scenario {
    public static let descriptor = ScenarioDescriptor(
        name: "exchange", summary: "TokenService.ExchangeCode(s): one prepared one-time code per call (--batch N: N per call)",
        details: """
            Before measuring (not counted) the bank, which is the run's own principal (--profile, or
            --cert/--key), creates consent requests for NAV's 5252_1 with many calls in flight, and the
            portal accepts them for its end user (the portal profile's user-id, or the demo user
            15038512363) at level 4; the codes come from the redirect URLs. Each measured call then
            exchanges codes no call has used. The server must have the demo registry (--demo-registry).

            How many codes: --pool N; else exactly what --count N (without warm-up) or --rate × time
            needs; else an estimate of 30,000 codes/s over warm-up and duration, at most 300,000. A
            closed loop that runs out ends early and says so; its rate is measured to the last answer.
            Codes expire (consentd --code-lifetime, default 300 s): measure soon after preparing.

            With --batch N a call counts as failed (with the first refused code's status) when any of
            its codes was refused; the report gives items/s beside calls/s.
            """,
        options: [
            .value("batch", "N", "ExchangeCodes with N codes per call, 1–1000 (default 1: ExchangeCode)"),
            .value("pool", "N", "codes to prepare (default: what the plan needs, see above)"),
        ] + Principal.options("portal", "the portal, which accepts the requests")
    ) { arguments throws(CLIError) in
        let batch = try arguments.int("batch", default: 1, range: 1...1000)
        let pool: Int? = arguments.has("pool") ? try arguments.int("pool", default: 0, range: 1...10_000_000) : nil
        if let pool, arguments.has("count"), case let count = try arguments.int("count", default: 0), count * batch > pool {
            throw .usage("--count \(count) × --batch \(batch) needs \(count * batch) codes but --pool prepares \(pool)")
        }
        return ExchangeScenario(batch: batch, pool: pool, portal: try Principal.parse("portal", arguments))
    }

    public let batch: Int
    public let pool: Int?
    public let portal: Principal
    /// One encoded request per call, prepared.
    var payloads: [[UInt8]] = []

    public init(batch: Int = 1, pool: Int? = nil, portal: Principal = Principal(role: "portal", source: .profile("portal"))) {
        self.batch = batch
        self.pool = pool
        self.portal = portal
    }

    public var method: String {
        batch == 1 ? Consent_V1_TokenService.exchangeCode.fullName : Consent_V1_TokenService.exchangeCodes.fullName
    }
    public var itemsPerCall: Int { batch }
    public var capacity: Int? { payloads.count }

    public mutating func prepare(_ context: ScenarioContext) throws(CLIError) {
        let calls = Preparation.callsToPrepare(context, itemsPerCall: batch, poolItems: pool)
        let consents = try NAVConsents.connect(context, portal: portal, consumer: context.client)
        let codes = try consents.give(calls * batch, context: context).map(\.code)
        if batch == 1 {
            payloads = codes.map { Consent_V1_ExchangeCodeRequest(code: $0).serializedBytes() }
        } else {
            payloads = stride(from: 0, to: codes.count, by: batch).map {
                Consent_V1_ExchangeCodesRequest(codes: Array(codes[$0..<$0 + batch])).serializedBytes()
            }
        }
    }

    public func makeCall(index: Int, on client: ConsentClient, options: CallOptions, completion: @escaping @Sendable (StatusCode) -> Void) {
        // A single exchange's status is the call's; a batch is read item by item.
        let batched = batch > 1
        _ = client.startCall(method: method, payload: payloads[index], options: options, onMessage: { _ in }) { result in
            completion(batched ? BatchOutcome.exchangeCodes(result) : result.code)
        }
    }
}
