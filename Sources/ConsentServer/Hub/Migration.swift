#if canImport(Glibc)
import Glibc
#endif
import ConsentCore
import ConsentPostgres
import ConsentStore
import Dispatch
import Foundation
import Synchronization

/// `consentd migrate --from-data-dir DIR --to-postgres CONNINFO`: copies an
/// embedded log into an empty PostgreSQL database and checks that the state
/// rebuilt from both is identical (docs/OPERATIONS.md, "Moving from one
/// machine to a service").
///
/// 1. Locks the data directory (no consentd may run on it) and checks it
///    with the start-up rules (`--verify-data`): a damaged log is not copied.
/// 2. Opens the database through the PostgreSQL store and takes its lease
///    (no node may write meanwhile); refuses a database that holds events,
///    unless an unfinished migration left them (below).
/// 3. Marks the database as being migrated (`consent_meta.migrating`):
///    until the mark is cleared no node opens it or takes its lease, and
///    `--verify-data` calls it damaged, so a migration that crashes or fails
///    half-way leaves a database nobody serves.
/// 4. Copies every record, in order, in transactions of a few thousand
///    records (the store's group commit), while replaying them into a state.
/// 5. Rebuilds the state from PostgreSQL alone, with a fresh node's full
///    replay, compares it with the state of the log, and only if they are
///    identical clears the mark.
///
/// A database that an unfinished migration marked is continued, not started
/// over: the records it holds are kept (each batch committed whole), the
/// copy goes on after them, and step 5 checks the whole copy, so records of
/// another log are found there (the states differ and the mark stays).
///
/// Exit codes: 0 migrated and identical; 1 the copy failed or the states
/// differ; 2 unusable (no such directory, in use, damaged, the database
/// cannot be reached or is not empty).
public enum Migration {
    public enum Verdict: Int32, Sendable {
        case migrated = 0
        case failed = 1
        case unusable = 2
    }

    struct Failure: Error, Sendable {
        var verdict: Verdict
        var message: String
    }

    /// Records per transaction: big enough for a fast copy, small enough that
    /// the pending buffer stays small.
    public static let batchRecords = 5_000
    static let batchBytes = 4 << 20

    /// Runs the migration, printing progress lines through `say`.
    /// - Returns: the verdict (its raw value is the exit code) and the last line.
    /// - Parameter batchRecords: records per transaction (tests make it small).
    public static func run(
        from directory: String, to connection: String, lease: Duration = .seconds(4), batchRecords: Int = Migration.batchRecords,
        say: @escaping @Sendable (String) -> Void = { print($0) }
    ) -> (verdict: Verdict, text: String) {
        let outcome = migrate(from: directory, to: connection, lease: lease, batchRecords: max(1, batchRecords), say: say)
        switch outcome {
        case .success(let text):
            say(text)
            say("result: migrated (exit 0)")
            return (.migrated, text)
        case .failure(let failure):
            let text = "consentd migrate: \(failure.message)\nresult: \(failure.verdict == .failed ? "FAILED" : "UNUSABLE") (exit \(failure.verdict.rawValue))"
            say(text)
            return (failure.verdict, text)
        }
    }

    private static func migrate(
        from directory: String, to connection: String, lease: Duration, batchRecords: Int, say: @escaping @Sendable (String) -> Void
    ) -> Result<String, Failure> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return .failure(Failure(verdict: .unusable, message: "--from-data-dir \(directory): no such directory"))
        }
        let result = Result { () throws(StoreError) -> String in
            try LogReader.withLockedDirectory(directory) { () throws(StoreError) -> String in
                let report = LogVerifier.verify(directory: directory)
                guard report.isHealthy else {
                    throw .invalidArgument("the log in \(directory) is damaged and is not copied (consentd --verify-data --data-dir \(directory) lists it): \(report.problems.map { "\($0)" }.joined(separator: "; "))")
                }
                return try copy(from: directory, records: report.records, to: connection, lease: lease, batchRecords: batchRecords, say: say)
            }
        }
        return result.mapError { error in
            // The states differ or an event does not replay: the copy failed.
            // Anything else stopped it before or while copying: unusable input.
            if case .replayFailed = error { return Failure(verdict: .failed, message: "\(error)") }
            return Failure(verdict: .unusable, message: "\(error)")
        }
    }

    private static func copy(
        from directory: String, records expected: UInt64, to connection: String, lease: Duration, batchRecords: Int,
        say: @escaping @Sendable (String) -> Void
    ) throws(StoreError) -> String {
        let scratch = NSTemporaryDirectory() + "consentd-migrate-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var options = PostgresOptions(connection: connection, snapshotDirectory: scratch + "/copy")
        options.snapshotEveryRecords = nil
        // Its snapshots go to a scratch directory that is removed: writing
        // one after the verifying replay would only cost time.
        options.snapshotAtOpen = false
        options.leaseDuration = lease
        options.nodeName = "migrate:\(getpid())"
        options.continuesUnfinishedMigration = true
        options.log = { _ in }
        let (store, _, opened) = try PostgresEventStore<LoggedConsentState>.open(options: options)
        defer { store.close() }
        let kept = opened.lastSequence
        if let mark = store.unfinishedMigration {
            guard kept <= expected else {
                throw .invalidArgument("\(store.storeDescription) holds \(kept) events from an unfinished migration (\(mark)), more than the \(expected) of the log in \(directory): it was being migrated from another log; drop its tables (consent_events, consent_lease, consent_meta) to start over")
            }
        } else if kept > 0 {
            throw .invalidArgument("\(store.storeDescription) already holds \(kept) events: migrate only into an empty database")
        }
        let target = LockedState()
        store.start(advertising: "migration (consentd migrate)", hooks: ReplicaHooks(
            update: { (body) throws(StoreError) in try target.state.withLock { (value) throws(StoreError) in try body(&value) } },
            roleChanged: { _ in }))
        let giveUp = ContinuousClock.now + lease * 2 + .seconds(2)
        while !(store.role.isActive && store.mayServe) {
            guard ContinuousClock.now < giveUp else {
                throw .unavailable("another consentd holds the lease of \(store.storeDescription): stop every node before migrating")
            }
            usleep(20_000)
        }
        guard store.durableSequence == kept else {
            throw .invalidArgument("\(store.storeDescription) received \(store.durableSequence - kept) events from another node meanwhile: migrate only into an empty database that no node uses")
        }
        let startedAt = ISO8601DateFormatter().string(from: Date())
        try store.beginMigration(note: "consentd migrate from \(directory), process \(getpid()), started \(startedAt)")
        if let mark = store.unfinishedMigration {
            say("continuing an unfinished migration (\(mark)): the database holds \(kept) of the \(expected) events of the log in \(directory); copying the rest into \(store.storeDescription)")
        } else {
            say("migrating \(expected) events from the log in \(directory) into \(store.storeDescription)")
        }

        let clock = ContinuousClock()
        let started = clock.now
        var fromLog = LoggedConsentState()
        var batch: [(UInt8, [UInt8])] = []
        var batchBytes = 0
        func flush() throws(StoreError) {
            guard !batch.isEmpty else { return }
            let done = DispatchSemaphore(value: 0)
            let outcome = Mutex<Result<UInt64, StoreError>?>(nil)
            store.append(batch) { result in
                outcome.withLock { $0 = result }
                done.signal()
            }
            done.wait()
            _ = try outcome.withLock { $0! }.get()
            batch.removeAll(keepingCapacity: true)
            batchBytes = 0
        }
        let last = try LogReader.forEachRecord(directory: directory) { (sequence, type, payload) throws(StoreError) in
            do {
                try fromLog.apply(recordType: type, payload: payload, sequence: sequence)
            } catch {
                throw .replayFailed(file: directory, sequence: sequence, reason: "\(error)")
            }
            guard sequence > kept else { return }  // committed by the unfinished migration
            batch.append((type, Array(payload)))
            batchBytes += payload.count
            if batch.count >= batchRecords || batchBytes >= Self.batchBytes { try flush() }
        }
        try flush()
        let copied = clock.now - started
        store.close()

        // The state a node of this database rebuilds: a full replay, no snapshot.
        options.snapshotDirectory = scratch + "/verify"
        options.nodeName = "migrate-verify:\(getpid())"
        let (verifier, fromPostgres, rebuilt) = try PostgresEventStore<LoggedConsentState>.open(options: options)
        verifier.close()
        guard rebuilt.lastSequence == last else {
            throw .replayFailed(file: "consent_events", sequence: rebuilt.lastSequence, reason: "PostgreSQL holds \(rebuilt.lastSequence) events, the log \(last)")
        }
        guard fromPostgres.state == fromLog.state else {
            throw .replayFailed(file: "consent_events", sequence: last, reason: "the state rebuilt from PostgreSQL differs from the state rebuilt from the log; the database stays marked as being migrated, so no node serves it")
        }
        try PostgresEventStore<LoggedConsentState>.finishMigration(options: options)
        let seconds = Double(copied.components.seconds) + Double(copied.components.attoseconds) / 1e18
        return "copied \(last - kept) events (sequence \(kept + 1)...\(last)) in \(String(format: "%.2f", seconds)) s"
            + (seconds > 0 ? " (\(Int(Double(last - kept) / seconds)) events/s)" : "")
            + "; the states rebuilt from the log and from PostgreSQL are identical: \(fromLog.state.requestCount) consent requests, \(fromLog.state.resources(visibleTo: .system).count) resources, last sequence \(last)"
    }
}

/// The migration node's state, which a shared store's hooks reach.
private final class LockedState: Sendable {
    let state = Mutex(LoggedConsentState())
}
