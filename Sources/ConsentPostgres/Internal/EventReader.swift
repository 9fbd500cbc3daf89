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

    /// Hands every record after `after` up to `upTo` to `body`, in order.
    /// - Parameter body: the sequence, epoch, type and payload (valid only
    ///   during the call).
    /// - Returns: the last sequence number handed over (`after` if none).
    /// - Throws: `StoreError.unavailable` when the database cannot be read,
    ///   `.corrupted` for a gap or a bad type, or what `body` throws.
    @discardableResult
    func forEach(
        after: UInt64, upTo: UInt64,
        _ body: (_ sequence: UInt64, _ epoch: Int64, _ type: UInt8, _ payload: UnsafeRawBufferPointer) throws(StoreError) -> Void
    ) throws(StoreError) -> UInt64 {
        var last = after
        while last < upTo {
            let rows = try page(after: last, upTo: upTo)
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
    /// - Returns: the last sequence in the page.
    static func visit(
        _ rows: PGResult, after: UInt64,
        _ body: (_ sequence: UInt64, _ epoch: Int64, _ type: UInt8, _ payload: UnsafeRawBufferPointer) throws(StoreError) -> Void
    ) throws(StoreError) -> UInt64 {
        var last = after
        for row in 0..<rows.rowCount {
            let sequence = UInt64(rows.integer(row, 0, binary: true) ?? 0)
            guard sequence == last + 1 else {
                throw .corrupted(file: "consent_events", offset: Int64(sequence), reason: "found sequence \(sequence) where \(last + 1) was expected (a gap in the events)")
            }
            let epoch = rows.integer(row, 1, binary: true) ?? 0
            guard let type = rows.integer(row, 2, binary: true), (0...255).contains(type) else {
                throw .corrupted(file: "consent_events", offset: Int64(sequence), reason: "record \(sequence) has no valid type")
            }
            try rows.withValue(row, 3) { (payload) throws(StoreError) in
                try body(sequence, epoch, UInt8(type), payload)
            }
            last = sequence
        }
        return last
    }

    /// Applies every record after `after` up to `upTo` to `state`.
    /// - Returns: the last sequence applied.
    @discardableResult
    func replay<State: ReplayableState>(into state: inout State, after: UInt64, upTo: UInt64) throws(StoreError) -> UInt64 {
        try forEach(after: after, upTo: upTo) { (sequence, _, type, payload) throws(StoreError) in
            do {
                try state.apply(recordType: type, payload: payload, sequence: sequence)
            } catch {
                throw .replayFailed(file: "consent_events", sequence: sequence, reason: "\(error)")
            }
        }
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
