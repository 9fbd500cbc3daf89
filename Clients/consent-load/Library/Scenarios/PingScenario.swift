import ConsentCLI
import ConsentClient
import ConsentRPC

/// `ping`: Ping/Pong frames. No call is opened, nothing is routed or decoded
/// by the server beyond the frame: the floor under every RPC's cost.
public struct PingScenario: Scenario {
    public static let descriptor = ScenarioDescriptor(
        name: "ping", summary: "Ping/Pong frames: the transport's round trip, no RPC",
        details: """
            Each measured call is one Ping frame answered by a Pong: TLS and framing only, nothing routed
            or decoded. Nothing is prepared; any principal the server accepts will do.
            """
    ) { _ throws(CLIError) in PingScenario() }

    public var method: String { "Ping" }

    public init() {}

    public func makeCall(index: Int, on client: ConsentClient, options: CallOptions, completion: @escaping @Sendable (StatusCode) -> Void) {
        client.connection.ping { result in
            switch result {
            case .success: completion(.ok)
            case .failure(let error): completion(error.code)
            }
        }
    }
}
