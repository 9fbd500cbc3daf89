import Foundation
import Synchronization
import Testing
import ConsentProto
@testable import ConsentTransport

/// What clients that never authenticate (or break the protocol) can write
/// into the server's log: a few lines per kind and window, then a summary.
@Suite("Log noise")
struct LogNoiseTests {
    @Test("failed handshakes and protocol errors are logged a few at a time, then summarised with their counts")
    func noiseIsRateLimitedAndSummarised() async throws {
        let lines = Mutex<[String]>([])
        let server = try TestServer(loops: 2) {
            $0.log = { line in lines.withLock { $0.append(line) } }
            $0.logLinesPerWindow = 5
            $0.logWindow = .seconds(600)  // one window for the whole test
        }
        for _ in 0..<200 { garbageHandshake(port: server.port) }
        for _ in 0..<30 {
            try ProtocolErrorTests.expectGoAway(ProtocolErrorTests.frame([]), code: .protocolError, server: server)
        }
        #expect(ConnectionMemoryTests.eventually { server.server.stats.handshakeFailures >= 200 })
        let logged = lines.withLock { $0 }
        let handshakeLines = logged.filter { $0.contains("TLS handshake failed") || $0.contains("closed during the TLS handshake") }
        let protocolLines = logged.filter { $0.contains("protocol error: frame without a kind") }
        #expect(handshakeLines.count == 5, "\(handshakeLines.count) handshake lines for 200 failures")
        #expect(protocolLines.count == 5, "\(protocolLines.count) protocol-error lines for 30")
        #expect(logged.count == 10, "\(logged.count) lines in all")
        // The window's end writes what was left out.
        server.server.shared.eventLog.endWindow()
        let summary = lines.withLock { $0.last ?? "" }
        #expect(summary.contains("left out"), "\(summary)")
        #expect(Self.numbers(in: summary).reduce(0, +) == 220, "every failure is a line or counted: \(summary)")
        await server.shutdown()
    }

    @Test("a window in which lines were left out ends with its summary, without waiting for the next event")
    func summaryComesByItself() async throws {
        let lines = Mutex<[String]>([])
        let server = try TestServer(loops: 1) {
            $0.log = { line in lines.withLock { $0.append(line) } }
            $0.logLinesPerWindow = 2
            $0.logWindow = .milliseconds(200)
        }
        for _ in 0..<10 { garbageHandshake(port: server.port) }
        #expect(ConnectionMemoryTests.eventually { lines.withLock { $0.contains { $0.contains("left out") } } })
        await server.shutdown()
    }

    /// The counts of a summary line: each number before " × ".
    static func numbers(in line: String) -> [Int] {
        line.components(separatedBy: " × ").dropLast().compactMap { Int($0.split(separator: " ").last ?? "") }
    }
}
