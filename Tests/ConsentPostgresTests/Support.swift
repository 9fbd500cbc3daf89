import ConsentPostgres
import ConsentStore
import ConsentTesting
import Dispatch
import Foundation
import Synchronization

/// A small state: every record's sequence, type and payload, in order.
struct Tally: ReplayableState, Equatable {
    var records: [[UInt8]] = []
    var lastSequence: UInt64 = 0

    init() {}

    struct Rejected: Error, CustomStringConvertible {
        var description: String
    }

    init(snapshot: [UInt8]) throws {
        var offset = 0
        func u32() throws -> Int {
            guard offset + 4 <= snapshot.count else { throw Rejected(description: "short snapshot") }
            defer { offset += 4 }
            return Int(snapshot[offset]) | Int(snapshot[offset + 1]) << 8 | Int(snapshot[offset + 2]) << 16 | Int(snapshot[offset + 3]) << 24
        }
        let count = try u32()
        for _ in 0..<count {
            let length = try u32()
            guard offset + length <= snapshot.count else { throw Rejected(description: "short snapshot") }
            records.append(Array(snapshot[offset..<offset + length]))
            offset += length
        }
        lastSequence = UInt64(count)
    }

    mutating func apply(recordType: UInt8, payload: UnsafeRawBufferPointer, sequence: UInt64) throws {
        guard sequence == lastSequence + 1 else { throw Rejected(description: "sequence \(sequence) after \(lastSequence)") }
        records.append([recordType] + Array(payload))
        lastSequence = sequence
    }

    func encodeSnapshot() -> [UInt8] {
        var bytes: [UInt8] = []
        func u32(_ value: Int) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24 & 0xFF)] }
        u32(records.count)
        for record in records {
            u32(record.count)
            bytes += record
        }
        return bytes
    }
}

/// Collects log lines.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

/// A database on the shared test server and a snapshot directory of its own.
struct TestDatabase {
    let server: TestPostgres
    let conninfo: String
    let snapshots: String
    let lines = Lines()

    init(server: TestPostgres? = nil) throws {
        self.server = try server ?? TestPostgres.shared
        conninfo = try self.server.createDatabase()
        snapshots = TestHub.makeTemporaryDirectory("pg-snapshots")
    }

    var name: String { TestPostgres.databaseName(of: conninfo) }

    func options(snapshots directory: String? = nil, node: String = "test-node") -> PostgresOptions {
        var options = PostgresOptions(connection: conninfo, snapshotDirectory: directory ?? snapshots)
        options.nodeName = node
        options.snapshotEveryRecords = nil
        options.log = { [lines] in lines.append($0) }
        return options
    }

    func open(_ options: PostgresOptions? = nil) throws(StoreError) -> (store: PostgresEventStore<Tally>, state: Tally, report: RecoveryReport) {
        try PostgresEventStore<Tally>.open(options: options ?? self.options())
    }

    /// Runs SQL as the superuser in this database.
    @discardableResult
    func sql(_ text: String) throws -> String {
        try server.psql(text, database: name)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: snapshots)
    }

    /// The payloads of every record, in order, comma-separated.
    func payloads() throws -> String {
        try sql("SELECT string_agg(convert_from(payload, 'UTF8'), ',' ORDER BY seq) FROM consent_events")
    }

    /// What a restore to sequence `kept` followed by a new writer (epoch + 1)
    /// leaves: records `kept + 1 ... end` of another history (`prefix` and
    /// the sequence), written through consent_append as a node would, under
    /// a lease no live session holds.
    func rewriteHistory(keeping kept: Int, through end: Int, prefix: String = "new") throws {
        try sql("""
            BEGIN;
            DELETE FROM consent_events WHERE seq > \(kept);
            UPDATE consent_lease SET epoch = epoch + 1, holder_pid = NULL, expires_at = '-infinity';
            SELECT last_seq FROM consent_append((SELECT epoch FROM consent_lease), \(kept + 1), array_fill(1::smallint, ARRAY[\(end - kept)]),
                ARRAY(SELECT convert_to('\(prefix)' || s, 'UTF8') FROM generate_series(\(kept + 1), \(end)) s),
                coalesce((SELECT chain FROM consent_events WHERE seq = \(kept)), ''::bytea));
            COMMIT;
            """)
    }
}

/// Appends and waits for the completion.
@discardableResult
func appendAndWait(_ store: some EventStore, _ records: [(UInt8, [UInt8])]) -> Result<UInt64, StoreError> {
    let done = DispatchSemaphore(value: 0)
    let box = Mutex<Result<UInt64, StoreError>?>(nil)
    store.append(records) { result in
        box.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return box.withLock { $0! }
}

func record(_ text: String, type: UInt8 = 1) -> (UInt8, [UInt8]) {
    (type, Array(text.utf8))
}

/// A node as the ledger runs one: a live state under its lock, records
/// applied as they are appended, the store started (following, competing
/// for the lease).
final class TestNode: Sendable {
    let store: PostgresEventStore<Tally>
    let state: Mutex<Tally>
    let roles = Mutex<[NodeRole]>([])
    let report: RecoveryReport

    init(_ opened: (store: PostgresEventStore<Tally>, state: Tally, report: RecoveryReport), address: String = "127.0.0.1:7443") {
        store = opened.store
        state = Mutex(opened.state)
        report = opened.report
        store.start(advertising: address, hooks: ReplicaHooks(
            update: { [weak self] (body) throws(StoreError) in
                guard let self else { throw .unavailable("the test node is gone") }
                try self.state.withLock { (value) throws(StoreError) in try body(&value) }
            },
            roleChanged: { [weak self] role in self?.roles.withLock { $0.append(role) } }))
    }

    var role: NodeRole { store.role }
    var records: [[UInt8]] { state.withLock { $0.records } }

    /// Waits (up to `seconds`) until the role satisfies `condition`.
    func waitUntil(_ what: String, seconds: Int = 30, _ condition: (NodeRole) -> Bool) throws {
        for _ in 0..<(seconds * 100) {
            if condition(store.role) { return }
            usleep(10_000)
        }
        throw StoreTestError("the node did not become \(what) within \(seconds) s (role \(store.role), history \(roles.withLock { $0 }))")
    }

    func waitUntilActive(seconds: Int = 30) throws { try waitUntil("active", seconds: seconds) { $0.isActive && store.mayServe } }

    /// Appends under the state's lock and applies the records, as the ledger
    /// does; waits for the completion.
    @discardableResult
    func write(_ records: [(UInt8, [UInt8])]) -> Result<UInt64, StoreError> {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<Result<UInt64, StoreError>?>(nil)
        state.withLock { tally in
            let last = store.append(records) { result in
                box.withLock { $0 = result }
                done.signal()
            }
            var sequence = last - UInt64(records.count)
            for (type, payload) in records {
                sequence += 1
                try? payload.withUnsafeBytes { try tally.apply(recordType: type, payload: $0, sequence: sequence) }
            }
        }
        done.wait()
        return box.withLock { $0! }
    }

    func close() { store.close() }
}

struct StoreTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
