#if canImport(Glibc)
import Glibc
#endif
import ConsentServer
import ConsentTesting
import Foundation
import Testing

/// Recovery stays fast after repeated crashes (issue 11, point 6): an outside
/// test killed the hub 100 times under load and recovery time grew from
/// 0.05 s to 3 s, because snapshot counting restarted at every open and no
/// background snapshot completed between two kills.
///
/// The real `consentd` (on the embedded log, and on PostgreSQL with its
/// snapshots in files on the node) is killed with `kill -9` 50 times, each time after
/// fewer writes than `--snapshot-every-records`, so that no run ever reaches a
/// background snapshot by its own count. What is asserted is the number of
/// records each start replays (from consentd's recovery line), never time:
/// replay time follows it. The bound: a start that replays at least N records
/// (a snapshot was due) writes a snapshot before it serves, so every start
/// replays fewer than N records plus those written by the run just killed.
/// Before the fix the replayed records grew with every kill (the sum of all
/// runs' writes). `make bench` runs the long form with timings
/// (`consent-crashbench`).
@Suite(.serialized) struct RepeatedCrashRecoveryTests {
    static let snapshotEvery: UInt64 = 400
    static let cycles = 50

    /// `recovery: log ends at sequence N; …; M records replayed from …` → (N, M).
    static func recoveryFigures(_ log: String) -> (last: UInt64, replayed: UInt64)? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("recovery: ") && $0.contains(" records replayed from ") }) else {
            return nil
        }
        func number(before marker: String, in text: Substring) -> UInt64? {
            guard let range = text.range(of: marker) else { return nil }
            let digits = text[..<range.lowerBound].reversed().prefix { $0.isNumber }
            return UInt64(String(digits.reversed()))
        }
        func number(after marker: String, in text: Substring) -> UInt64? {
            guard let range = text.range(of: marker) else { return nil }
            return UInt64(String(text[range.upperBound...].prefix { $0.isNumber }))
        }
        guard let last = number(after: "at sequence ", in: line), let replayed = number(before: " records replayed from", in: line) else {
            return nil
        }
        return (last, replayed)
    }

    @Test(arguments: TestStorage.allCases)
    func recordsReplayedAtStartStayBoundedOverFiftyKills(_ storage: TestStorage) async throws {
        let postgres = try storage.makeDatabase()
        let data = TestHub.makeTemporaryDirectory("crashloop") + "/data"
        defer { try? FileManager.default.removeItem(atPath: String(data.dropLast("/data".count))) }
        // Small segments and pre-zeroed space for the embedded log, so rolls
        // and writes over zeros happen in the window of the kills too; with PostgreSQL the data directory holds the
        // node's snapshots only.
        let arguments = ["--demo-registry", "--snapshot-every-records", String(Self.snapshotEvery)]
            + (postgres == nil ? ["--segment-size", "64K", "--pre-zero", "16K"] : TestStorage.arguments(postgres: postgres))
        var generator = SystemRandomNumberGenerator()
        var acknowledged = Set<String>()
        var previousLast: UInt64 = 0
        var curve: [UInt64] = []
        var largestRun: UInt64 = 0

        for cycle in 0..<Self.cycles {
            let child = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data, extraArguments: arguments)
            // A node of a shared store serves once it holds the lease.
            if postgres != nil { try child.waitUntilServing() }
            let log = child.log
            let figures = try #require(Self.recoveryFigures(log), "cycle \(cycle): no recovery line in \(log)")
            curve.append(figures.replayed)
            let writtenByLastRun = figures.last - previousLast
            largestRun = max(largestRun, writtenByLastRun)
            // The bound, whatever the timing of background snapshots: fewer
            // than N records carried over, plus the killed run's.
            #expect(figures.replayed < Self.snapshotEvery + writtenByLastRun,
                    "cycle \(cycle): replayed \(figures.replayed) records at start; the killed run wrote \(writtenByLastRun) (replayed so far: \(curve)); log: \(log)")
            if figures.replayed >= Self.snapshotEvery {
                #expect(log.contains("then wrote snapshot "), "cycle \(cycle): a start that replayed \(figures.replayed) records writes a snapshot; log: \(log)")
            }
            previousLast = figures.last

            // Fewer writes than a snapshot's worth, then kill -9 at a random moment.
            let writers = try CrashKillNineTests.Writers(port: child.port, connections: 2)
            writers.start(inFlightPerConnection: 8)
            let wanted = Int.random(in: 60...250, using: &generator)
            for _ in 0..<6000 where writers.acknowledgedCount < wanted { usleep(5_000) }
            #expect(writers.acknowledgedCount >= wanted, "cycle \(cycle): only \(writers.acknowledgedCount) requests acknowledged in 30 s")
            usleep(UInt32.random(in: 0...30_000, using: &generator))
            child.kill9()
            writers.stop.store(true, ordering: .relaxed)
            for _ in 0..<3000 where writers.finished.load(ordering: .relaxed) < writers.launched.load(ordering: .relaxed) { usleep(10_000) }
            writers.close()
            acknowledged.formUnion(writers.acknowledged.withLock { $0 })
        }

        // Bounded over the whole run by a snapshot's worth plus the largest run.
        #expect((curve.max() ?? 0) < Self.snapshotEvery + largestRun, "records replayed at each start: \(curve)")

        // And nothing acknowledged was lost on the way.
        let last = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data, extraArguments: arguments)
        if postgres != nil { try last.waitUntilServing() }
        let after = try await CrashKillNineTests.createdRequests(port: last.port)
        let lost = acknowledged.subtracting(after.ids)
        #expect(lost.isEmpty, "lost \(lost.count) of \(acknowledged.count) acknowledged requests")
        last.signal(SIGTERM)
        #expect(last.waitForExit() == 0)
    }
}
