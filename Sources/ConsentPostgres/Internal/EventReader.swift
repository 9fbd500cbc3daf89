import ConsentStore

/// Reads records from `consent_events` in sequence order, a page at a time
/// (keyset pagination on the primary key: each page is an index range scan,
/// however long the table), and checks that they continue without a gap.
struct EventReader {
    let connection: PGConnection
    let pageSize: Int
    let timeout: Duration

    /// The last sequence number in the table.
    func lastSequence() throws(PostgresError) -> UInt64 {
        let result = try connection.query(Schema.lastSequence, deadline: .now + timeout)
        return UInt64(max(0, result.integer(0, 0, binary: true) ?? 0))
    }

    /// Hands every record after `from` up to `upTo` to `body`, in order.
    /// - Parameter body: the sequence, type and payload (valid only during the call).
    /// - Returns: the history point of the last record handed over (`from` if none).
    /// - Throws: `StoreError.unavailable` when the database cannot be read,
    ///   `.corrupted` for a gap or a bad type, or what `body` throws.
    @discardableResult
    func forEach(
        after from: HistoryPoint, upTo: UInt64,
        _ body: (_ sequence: UInt64, _ type: UInt8, _ payload: UnsafeRawBufferPointer) throws(StoreError) -> Void
    ) throws(StoreError) -> HistoryPoint {
        var last = from
        while last.sequence < upTo {
            let rows = try page(after: last.sequence, upTo: upTo)
            last = try Self.visit(rows, after: last, body)
        }
        return last
    }

    /// One page of records after `after` up to `upTo` (at most `pageSize`),
    /// read before anything is applied, so that applying holds no lock across I/O.
    /// - Throws: `StoreError.unavailable` when the database cannot be read,
    ///   `.corrupted` when no record follows `after` although `upTo` is later.
    func page(after: UInt64, upTo: UInt64) throws(StoreError) -> PGResult {
        let rows: PGResult
        do throws(PostgresError) {
            rows = try connection.query(
                Schema.read, [.int64(Int64(after)), .int64(Int64(upTo)), .int64(Int64(pageSize))], deadline: .now + timeout)
        } catch {
            throw .unavailable("cannot read the events from PostgreSQL: \(error)")
        }
        if rows.rowCount == 0 {
            throw .corrupted(file: "consent_events", offset: Int64(after), reason: "the table ends at sequence \(after), expected records up to \(upTo)")
        }
        return rows
    }

    /// Hands a page's records to `body` in order, checking they continue `after`.
    /// - Returns: the history point of the last record in the page.
    static func visit(
        _ rows: PGResult, after start: HistoryPoint,
        _ body: (_ sequence: UInt64, _ type: UInt8, _ payload: UnsafeRawBufferPointer) throws(StoreError) -> Void
    ) throws(StoreError) -> HistoryPoint {
        guard rows.rowCount > 0 else { return start }
        var last = start.sequence
        for row in 0..<rows.rowCount {
            let sequence = UInt64(rows.integer(row, 0, binary: true) ?? 0)
            guard sequence == last + 1 else {
                throw .corrupted(file: "consent_events", offset: Int64(sequence), reason: "found sequence \(sequence) where \(last + 1) was expected (a gap in the events)")
            }
            guard let type = rows.integer(row, 2, binary: true), (0...255).contains(type) else {
                throw .corrupted(file: "consent_events", offset: Int64(sequence), reason: "record \(sequence) has no valid type")
            }
            try rows.withValue(row, 3) { (payload) throws(StoreError) in
                try body(sequence, UInt8(type), payload)
            }
            last = sequence
        }
        // Only the last row's history hash is needed: it covers the others.
        return HistoryPoint(sequence: last, chain: rows.bytes(rows.rowCount - 1, 1))
    }
}

extension PGResult {
    /// `withBytes` with a typed error.
    func withValue(_ row: Int, _ column: Int, _ body: (UnsafeRawBufferPointer) throws(StoreError) -> Void) throws(StoreError) {
        var failure: StoreError?
        withBytes(row, column) { (raw: UnsafeRawBufferPointer) -> Void in
            do throws(StoreError) { try body(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
