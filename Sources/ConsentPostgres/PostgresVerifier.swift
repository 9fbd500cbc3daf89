import ConsentStore

/// `consentd --verify-data --postgres CONNINFO`: a read-only check of the
/// events in PostgreSQL and of this node's snapshots, by the rules a start
/// applies. It takes no lease and writes nothing, so it can run beside live nodes.
public enum PostgresVerifier {
    public struct Report: Sendable {
        /// Why the database could not be checked at all (cannot connect, no tables).
        public var unusable: String?
        /// The connection string as logs show it (no password).
        public var database = ""
        public var databaseID = ""
        public var format: Int64 = 0
        /// Records in `consent_events` and their sequence range.
        public var records: UInt64 = 0
        public var firstSequence: UInt64 = 0
        public var lastSequence: UInt64 = 0
        /// Payload bytes read.
        public var bytes: Int64 = 0
        /// The lease: epoch, the active node's address and name, whether it holds now.
        public var lease: (epoch: Int64, leader: String, node: String, held: Bool)?
        /// The mark of a `consentd migrate` that has not finished (or is
        /// running): its events may be incomplete, and no node serves them.
        public var migrating: String?
        /// Each snapshot file in the snapshot directory, its sequence, why a
        /// start would skip it, and whether that is damage (a bad checksum, a
        /// state that does not decode) rather than a snapshot of another
        /// database or history (a restore, another database), which is no fault.
        public var snapshots: [(file: String, sequence: UInt64, problem: String?, damaged: Bool)] = []
        /// What would stop a start: a gap, a record the state rejects.
        public var problems: [String] = []

        public var isHealthy: Bool { unusable == nil && problems.isEmpty }
    }

    /// Replays every event into a fresh `State` (so a record the state
    /// rejects is found, with its sequence), checks that the sequence has no
    /// gap and that every history hash follows from the one before, reads
    /// the lease and the migration mark, and checks each snapshot in
    /// `options.snapshotDirectory` (if it exists) against the database.
    public static func verify<State: ReplayableState>(_: State.Type, options: PostgresOptions, fileSystem: any FileSystem = POSIXFileSystem()) -> Report {
        var report = Report()
        switch PGConnection.describe(options.connection) {
        case .success(let text): report.database = text
        case .failure(let error):
            report.unusable = error.message
            return report
        }
        let timeout = options.leaseDuration * 4
        let connection: PGConnection
        do throws(PostgresError) {
            connection = try PGConnection(conninfo: options.connection, applicationName: "consentd verify-data")
            let exists = try connection.query(Schema.exists, deadline: .now + timeout)
            guard exists.withBytes(0, 0, { $0.first == 1 }) && exists.withBytes(0, 1, { $0.first == 1 }) else {
                report.unusable = "the database has no ConsentHub tables (consent_meta, consent_events): nothing was ever written to it"
                return report
            }
            report.format = try connection.query(Schema.formatOnly, deadline: .now + timeout).integer(0, 0, binary: true) ?? 0
            if report.format == 1 {
                report.unusable = "the tables are in format 1 (written by an older consentd); this one checks format \(Schema.format), and its first node upgrades them when it starts (docs/OPERATIONS.md, \"Upgrading\")"
                return report
            }
            guard report.format == Schema.format else {
                report.problems.append("the tables are in format \(report.format); this consentd reads format \(Schema.format)")
                return report
            }
            let meta = try connection.query(Schema.meta, deadline: .now + timeout)
            report.databaseID = meta.text(0, 1) ?? ""
            report.migrating = meta.text(0, 2)
            let lease = try connection.query(Schema.lease, deadline: .now + timeout)
            if lease.rowCount == 1 {
                report.lease = (
                    lease.integer(0, 0, binary: true) ?? 0, lease.text(0, 1) ?? "", lease.text(0, 2) ?? "",
                    lease.withBytes(0, 3) { $0.first == 1 } && lease.withBytes(0, 4) { $0.first == 1 })
            }
        } catch {
            report.unusable = "\(error) (\(report.database))"
            return report
        }
        if let mark = report.migrating {
            report.problems.append(PostgresEventStore<State>.unfinishedMigrationMessage(mark, displayName: report.database))
        }
        let reader = EventReader(connection: connection, pageSize: options.readBatchSize, timeout: timeout)
        do throws(StoreError) {
            let last: UInt64
            do throws(PostgresError) { last = try reader.lastSequence() } catch { throw .unavailable("\(error)") }
            var state = State()
            var bytes: Int64 = 0
            var first: UInt64 = 0
            report.lastSequence = try reader.forEach(after: .origin, upTo: last) { (sequence, type, payload) throws(StoreError) in
                if first == 0 { first = sequence }
                do {
                    try state.apply(recordType: type, payload: payload, sequence: sequence)
                } catch {
                    throw .replayFailed(file: "consent_events", sequence: sequence, reason: "\(error)")
                }
                bytes += Int64(payload.count)
            }.sequence
            report.firstSequence = first
            report.records = report.lastSequence
            report.bytes = bytes
            let links: PGResult
            do throws(PostgresError) { links = try connection.query(Schema.brokenLinks, deadline: .now + timeout * 16) } catch {
                throw .unavailable("\(error)")
            }
            if let broken = links.integer(0, 0, binary: true), broken > 0 {
                report.problems.append("the history hash of \(broken) event(s), the first at sequence \(links.integer(0, 1, binary: true) ?? 0), does not follow from the event before: the table was changed other than by consent_append (nodes compare these hashes to find out whether the database still holds what they applied)")
            }
        } catch {
            report.problems.append("\(error)")
        }
        // The snapshots a start of a node with this --data-dir would consider.
        let files = SnapshotFiles(directory: options.snapshotDirectory, fileSystem: fileSystem)
        if let list = try? files.list() {
            for candidate in list {
                do throws(StoreError) {
                    let (sequence, identity, bytes) = try files.read(candidate.name)
                    var problem = try SnapshotFiles.problem(
                        sequence: sequence, identity: identity, databaseID: report.databaseID, end: report.lastSequence,
                        connection: connection, timeout: timeout).map { $0 + "; a start skips it" }
                    var damaged = false
                    if problem == nil {
                        do { _ = try State(snapshot: bytes) } catch {
                            problem = "the state could not decode it: \(error); a start skips it"
                            damaged = true
                        }
                    }
                    report.snapshots.append((candidate.name, sequence, problem, damaged))
                } catch {
                    report.snapshots.append((candidate.name, candidate.sequence, "\(error)", true))
                }
            }
        }
        return report
    }
}
