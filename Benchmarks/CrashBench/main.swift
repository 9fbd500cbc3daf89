// consent-crashbench: how long consentd takes to recover when it is killed
// over and over under load (issue 11, point 6; the long form of
// RepeatedCrashRecoveryTests, with timings).
//
// Each cycle starts consentd (release, the embedded log) on the same data
// directory, reads its recovery line (records replayed, the store's recovery
// time, whether it wrote a snapshot at start) and the time from spawn to
// `listening on`, lets the bank's CreateRequest calls (3 connections x 16 in
// flight) run for a random 0.3-1.5 s, and kills it with kill -9 (the quota
// of open requests per consumer lifted, as every request stays open). At the end
// every acknowledged request must be in the bank's feed (exit 1 otherwise).
//
// usage: consent-crashbench [--cycles N] [--consentd PATH] [--dir PARENT] [ARGS for consentd...]
//   default: 100 cycles, consentd beside this executable, /tmp, and consentd's
//   own defaults (snapshots every 1,000,000 records or 256 MiB of log)
#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentTesting
import Foundation

var cycles = 100
var binary = ConsentdProcess.sibling("consentd")
var parent = "/tmp"
var extra: [String] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--cycles": cycles = Int(arguments.popFirst() ?? "") ?? cycles
    case "--consentd": binary = arguments.popFirst() ?? binary
    case "--dir": parent = arguments.popFirst() ?? parent
    default: extra.append(argument)
    }
}

/// `…; N records replayed from …; in X s; …` → (last sequence, records replayed, seconds, wrote a snapshot).
func recoveryLine(_ log: String) -> (last: UInt64, replayed: UInt64, seconds: Double, snapshot: Bool)? {
    guard let line = log.split(separator: "\n").first(where: { $0.contains("recovery: ") && $0.contains(" records replayed from ") }) else { return nil }
    let fields = line.components(separatedBy: "; ")
    func number(_ field: String?, _ pattern: String) -> Double? {
        guard let field, let range = field.range(of: pattern, options: .regularExpression) else { return nil }
        return Double(field[range].filter { $0.isNumber || $0 == "." })
    }
    let last = number(fields.first { $0.contains("at sequence ") }, "at sequence [0-9]+")
    let replayed = number(fields.first { $0.contains(" records replayed from ") }, "^[0-9]+")
    let seconds = number(fields.first { $0.hasPrefix("in ") }, "[0-9.]+")
    guard let last, let replayed, let seconds else { return nil }
    return (UInt64(last), UInt64(replayed), seconds, line.contains("then wrote snapshot"))
}

let workDirectory = parent + "/crashbench-\(getpid())"
let data = workDirectory + "/data"
try? FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
// Every request stays unanswered: lift the per-consumer quota of open
// requests (100,000 by default), or the writes stop being acknowledged once
// it is reached and the tail stops growing.
let consentdArguments = ["--demo-registry", "--threads", "1", "--max-open-requests-per-consumer", "100000000"] + extra
print("consent-crashbench: \(cycles) kill -9 cycles of \(binary) \(consentdArguments.joined(separator: " ")) on \(data)")
print("cycle  records-replayed  recovery-s  spawn-to-listening-s  log-ends-at  snapshot-at-start")

var acknowledged = Set<String>()
var failures: [String: Int] = [:]
var generator = SystemRandomNumberGenerator()
var rows: [(replayed: UInt64, seconds: Double, listening: Double)] = []
var status: Int32 = 0
do {
    for cycle in 1...cycles {
        let clock = ContinuousClock()
        let started = clock.now
        let child = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data, extraArguments: consentdArguments, timeout: .seconds(600), binary: binary)
        let listening = (clock.now - started)
        let listeningSeconds = Double(listening.components.seconds) + Double(listening.components.attoseconds) / 1e18
        guard let figures = recoveryLine(child.log) else { throw TestHub.TestHubError(description: "cycle \(cycle): no recovery line: \(child.log)") }
        rows.append((figures.replayed, figures.seconds, listeningSeconds))
        print(String(format: "%5d  %16llu  %10.3f  %20.3f  %11llu  %@", cycle, figures.replayed, figures.seconds, listeningSeconds, figures.last,
                     figures.snapshot ? "yes" : "-"))
        let clients = try (0..<3).map { _ in
            try ConsentClient(configuration: .init(
                host: "127.0.0.1", port: child.port, caFile: TestHub.certificates.path("ca.pem"),
                certificateFile: TestHub.certificates.path("consumer.pem"), keyFile: TestHub.certificates.path("consumer.key")))
        }
        let writers = RequestWriters(clients: clients)
        writers.start(inFlight: 16)
        usleep(UInt32.random(in: 300_000...1_500_000, using: &generator))
        child.kill9()
        writers.stop()
        _ = writers.waitForAllAnswers(seconds: 30)
        writers.close()
        acknowledged.formUnion(writers.acknowledged.withLock { $0 })
        for (code, count) in writers.failed.withLock({ $0 }) { failures["\(code)", default: 0] += count }
    }
    let last = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data, extraArguments: consentdArguments, timeout: .seconds(600), binary: binary)
    let bank = try ConsentClient(configuration: .init(
        host: "127.0.0.1", port: last.port, caFile: TestHub.certificates.path("ca.pem"),
        certificateFile: TestHub.certificates.path("consumer.pem"), keyFile: TestHub.certificates.path("consumer.key")))
    let present = Set(try RequestWriters.createdRequests(through: bank))
    bank.close()
    last.signal(SIGTERM)
    last.waitForExit()
    let lost = acknowledged.subtracting(present).count
    func summary(_ slice: ArraySlice<(replayed: UInt64, seconds: Double, listening: Double)>) -> String {
        let replayed = slice.map(\.replayed).sorted()
        let seconds = slice.map(\.seconds).sorted()
        return String(format: "records replayed median %llu max %llu; recovery median %.3f s max %.3f s",
                      replayed[replayed.count / 2], replayed.last!, seconds[seconds.count / 2], seconds.last!)
    }
    print("")
    print("cycles 1-10:  " + summary(rows.prefix(10)))
    if rows.count > 20 { print("cycles \(rows.count / 2 - 4)-\(rows.count / 2 + 5): " + summary(rows[(rows.count / 2 - 5)..<(rows.count / 2 + 5)])) }
    print("last 10:      " + summary(rows.suffix(10)))
    let failed = failures.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ")
    print("acknowledged requests: \(acknowledged.count), lost: \(lost); calls that failed (in flight at a kill, or refused): \(failed.isEmpty ? "none" : failed)")
    if lost > 0 { status = 1 }
} catch {
    print("consent-crashbench: \(error)")
    status = 1
}
// Top-level code: `exit` skips `defer`, so the directory is removed here.
try? FileManager.default.removeItem(atPath: workDirectory)
exit(status)
