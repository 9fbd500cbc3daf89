#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ConsentStore

/// The same snapshot encoding as the benchmark's state: a count.
struct CrashCounter: ReplayableState {
    var count: UInt64 = 0
    init() {}
    init(snapshot: [UInt8]) throws { count = snapshot.withUnsafeBytes { $0.loadLittleEndian(UInt64.self, at: 0) } }
    mutating func apply(recordType: UInt8, payload: UnsafeRawBufferPointer, sequence: UInt64) throws { count += 1 }
    func encodeSnapshot() -> [UInt8] { var bytes: [UInt8] = []; bytes.appendLittleEndian(count); return bytes }
}

/// Checks that each writer's rounds arrive in order with none missing.
struct RoundChecker: ReplayableState {
    var lastRound: [UInt64: UInt64] = [:]
    var problems: [String] = []
    init() {}
    init(snapshot: [UInt8]) throws { struct NoSnapshots: Error {}; throw NoSnapshots() }
    func encodeSnapshot() -> [UInt8] { [] }
    mutating func apply(recordType: UInt8, payload: UnsafeRawBufferPointer, sequence: UInt64) throws {
        let writer = payload.loadLittleEndian(UInt64.self, at: 0)
        let round = payload.loadLittleEndian(UInt64.self, at: 8)
        let last = lastRound[writer, default: 0]
        // A batch append repeats its round for each of its records.
        let ok = round == last + 1 || (recordType == 2 && round == last)
        if !ok && problems.count < 5 { problems.append("writer \(writer): round \(round) after \(last) at sequence \(sequence)") }
        lastRound[writer] = round
    }
}

@Suite("Crash")
struct CrashTests {
    @Test("a child killed with SIGKILL at a random instant leaves a log that recovers every acknowledged record",
          .enabled(if: ChildProcess.benchmarkBinary != nil, "needs consent-storebench built beside the tests"))
    func killNine() throws {
        let binary = try #require(ChildProcess.benchmarkBinary)
        for round in 0..<4 {
            let dir = TestDirectory()
            defer { dir.remove() }
            let acks = dir.path + "/acks"
            let pid = ChildProcess.spawn(binary, ["write-forever", dir.data], stdoutPath: acks)
            // Let it get going (bounded), then kill it at a random moment.
            var waited = 0
            while (try? POSIXFileSystem().readFile(acks).count) ?? 0 < 200 && waited < 500 {
                usleep(10_000)
                waited += 1
            }
            usleep(UInt32.random(in: 50_000...(300_000 + UInt32(round) * 100_000)))
            ChildProcess.kill9(pid)

            let text = String(decoding: try POSIXFileSystem().readFile(acks), as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            let completeLines = text.hasSuffix("\n") ? lines : lines.dropLast()
            let acknowledged = completeLines.compactMap { $0.hasPrefix("ack ") ? UInt64($0.dropFirst(4)) : nil }.max() ?? 0
            #expect(acknowledged > 0, "round \(round): the child acknowledged nothing")

            // Through the snapshots the child wrote…
            let (log, counter, report) = try EventLog<CrashCounter>.open(directory: dir.data, options: testOptions())
            log.close()
            #expect(report.lastSequence >= acknowledged, "round \(round): acknowledged \(acknowledged), recovered \(report.lastSequence)")
            #expect(counter.count == report.lastSequence)

            // …and by a full replay that checks every writer's order.
            for name in dir.snapshots() { _ = dir.remove(name) }
            let (again, checker, full) = try EventLog<RoundChecker>.open(directory: dir.data, options: testOptions())
            again.close()
            #expect(full.lastSequence == report.lastSequence)
            #expect(checker.problems.isEmpty, "\(checker.problems)")
            #expect(LogVerifier.verify(directory: dir.data).isHealthy)
        }
    }
}
