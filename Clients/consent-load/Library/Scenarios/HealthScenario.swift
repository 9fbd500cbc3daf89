import ConsentCLI
import ConsentClient
import ConsentProto
import ConsentRPC

/// `health`: `Health.Check` unary calls, the cheapest full RPC (TLS, framing,
/// authentication, routing, a protobuf request and response).
public struct HealthScenario: Scenario {
    public static let descriptor = ScenarioDescriptor(
        name: "health", summary: "Health.Check unary calls: the cheapest full RPC",
        details: """
            Each measured call is one Health.Check: TLS, framing, authentication, routing and a protobuf
            request and answer, with no state touched. An answer other than SERVING counts as UNAVAILABLE.
            Nothing is prepared; any principal the server accepts will do.
            """,
        options: [.value("service", "NAME", "ask about one service, e.g. consent.v1.TokenService (default: the server)")]
    ) { arguments throws(CLIError) in HealthScenario(service: arguments["service"] ?? "") }

    public var method: String { Consent_V1_Health.check.fullName }
    /// The request, encoded once: every call sends the same bytes.
    let payload: [UInt8]
    /// How an answer SERVING begins: field 1 (`status`) comes first, and the
    /// fields after it (the node's role and the active node's address) vary
    /// from node to node, so only this prefix is compared.
    let serving = Array(Consent_V1_HealthCheckResponse(status: .serving).serializedBytes().prefix(2))

    public init(service: String = "") {
        payload = Consent_V1_HealthCheckRequest(service: service).serializedBytes()
    }

    public func makeCall(index: Int, on client: ConsentClient, options: CallOptions, completion: @escaping @Sendable (StatusCode) -> Void) {
        // A NOT_SERVING answer is OK on the wire but a failure for the caller
        // (counted UNAVAILABLE, as `consentctl health` exits); the bytes are
        // compared instead of decoded.
        let serving = self.serving
        _ = client.startCall(method: method, payload: payload, options: options, onMessage: { _ in }) { result in
            guard result.code == .ok else { return completion(result.code) }
            completion(result.payload.starts(with: serving) ? .ok : .unavailable)
        }
    }
}
