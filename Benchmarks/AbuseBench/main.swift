// consent-abusebench: what abusive clients cost a well-behaved one (issue 11,
// point 4, the measured form; make bench). Against a running consentd:
//
//   1. idle: a good client (the bank) calls Health.Check back to back, one
//      call at a time, for --seconds; its latencies give p50/p99/p99.9;
//   2. under abuse: the same, while every abusive client of ConsentTesting's
//      AbusiveClients runs over and over on threads of its own;
//   3. after: the abusers stop; once the hub is down to the good client's and
//      the admin's connections, its resident memory is read at once and
//      again 12 s later (consentd trims its allocator every 10 s after
//      connection churn), and the good client is measured idle once more (the
//      spread of the two idle runs is the machine's noise).
//
// Printed as ratios (p99 under abuse / idle, resident after / before), with
// the figures beside them: the machines are shared and noisy. The abusers run
// in this process, on the same cores as the hub and the good client; the
// ratio therefore includes the CPU they take from both.
//
//   consent-abusebench --server 127.0.0.1:7443 --certs DIR --server-pid PID [--seconds 5]
#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentProto
import ConsentRPC
import ConsentTesting
import Foundation
import Synchronization

struct Options {
    var host = "127.0.0.1"
    var port = 7443
    var certs = "dev-certs"
    var serverPID: Int32 = 0
    var seconds = 5.0

    init(_ arguments: [String]) {
        var i = 0
        func value() -> String {
            i += 1
            guard i < arguments.count else { fatal("\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--server":
                let v = value()
                guard let colon = v.lastIndex(of: ":"), let p = Int(v[v.index(after: colon)...]) else { fatal("--server HOST:PORT") }
                host = String(v[..<colon])
                port = p
            case "--certs": certs = value()
            case "--server-pid": serverPID = Int32(value()) ?? 0
            case "--seconds": seconds = Double(value()) ?? 5
            case "-h", "--help":
                print("usage: consent-abusebench --server HOST:PORT --certs DIR --server-pid PID [--seconds S]")
                exit(0)
            default: fatal("unknown argument \(arguments[i])")
            }
            i += 1
        }
    }
}

func fatal(_ message: String) -> Never {
    FileHandle.standardError.write(Data("consent-abusebench: \(message)\n".utf8))
    exit(2)
}

func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// VmRSS of a process, in bytes.
func residentBytes(_ pid: Int32) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kb * 1024
}

/// Health.Check back to back for `seconds`; the latencies in microseconds.
func measure(_ client: ConsentClient, seconds: Double, peak: inout Int, pid: Int32) -> (latencies: [Double], failed: Int) {
    var latencies: [Double] = []
    var failed = 0
    let end = monotonic() + seconds
    var nextSample = monotonic()
    while monotonic() < end {
        let start = monotonic()
        do {
            _ = try client.unaryBlocking(Consent_V1_Health.check, .init(), options: CallOptions(timeout: .seconds(30)))
            latencies.append((monotonic() - start) * 1e6)
        } catch {
            failed += 1
        }
        if pid > 0, monotonic() >= nextSample {
            peak = max(peak, residentBytes(pid))
            nextSample = monotonic() + 0.2
        }
    }
    return (latencies.sorted(), failed)
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[max(0, min(sorted.count - 1, rank))]
}

func describe(_ name: String, _ run: (latencies: [Double], failed: Int)) -> String {
    let l = run.latencies
    return String(format: "%@ %7d calls  p50 %7.0f us  p99 %7.0f us  p99.9 %7.0f us  failed %d",
                  name, l.count, percentile(l, 50), percentile(l, 99), percentile(l, 99.9), run.failed)
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
/// A file of the development certificates (`consentctl dev-certs DIR`).
func certificate(_ name: String) -> String { options.certs + "/" + name }
func endpoint(_ principal: String) -> HubEndpoint {
    HubEndpoint(host: options.host, port: options.port, caFile: certificate("ca.pem"),
                certificateFile: certificate("\(principal).pem"), keyFile: certificate("\(principal).key"))
}
func connect(_ principal: String) -> ConsentClient {
    let e = endpoint(principal)
    do {
        return try ConsentClient(configuration: .init(host: e.host, port: e.port, caFile: e.caFile, certificateFile: e.certificateFile, keyFile: e.keyFile))
    } catch {
        fatal("cannot connect as \(principal): \(error)")
    }
}

let good = connect("consumer")
let admin = connect("admin")
var peak = 0
_ = measure(good, seconds: 1, peak: &peak, pid: 0)  // warm-up
let residentBefore = residentBytes(options.serverPID)
let idle = measure(good, seconds: options.seconds, peak: &peak, pid: options.serverPID)

// Every abuser over and over, each on a thread of its own, until `stop`.
let stop = Atomic<Bool>(false)
let outcomes = Mutex<[String: [String: Int]]>([:])
let bank = endpoint("consumer")
let abusers: [@Sendable () -> AbuseOutcome] = [
    { AbusiveClients.neverHandshake(bank, count: 50, hold: .seconds(1)) },
    { AbusiveClients.slowloris(bank, connections: 5, interval: .milliseconds(200), limit: .seconds(8)) },
    { AbusiveClients.neverRead(bank, calls: 2_000_000, hold: .milliseconds(500)) },
    { AbusiveClients.connectAndDrop(bank, cycles: 200, tls: false) },
    { AbusiveClients.connectAndDrop(bank, cycles: 20, tls: true) },
    {
        let first = AbusiveClients.hugeLength(bank)
        for other in [AbusiveClients.deepAndHuge(bank), AbusiveClients.extremeDeadlines(bank), AbusiveClients.unknownCancels(bank, count: 10_000),
                      AbusiveClients.callIDZero(bank), AbusiveClients.duplicateCallIDs(bank)] {
            outcomes.withLock { for (answer, n) in other.answers { $0[other.name, default: [:]][answer, default: 0] += n } }
        }
        return first
    },
]
let finished = DispatchGroup()
for abuser in abusers {
    finished.enter()
    Thread {
        while !stop.load(ordering: .relaxed) {
            let outcome = abuser()
            outcomes.withLock { for (answer, n) in outcome.answers { $0[outcome.name, default: [:]][answer, default: 0] += n } }
        }
        finished.leave()
    }.start()
}
usleep(500_000)  // let every abuser get going
let abused = measure(good, seconds: options.seconds, peak: &peak, pid: options.serverPID)
stop.store(true, ordering: .relaxed)
finished.wait()

// After: wait until only the good client's and the admin's connections remain.
var settled = false
for _ in 0..<600 {
    if let s = try? admin.unaryBlocking(Consent_V1_Health.stats, .init()), s.connectionsOpen <= 2, s.handshakesPending == 0 {
        settled = true
        break
    }
    usleep(100_000)
}
usleep(1_000_000)
let residentSettled = residentBytes(options.serverPID)
var ignored = 0
let idleAgain = measure(good, seconds: options.seconds, peak: &ignored, pid: 0)
usleep(UInt32(max(0, 12 - options.seconds) * 1_000_000))
let residentAfter = residentBytes(options.serverPID)
let stats = try? admin.unaryBlocking(Consent_V1_Health.stats, .init())

print(describe("idle        ", idle))
print(describe("under abuse ", abused))
print(describe("idle again  ", idleAgain))
let idleP99 = max(1, min(percentile(idle.latencies, 99), percentile(idleAgain.latencies, 99)))
print(String(format: "good client p99 under abuse / idle (the lower idle run): %.2f; idle runs differ by %.2f×",
             percentile(abused.latencies, 99) / idleP99,
             max(percentile(idle.latencies, 99), percentile(idleAgain.latencies, 99)) / idleP99))
print(String(format: "server resident: before %.1f MiB, peak during abuse %.1f MiB, when the abusers were gone %.1f MiB, 12 s later %.1f MiB: after / before %.2f%@",
             Double(residentBefore) / 1048576, Double(peak) / 1048576, Double(residentSettled) / 1048576, Double(residentAfter) / 1048576,
             Double(residentAfter) / Double(max(1, residentBefore)), settled ? "" : " (the abusers' connections had not all closed)"))
if let stats {
    print("server after: \(stats.connectionsOpen) connections open, \(stats.connectionBufferBytes / 1024) KiB of connection buffers, \(stats.connectionsRefused) connections refused by a limit, \(stats.protocolErrors) protocol errors")
}
for (name, answers) in outcomes.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
    print("  \(name): " + answers.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: ", "))
}
good.close()
admin.close()
