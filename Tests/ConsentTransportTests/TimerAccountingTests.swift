import Foundation
import Testing
import ConsentProto
import ConsentRPC
@testable import ConsentTransport

/// Runs `body` on `loop` and waits for its result.
func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) -> T {
    let box = LockedBox<T>()
    let done = DispatchSemaphore(value: 0)
    loop.execute {
        box.value = body()
        done.signal()
    }
    done.wait()
    return box.value!
}

/// Runs `body` on a thread of its own (not a Dispatch worker: tests block
/// those with their waits, and on two cores the pool can run dry).
/// - Returns: a semaphore signalled when `body` returns.
func onNewThread(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        body()
        done.signal()
    }
    thread.start()
    return done
}

final class LockedBox<T: Sendable>: @unchecked Sendable {  // written before a semaphore signal, read after the wait
    var value: T?
}

/// A plain TCP connection that sends bytes that are not TLS, then closes.
func garbageHandshake(port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if rc == 0 {
        let garbage = Array("GET / HTTP/1.0\r\n\r\n".utf8)
        _ = garbage.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var byte: UInt8 = 0
        _ = read(fd, &byte, 1)  // until the server closes (or sends an alert)
    }
    close(fd)
}

/// Every armed timer must be accounted to the loop exactly once, or the
/// compaction threshold drifts up and dead timers pin closed connections in
/// the heap (review finding M2).
@Suite("Timer accounting")
struct TimerAccountingTests {
    @Test("failed handshakes and closed connections leave the loop's live-timer count exact and the heap empty")
    func liveTimerCountDoesNotDrift() async throws {
        let server = try TestServer(loops: 1)
        let loop = server.server.shared.loopContexts[0].loop
        for _ in 0..<300 { garbageHandshake(port: server.port) }
        for _ in 0..<2000 where server.server.stats.handshakeFailures < 300 { usleep(1000) }
        #expect(server.server.stats.handshakeFailures >= 300)

        // Calls with the longest deadline (49 days), abandoned by closing.
        for i in 0..<10 {
            let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
            for id in 1...20 { raw.send(requestFrame(callID: UInt32(id), method: TestMethod.never, deadlineMs: .max)) }
            server.recorder.waitForNever(count: 20 * (i + 1))
        }
        // Connections that complete the handshake (idle timer armed) and leave.
        for _ in 0..<10 { _ = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank)) }
        server.recorder.waitForNever(count: 200)
        for _ in 0..<5000 where server.server.stats.connectionsOpen > 0 { usleep(1000) }
        #expect(server.server.stats.connectionsOpen == 0)

        let counts = onLoop(loop) { loop.timerCounts() }
        #expect(counts.counted == counts.live, "the loop counts \(counts.counted) live timers, \(counts.live) are")
        #expect(counts.live == 0)
        let after = onLoop(loop) { () -> Int in
            loop.compactTimersForTesting()
            return loop.timerCounts().entries
        }
        #expect(after == 0, "dead timers still pin \(after) entries")
        await server.shutdown()
    }

    @Test("cancelled deadline timers are compacted away once they dominate the heap")
    func deadTimersAreCompacted() async throws {
        let server = try TestServer(loops: 1) { $0.maxConcurrentCallsPerConnection = 2048 }
        let loop = server.server.shared.loopContexts[0].loop
        for _ in 0..<100 { garbageHandshake(port: server.port) }
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        for id in 1...1500 { raw.send(requestFrame(callID: UInt32(id), method: TestMethod.never, deadlineMs: .max)) }
        server.recorder.waitForNever(count: 1500)
        for id in 1...1500 { raw.send(Consent_V1_Frame(callId: UInt32(id), kind: .cancel(Consent_V1_Cancel()))) }
        _ = raw.readFrames(1500)
        let counts = onLoop(loop) { loop.timerCounts() }
        #expect(counts.counted == counts.live)
        #expect(counts.entries <= 1024, "\(counts.entries) timer entries left for \(counts.live) live timers")
        await server.shutdown()
    }
}

@Suite("Durations for timers")
struct TimerDurationTests {
    @Test("a huge timeout saturates at a century instead of wrapping into the past")
    func hugeDurationSaturates() {
        #expect(Duration.seconds(Int64.max).nanosecondsClamped == Duration.longestTimerNanoseconds)
        #expect(Duration.seconds(1e15).nanosecondsClamped == Duration.longestTimerNanoseconds)
        #expect(Duration.milliseconds(1500).nanosecondsClamped == 1_500_000_000)
        #expect(Duration.seconds(-1).nanosecondsClamped == 0)
        let now = MonotonicInstant.now()
        #expect(now.adding(nanoseconds: Duration.seconds(Int64.max).nanosecondsClamped) > now)
    }
}
