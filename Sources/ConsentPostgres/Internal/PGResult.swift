internal import CPostgreSQL

/// One `PGresult`, owned: `PQclear` runs in `deinit`, so every path (a
/// thrown error, an early return) clears it. Values are lent out only for
/// the duration of a closure, or copied.
final class PGResult {
    private let handle: OpaquePointer

    /// Takes ownership of a result `PQgetResult` returned.
    init(takingOwnershipOf handle: OpaquePointer) {
        self.handle = handle
    }

    deinit { PQclear(handle) }

    enum Status: Equatable {
        case commandOK, tuplesOK, pipelineSync, pipelineAborted, failed, other(UInt32)
    }

    var status: Status {
        switch PQresultStatus(handle) {
        case PGRES_COMMAND_OK: .commandOK
        case PGRES_TUPLES_OK: .tuplesOK
        case PGRES_PIPELINE_SYNC: .pipelineSync
        case PGRES_PIPELINE_ABORTED: .pipelineAborted
        case PGRES_FATAL_ERROR, PGRES_BAD_RESPONSE, PGRES_NONFATAL_ERROR: .failed
        case let other: .other(other.rawValue)
        }
    }

    /// The command tag: `COMMIT`, `ROLLBACK`, `INSERT 0 3`…
    var commandStatus: String { String(cString: PQcmdStatus(handle)) }

    /// The error of a failed result, with its SQLSTATE.
    var error: PostgresError {
        let state = PQresultErrorField(handle, cpq_diag_sqlstate()).map { String(cString: $0) }
        let primary = PQresultErrorField(handle, cpq_diag_message_primary()).map { String(cString: $0) }
        let message = primary ?? String(cString: PQresultErrorMessage(handle)).trimmingNewlines
        let kind: PostgresError.Kind = state == PostgresError.fencedState ? .fenced : .statement
        return PostgresError(kind, message.isEmpty ? "the server refused the statement" : message, sqlState: state)
    }

    var rowCount: Int { Int(PQntuples(handle)) }

    func isNull(_ row: Int, _ column: Int) -> Bool {
        PQgetisnull(handle, Int32(row), Int32(column)) != 0
    }

    /// Lends a value's bytes (binary or text format as asked) for the closure only.
    func withBytes<T>(_ row: Int, _ column: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        guard let pointer = PQgetvalue(handle, Int32(row), Int32(column)), length > 0 else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    /// A value's bytes, copied (a `bytea` in binary format).
    func bytes(_ row: Int, _ column: Int) -> [UInt8] {
        withBytes(row, column) { Array($0) }
    }

    /// A `bool` in binary format; nil for NULL.
    func bool(_ row: Int, _ column: Int) -> Bool? {
        isNull(row, column) ? nil : withBytes(row, column) { $0.first == 1 }
    }

    /// A value in text format.
    func text(_ row: Int, _ column: Int) -> String? {
        isNull(row, column) ? nil : withBytes(row, column) { String(decoding: $0, as: UTF8.self) }
    }

    /// An `int8`/`int4`/`int2` in binary format (big-endian), or a number in text format.
    func integer(_ row: Int, _ column: Int, binary: Bool) -> Int64? {
        guard !isNull(row, column) else { return nil }
        if !binary { return text(row, column).flatMap { Int64($0) } }
        return withBytes(row, column) { raw -> Int64? in
            switch raw.count {
            case 8: Int64(bigEndian: raw.loadUnaligned(as: Int64.self))
            case 4: Int64(Int32(bigEndian: raw.loadUnaligned(as: Int32.self)))
            case 2: Int64(Int16(bigEndian: raw.loadUnaligned(as: Int16.self)))
            default: nil
            }
        }
    }
}

extension String {
    var trimmingNewlines: String {
        var text = Substring(self)
        while let last = text.last, last == "\n" || last == "\r" || last == " " { text = text.dropLast() }
        return String(text)
    }
}
