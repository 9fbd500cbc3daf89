// consent-failoverbench: failover time of two consentd nodes sharing one
// PostgreSQL, from `kill -9` of the active node to the first write a client
// gets acknowledged by the new active node, over N trials under load
// (make bench: 20). Every write acknowledged in any trial must be there at
// the end; the exit status is 1 otherwise.
//
// usage: consent-failoverbench [--trials N] [--consentd PATH]
#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentTesting
import Foundation

var trials = 20
var binary = ConsentdProcess.sibling("consentd")
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--trials": trials = Int(arguments.popFirst() ?? "") ?? trials
    case "--consentd": binary = arguments.popFirst() ?? binary
    default:
        FileHandle.standardError.write(Data("usage: consent-failoverbench [--trials N] [--consentd PATH]\n".utf8))
        exit(2)
    }
}

// Top-level code: `exit` skips `defer`, so the nodes and the server are
// stopped explicitly on every path (a node left running would retry the
// gone database forever).
var cluster: FailoverCluster?
var server: TestPostgres?
@MainActor func finish(_ status: Int32) -> Never {
    cluster?.stopAll()
    server?.stop()
    exit(status)
}

do {
    server = try TestPostgres.start()
    cluster = try FailoverCluster(postgres: try server!.createDatabase(), binary: binary)
    let cluster = cluster!
    let writers = RequestWriters(clients: try (0..<3).map { _ in try cluster.client("consumer") })
    writers.start(inFlight: 8)
    let probe = try cluster.client("consumer")
    var times: [Double] = []
    var probed: Set<String> = []
    var generator = SystemRandomNumberGenerator()
    for trial in 1...trials {
        guard let active = cluster.activeIndex() else { throw TestHub.TestHubError(description: "trial \(trial): no active node") }
        let wanted = writers.acknowledgedCount + Int.random(in: 100...500, using: &generator)
        while writers.acknowledgedCount < wanted { usleep(10_000) }
        usleep(UInt32.random(in: 0...200_000, using: &generator))
        let killed = RequestWriters.monotonicNow()
        cluster.kill9(active)
        let (seconds, id, _) = try cluster.firstAcknowledgedWrite(through: probe, since: killed)
        times.append(seconds)
        probed.insert(id)
        print(String(format: "trial %2d: node %d killed; the new active node acknowledged a write after %.3f s", trial, active, seconds))
        try cluster.start(active)
        try cluster.waitUntilStandby(active)
    }
    writers.stop()
    _ = writers.waitForAllAnswers()
    let created = Set(try cluster.createdRequests())
    let acknowledged = writers.acknowledged.withLock { $0 }.union(probed)
    let lost = acknowledged.subtracting(created)
    writers.close()
    probe.close()
    let sorted = times.sorted()
    let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    print(String(format: "failover over %d trials (kill -9 of the active node -> first write acknowledged by the new one): median %.3f s, worst %.3f s, best %.3f s (target: within 5 s)",
                 times.count, median, sorted.last ?? 0, sorted.first ?? 0))
    print("writes acknowledged under load: \(acknowledged.count), all present after the last trial: \(lost.isEmpty ? "yes" : "NO, \(lost.count) lost"); calls that failed during failovers (outcome unknown): \(writers.failed.withLock { $0 }.values.reduce(0, +))")
    finish(lost.isEmpty ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("consent-failoverbench: \(error)\n".utf8))
    finish(1)
}
