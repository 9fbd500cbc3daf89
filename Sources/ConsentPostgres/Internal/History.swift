import ConsentStore

/// A point in the history of the events: record `sequence` and its history
/// hash (`consent_events.chain`, which covers every record up to it).
/// Sequence 0, before the first record, has the empty chain.
struct HistoryPoint: Equatable, Sendable {
    var sequence: UInt64
    var chain: [UInt8]

    static let origin = HistoryPoint(sequence: 0, chain: [])
}

/// Whether the database still holds a history point: the one check behind
/// a node that rejoins after losing its lease, a standby's new session, the
/// snapshot thread's kept state and every snapshot file. Equal chains at a
/// sequence mean equal histories up to it, so one indexed read answers it,
/// whatever happened to the database meanwhile (a restore to an earlier
/// point, an asynchronous replica promoted without the last events, and
/// epochs that were handed out again after either).
enum History {
    /// The chain of record `sequence` in the database; nil when the table
    /// has no such record.
    static func chain(at sequence: UInt64, connection: PGConnection, timeout: Duration) throws(StoreError) -> [UInt8]? {
        guard sequence > 0 else { return [] }
        let row: PGResult
        do throws(PostgresError) {
            row = try connection.query(Schema.chain, [.int64(Int64(sequence))], deadline: .now + timeout)
        } catch {
            throw .unavailable("cannot read the events from PostgreSQL: \(error)")
        }
        return row.rowCount == 1 ? row.bytes(0, 0) : nil
    }

    /// Whether the database's record at `point.sequence` has `point.chain`.
    static func holds(_ point: HistoryPoint, connection: PGConnection, timeout: Duration) throws(StoreError) -> Bool {
        try chain(at: point.sequence, connection: connection, timeout: timeout) == point.chain
    }

    /// Whether `batch`, which a failed transaction tried to append right
    /// after `point`, is in the table exactly (its COMMIT went through
    /// although its answer never came).
    static func holds(_ batch: UnconfirmedBatch, after point: HistoryPoint, connection: PGConnection, timeout: Duration) throws(StoreError) -> Bool {
        precondition(batch.first == point.sequence + 1, "the batch does not follow the point")
        do throws(PostgresError) {
            let row = try connection.query(Schema.batchIsCommitted, [
                .int64(Int64(batch.last)), .bytea(point.chain),
                PGParameter(type: PGParameter.int2ArrayOID, bytes: batch.types),
                PGParameter(type: PGParameter.byteaArrayOID, bytes: batch.payloads),
            ], deadline: .now + timeout)
            return row.rowCount == 1 && row.bool(0, 0) == true
        } catch {
            throw .unavailable("cannot read the events from PostgreSQL: \(error)")
        }
    }
}

/// The records of a write transaction whose outcome is unknown (its COMMIT
/// failed, timed out or was answered with a warning): the sequences and the
/// two array parameters it sent, kept so that the node can find out whether
/// they were committed after all.
struct UnconfirmedBatch: Sendable {
    var first: UInt64
    var last: UInt64
    var types: [UInt8]
    var payloads: [UInt8]
}
