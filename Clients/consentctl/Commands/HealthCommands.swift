import ConsentClient
import ConsentProto
import ConsentRPC
import Foundation

/// `health`, `stats`, `ping`: is the hub there, and how is it doing.
enum HealthCommands {
    static let all: [Command] = [
        Command(
            name: "health",
            summary: "ask whether the server (or one service) is serving (Health.Check)",
            usage: "health [--service NAME]",
            details: "prints SERVING, NOT_SERVING (draining, storage failed, or a standby) or SERVICE_UNKNOWN; for a node sharing a PostgreSQL database also its role and the active node.\n\nexamples:\n  consentctl --profile consumer health --service consent.v1.TokenService\n  consentctl --server node2:7443 health     # NOT_SERVING (standby; the active node is node1:7443)",
            options: [.value("service", "NAME", "a service such as consent.v1.TokenService (default: the whole server)")],
            run: { invocation throws(CLIError) in
                let response = try invocation.call(Consent_V1_Health.check, Consent_V1_HealthCheckRequest(service: invocation.arguments["service"] ?? ""))
                invocation.output.emit(response) { response in
                    switch response.role {
                    case .active where !response.leader.isEmpty: "\(response.status.protoName) (the active node, \(response.leader))"
                    case .standby where !response.leader.isEmpty: "\(response.status.protoName) (standby; the active node is \(response.leader))"
                    case .standby: "\(response.status.protoName) (standby; no node is active at the moment)"
                    case .recovering: "\(response.status.protoName) (recovering: rejoining after losing its lease or database session)"
                    default: response.status.protoName
                    }
                }
                if response.status != .serving { throw CLIError(.refused(.unavailable), "not serving: \(response.status.protoName)") }
            }
        ),
        Command(
            name: "stats",
            summary: "print the server's counters (Health.Stats; admin)",
            usage: "stats",
            run: { invocation throws(CLIError) in
                let s = try invocation.call(Consent_V1_Health.stats, Consent_V1_HealthStatsRequest())
                invocation.output.emit(s) { s in
                    var lines = [
                        "uptime          \(s.uptimeMs / 1000) s", "event loops     \(s.eventLoops)",
                        "connections     \(s.connectionsOpen) open, \(s.connectionsAccepted) accepted, \(s.connectionsRetained) retained, \(s.connectionsRefused) refused by a limit; \(s.handshakesPending) handshakes pending; buffers \(s.connectionBufferBytes / 1024) KiB",
                        "calls           \(s.callsInFlight) in flight, \(s.callsCompleted) completed, \(s.protocolErrors) protocol errors, \(s.callsRefused) refused by a limit",
                        "storage         \(s.storage), \(s.eventsCommitted) events durable",
                        "role            \(s.role.protoName.lowercased())" + (s.leader.isEmpty ? "" : " (active node \(s.leader))")
                            + (s.role == .standby ? ", \(s.recordsBehind) events behind (\(String(format: "%.1f", s.secondsBehind)) s)" : ""),
                        "resident memory \(s.residentBytes / (1 << 20)) MiB",
                    ]
                    let width = s.methods.map(\.method.count).max() ?? 0
                    for m in s.methods where m.calls > 0 {
                        lines.append("  " + m.method + String(repeating: " ", count: width - m.method.count + 2) + "\(m.calls) calls, \(m.errors) errors")
                    }
                    return lines.joined(separator: "\n")
                }
            }
        ),
        Command(
            name: "ping",
            summary: "measure round trips with Ping/Pong frames on one connection",
            usage: "ping [--count N] [--interval SECONDS]",
            details: "prints each round-trip time and a summary (min/avg/max).\n\nexample:\n  consentctl --profile consumer ping --count 5",
            options: [
                .value("count", "N", "number of pings (default 4)"),
                .value("interval", "SECONDS", "pause between pings (default 0.2)"),
            ],
            run: ping
        ),
    ]

    static func ping(_ invocation: Invocation) throws(CLIError) {
        let count = try invocation.arguments.int("count", default: 4, range: 1...1_000_000)
        let interval = Double(invocation.arguments["interval"] ?? "0.2") ?? -1
        guard interval >= 0 else { throw .usage("--interval must be a number of seconds") }
        let client = try invocation.connect()
        defer { client.close() }
        var times: [Double] = []
        for index in 0..<count {
            let rtt: Duration
            do {
                rtt = try client.pingBlocking(timeout: .milliseconds(Int64(invocation.settings.timeout * 1000)))
            } catch {
                throw CLIError(error, server: invocation.settings.server)
            }
            let micros = Double(rtt.components.seconds) * 1e6 + Double(rtt.components.attoseconds) / 1e12
            times.append(micros)
            if !invocation.output.json { invocation.output.write("pong from \(invocation.settings.server): seq=\(index + 1) time=\(format(micros))") }
            if index + 1 < count && interval > 0 { Thread.sleep(forTimeInterval: interval) }
        }
        let average = times.reduce(0, +) / Double(times.count)
        invocation.output.emit(
            human: "\(count) pings: min \(format(times.min()!)), avg \(format(average)), max \(format(times.max()!))",
            json: ["count": count, "round_trip_us": times, "min_us": times.min()!, "avg_us": average, "max_us": times.max()!]
        )
    }

    static func format(_ micros: Double) -> String {
        micros < 1000 ? "\(Int(micros.rounded())) µs" : String(format: "%.2f ms", micros / 1000)
    }
}
