// `consent-load transport-echo-server` / `consent-load transport-echo`: a
// measurement of the bare transport (ConsentTransport + ConsentClient) with
// no-op echo calls on ONE connection. Not the hub's load generator (that one
// drives real services); kept because it is how the transport's figures in
// the report were made and how regressions are found.
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import ConsentClient
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentTransport

private struct NoOpEcho: CallDispatcher {
    func dispatch(_ call: IncomingCall, responder: CallResponder) {
        responder.succeed(call.payload)
    }
}

private func option(_ name: String, _ arguments: [String], default value: String) -> String {
    if let i = arguments.firstIndex(of: name), i + 1 < arguments.count { return arguments[i + 1] }
    return value
}

/// Serves echo calls until killed. Prints "port N" once listening.
func transportEchoServer(_ arguments: [String]) throws {
    let dir = option("--certs", arguments, default: "/tmp/consent-bench-certs")
    let tls = try TLSContext(configuration: .server(
        certificateChainFile: "\(dir)/server.pem", privateKeyFile: "\(dir)/server.key", clientCAFile: "\(dir)/ca.pem"))
    let threads = Int(option("--threads", arguments, default: "1"))!
    let server = try TransportServer(
        configuration: .init(host: "127.0.0.1", port: Int(option("--port", arguments, default: "0"))!, tls: tls, eventLoopCount: threads),
        dispatcher: NoOpEcho())
    let address = try server.start()
    print("port \(address.port)")
    fflush(nil)
    while true { sleep(3600) }
}

/// CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat.
private func cpuSeconds(pid: Int32) -> Double {
    let fd = open("/proc/\(pid)/stat", O_RDONLY)
    guard fd >= 0 else { return .nan }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let n = read(fd, &buffer, buffer.count)
    guard n > 0 else { return .nan }
    let text = String(decoding: buffer[0..<n], as: UTF8.self)
    // Fields after the ")" of the command name: state is field 3; utime 14, stime 15.
    guard let close = text.lastIndex(of: ")") else { return .nan }
    let fields = text[text.index(after: close)...].split(separator: " ")
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    return (Double(fields[11])! + Double(fields[12])!) / ticks
}

private func ownCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Runs `--seconds` of echo calls with `--inflight` calls open at all times.
func transportEchoClient(_ arguments: [String]) throws {
    let dir = option("--certs", arguments, default: "/tmp/consent-bench-certs")
    let port = Int(option("--port", arguments, default: "7443"))!
    let inflight = Int(option("--inflight", arguments, default: "1"))!
    let seconds = Double(option("--seconds", arguments, default: "3"))!
    let serverPID = Int32(option("--server-pid", arguments, default: "0"))!
    let payloadSize = Int(option("--payload", arguments, default: "16"))!
    let client = try ConsentClient(configuration: .init(
        host: "127.0.0.1", port: port, caFile: "\(dir)/ca.pem", certificateFile: "\(dir)/consumer.pem", keyFile: "\(dir)/consumer.key"))
    defer { client.close() }
    let payload = [UInt8](repeating: 0x5A, count: payloadSize)
    let method = "/consent.v1.Health/Check"

    // Warm up.
    for _ in 0..<2000 { _ = try? client.unaryBlocking(Consent_V1_Health.check, Consent_V1_HealthCheckRequest()) }

    final class Run: @unchecked Sendable {  // counters touched only on the client's loop thread; `done` is a semaphore
        var completed = 0
        var failed = 0
        var latencyNanos: [UInt64] = []
        var stopAt: UInt64 = 0
        var open = 0
        let done = DispatchSemaphore(value: 0)
    }
    let run = Run()
    run.latencyNanos.reserveCapacity(4_000_000)
    run.stopAt = MonotonicInstant.now().adding(nanoseconds: UInt64(seconds * 1e9)).nanoseconds
    let transport = client.connection

    @Sendable func start() {
        let started = MonotonicInstant.now().nanoseconds
        _ = transport.startCall(method: method, payload: payload, options: CallOptions(), onMessage: { _ in }) { result in
            let now = MonotonicInstant.now().nanoseconds
            if result.code == .ok { run.completed += 1 } else { run.failed += 1 }
            run.latencyNanos.append(now &- started)
            if now < run.stopAt {
                start()
            } else {
                run.open -= 1
                if run.open == 0 { run.done.signal() }
            }
        }
    }
    let cpuServer0 = serverPID > 0 ? cpuSeconds(pid: serverPID) : .nan
    let cpuClient0 = ownCPUSeconds()
    let t0 = MonotonicInstant.now()
    transport.loop.execute {
        run.open = inflight
        for _ in 0..<inflight { start() }
    }
    run.done.wait()
    let elapsed = Double(t0.nanoseconds(until: .now())) / 1e9
    let cpuServer = serverPID > 0 ? cpuSeconds(pid: serverPID) - cpuServer0 : .nan
    let cpuClient = ownCPUSeconds() - cpuClient0

    let sorted = run.latencyNanos.sorted()
    func pct(_ p: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000 }
    let rate = Double(run.completed) / elapsed
    print("in flight \(inflight): \(run.completed) calls in \(format2(elapsed)) s = \(Int(rate)) calls/s, failed \(run.failed)")
    print("  latency µs: p50 \(format2(pct(0.5))) p90 \(format2(pct(0.9))) p99 \(format2(pct(0.99))) max \(format2(Double(sorted.last ?? 0) / 1000))")
    if serverPID > 0 {
        print("  server CPU \(format2(cpuServer)) s = \(Int(Double(run.completed) / cpuServer)) calls per server CPU-second (\(format2(cpuServer / elapsed * 100)) % of a core)")
    }
    print("  client CPU \(format2(cpuClient)) s")
}

private func format2(_ x: Double) -> String {
    let scaled = (x * 100).rounded() / 100
    return "\(scaled)"
}
