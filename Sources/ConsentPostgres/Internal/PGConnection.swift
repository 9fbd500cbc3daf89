#if canImport(Glibc)
import Glibc
#endif
internal import CPostgreSQL

/// One PostgreSQL session (`PGconn`), owned: `PQfinish` runs in `deinit`.
/// Used by one thread at a time (each of the store's threads has its own).
///
/// The connection is non-blocking and every wait is a `poll` with a
/// deadline, so a database that stops answering (a partition, a paused
/// server) costs the caller at most its deadline, never a hang: the store's
/// writer must be able to give up its lease on time. After a timeout or a
/// lost session the connection is marked broken and every later call fails
/// at once; the owner drops it and connects again.
final class PGConnection: @unchecked Sendable {  // one thread at a time: handed over, never shared
    private let handle: OpaquePointer
    private(set) var isBroken = false
    /// The warnings the server sent (libpq's notice receiver fills it).
    private let notices = Notices()

    /// The server process serving this session (`pg_backend_pid()`).
    let backendPID: Int32

    /// Connects (blocking, bounded by `connect_timeout`).
    /// - Parameters:
    ///   - conninfo: a libpq connection string or URI; its settings win over
    ///     the defaults below.
    ///   - applicationName: shown in `pg_stat_activity` unless the connection
    ///     string names one.
    /// - Throws: ``PostgresError`` of kind `.connection` with libpq's reason.
    init(conninfo: String, applicationName: String) throws(PostgresError) {
        // libpq's connect errors quote what they could not use: refuse what
        // could put a password there first (``describe(_:)``).
        if case .failure(let refusal) = Self.describe(conninfo) { throw PostgresError(.connection, refusal.message) }
        // Defaults first: later keywords win, and the expanded connection
        // string (dbname) comes after them. Keepalives and a TCP user timeout
        // find a dead server or a broken network in seconds rather than the
        // kernel's two hours.
        let settings: [(String, String)] = [
            ("connect_timeout", "5"),
            ("keepalives", "1"),
            ("keepalives_idle", "5"),
            ("keepalives_interval", "2"),
            ("keepalives_count", "3"),
            ("tcp_user_timeout", "10000"),
            ("dbname", conninfo),
            ("fallback_application_name", applicationName),
        ]
        let keywords = settings.map { strdup($0.0) }
        let values = settings.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let connection: OpaquePointer? = (keywords.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { k in
            (values.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 1)
            }
        }
        guard let connection else { throw PostgresError(.connection, "cannot connect to PostgreSQL: out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = String(cString: PQerrorMessage(connection)).trimmingNewlines
            PQfinish(connection)
            throw PostgresError(.connection, "cannot connect to PostgreSQL: \(reason)")
        }
        handle = connection
        backendPID = PQbackendPID(connection)
        // libpq would print notices on standard error (CREATE … IF NOT
        // EXISTS sends some). Warnings are kept instead: one during a COMMIT
        // means its outcome is in doubt (``takeWarnings()``). The receiver
        // runs on this connection's thread, inside libpq's calls; `notices`
        // outlives the PGconn (PQfinish runs first in deinit).
        PQsetNoticeReceiver(connection, { argument, result in
            guard let argument, let result else { return }
            let severity = PQresultErrorField(result, cpq_diag_severity_nonlocalized()).map { String(cString: $0) }
            guard severity == "WARNING" else { return }
            let message = PQresultErrorField(result, cpq_diag_message_primary()).map { String(cString: $0) } ?? "a warning without text"
            Unmanaged<Notices>.fromOpaque(argument).takeUnretainedValue().warnings.append(message)
        }, Unmanaged.passUnretained(notices).toOpaque())
        PQsetnonblocking(connection, 1)
    }

    /// The warnings received since the last call (or ``discardWarnings()``).
    func takeWarnings() -> [String] {
        defer { notices.warnings.removeAll() }
        return notices.warnings
    }

    func discardWarnings() {
        notices.warnings.removeAll()
    }

    deinit { PQfinish(handle) }

    /// libpq's text for the session's last failure.
    private var lastError: String {
        let text = String(cString: PQerrorMessage(handle)).trimmingNewlines
        return text.isEmpty ? "the connection to PostgreSQL was lost" : text
    }

    private func broken(_ message: String) -> PostgresError {
        isBroken = true
        return PostgresError(.connection, message)
    }

    private func checkUsable() throws(PostgresError) {
        if isBroken { throw PostgresError(.connection, "the connection to PostgreSQL was lost") }
        if PQstatus(handle) != CONNECTION_OK { throw broken(lastError) }
    }

    // MARK: One statement at a time

    /// Runs one statement (with parameters, binary results) and returns its
    /// result; a refused statement throws its error.
    /// - Throws: ``PostgresError``: `.statement` (or `.fenced`) when the
    ///   server refused it, `.connection` when the session is gone or the
    ///   deadline passed (the connection is then broken).
    @discardableResult
    func query(_ sql: String, _ parameters: [PGParameter] = [], deadline: ContinuousClock.Instant) throws(PostgresError) -> PGResult {
        try send(sql, parameters)
        if inPipelineMode {
            try pipelineSync(until: deadline)
        } else {
            try flush(until: deadline)
        }
        var answer: PGResult?
        var failure: PostgresError?
        var ends = 0
        while true {
            guard let result = try nextResult(until: deadline) else {
                // Outside a pipeline a null result ends the statement; in
                // one, the sync result does.
                if !inPipelineMode { break }
                ends += 1
                if ends > 2 { throw broken("PostgreSQL sent no sync result") }
                continue
            }
            switch result.status {
            case .pipelineSync: break
            case .failed: failure = failure ?? result.error
            case .pipelineAborted: continue
            default: answer = answer ?? result
            }
            if result.status == .pipelineSync { break }
        }
        if let failure { throw failure }
        guard let answer else { throw broken("PostgreSQL sent no result for a statement") }
        return answer
    }

    /// Runs a script of several statements without parameters (schema set-up).
    func execute(script: String, deadline: ContinuousClock.Instant) throws(PostgresError) {
        try checkUsable()
        guard script.withCString({ PQsendQuery(handle, $0) }) == 1 else { throw broken(lastError) }
        try flush(until: deadline)
        var failure: PostgresError?
        while let result = try nextResult(until: deadline) {
            if result.status == .failed { failure = failure ?? result.error }
        }
        if let failure { throw failure }
    }

    // MARK: Pipeline mode

    /// Whether statements are pipelined (``enterPipelineMode()``).
    private(set) var inPipelineMode = false

    /// From now on statements are queued and sent together up to a sync
    /// point: one round trip for BEGIN, the write and COMMIT.
    func enterPipelineMode() throws(PostgresError) {
        try checkUsable()
        guard PQenterPipelineMode(handle) == 1 else { throw broken("cannot enter pipeline mode: \(lastError)") }
        inPipelineMode = true
    }

    /// Queues a statement (pipeline mode: it is sent with the next flush).
    func send(_ sql: String, _ parameters: [PGParameter] = []) throws(PostgresError) {
        try checkUsable()
        let types = parameters.map { $0.type }
        let lengths = parameters.map { Int32($0.bytes.count) }
        let formats = [Int32](repeating: 1, count: parameters.count)
        var pointers: [UnsafePointer<CChar>?] = []
        pointers.reserveCapacity(parameters.count)
        let sent = Self.withParameterPointers(parameters[...], &pointers) { values in
            sql.withCString { command in
                PQsendQueryParams(handle, command, Int32(parameters.count), types, values, lengths, formats, 1)
            }
        }
        guard sent == 1 else { throw broken(lastError) }
    }

    /// Marks the end of a pipeline and sends everything queued.
    func pipelineSync(until deadline: ContinuousClock.Instant) throws(PostgresError) {
        try checkUsable()
        guard PQpipelineSync(handle) == 1 else { throw broken(lastError) }
        try flush(until: deadline)
    }

    /// The next result, waiting for it until `deadline`; nil between the
    /// results of two statements (and when nothing is pending).
    func nextResult(until deadline: ContinuousClock.Instant) throws(PostgresError) -> PGResult? {
        try checkUsable()
        while PQisBusy(handle) != 0 {
            try wait(forWriting: false, until: deadline)
            guard PQconsumeInput(handle) == 1 else { throw broken(lastError) }
        }
        guard let result = PQgetResult(handle) else {
            if PQstatus(handle) != CONNECTION_OK { throw broken(lastError) }
            return nil
        }
        return PGResult(takingOwnershipOf: result)
    }

    // MARK: Notifications

    /// The socket, for a follower that waits for notifications with `poll`.
    var socket: Int32 { PQsocket(handle) }

    /// Waits until a notification may have arrived or `deadline`, then
    /// returns the payloads of every notification on `channel` received.
    func notifications(channel: String, waitingUntil deadline: ContinuousClock.Instant) throws(PostgresError) -> [String] {
        try checkUsable()
        let payloads = drainNotifications(channel: channel)
        if !payloads.isEmpty { return payloads }
        // Nothing is in flight: running out of time here is no failure.
        guard try poll(forWriting: false, until: deadline) else { return [] }
        guard PQconsumeInput(handle) == 1 else { throw broken(lastError) }
        return drainNotifications(channel: channel)
    }

    private func drainNotifications(channel: String) -> [String] {
        var payloads: [String] = []
        while let notify = PQnotifies(handle) {
            if String(cString: notify.pointee.relname) == channel {
                payloads.append(String(cString: notify.pointee.extra))
            }
            PQfreemem(notify)
        }
        return payloads
    }

    // MARK: Waiting

    private func flush(until deadline: ContinuousClock.Instant) throws(PostgresError) {
        while true {
            switch PQflush(handle) {
            case 0: return
            case 1:
                try wait(forWriting: true, until: deadline)
                // The server may be sending while we send: read it so neither side stalls.
                guard PQconsumeInput(handle) == 1 else { throw broken(lastError) }
            default: throw broken(lastError)
            }
        }
    }

    /// Waits for a statement's answer: running out of time breaks the
    /// connection, because the statement's outcome is then unknown and the
    /// session cannot be reused.
    private func wait(forWriting: Bool, until deadline: ContinuousClock.Instant) throws(PostgresError) {
        guard try poll(forWriting: forWriting, until: deadline) else {
            throw broken("PostgreSQL did not answer in time")
        }
    }

    /// Polls the socket until it is readable (or writable): true, or false at `deadline`.
    private func poll(forWriting: Bool, until deadline: ContinuousClock.Instant) throws(PostgresError) -> Bool {
        let fd = PQsocket(handle)
        guard fd >= 0 else { throw broken(lastError) }
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return false }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN) | (forWriting ? Int16(POLLOUT) : 0), revents: 0)
            let ready = Glibc.poll(&descriptor, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0, errno != EINTR { throw broken("poll on the PostgreSQL socket failed: errno \(errno)") }
        }
    }

    // MARK: Parameters

    /// Pins each parameter's bytes for the duration of `body` (no copy).
    private static func withParameterPointers<R>(
        _ parameters: ArraySlice<PGParameter>, _ collected: inout [UnsafePointer<CChar>?],
        _ body: ([UnsafePointer<CChar>?]) -> R
    ) -> R {
        guard let first = parameters.first else { return body(collected) }
        // An empty value still needs a pointer: a null one would mean SQL NULL.
        let bytes = first.bytes.isEmpty ? [0] : first.bytes
        return bytes.withUnsafeBytes { raw in
            collected.append(raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            return withParameterPointers(parameters.dropFirst(), &collected, body)
        }
    }
}

/// Collects a connection's warnings; written by libpq's notice receiver on
/// the connection's thread.
private final class Notices {
    var warnings: [String] = []
}

extension PGConnection {
    /// A connection string as logs may show it: host, port, database and
    /// user only (never a password), e.g. `host=db1 port=5432 dbname=consent user=consentd`.
    ///
    /// Every text that reaches a log is checked here, once, before any
    /// connection is tried: libpq's own messages quote what they could not
    /// parse (`missing "=" after "s3cret"` for a password with a space) or
    /// the host they could not find, so a string that does not parse gets a
    /// message of ours, and a host with an `@` (a URI whose password holds
    /// an `@`: libpq takes the rest of the password for the host) is refused.
    /// - Returns: the description, or why the string is refused (never quoting it).
    static func describe(_ conninfo: String) -> Result<String, PostgresError> {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &message) else {
            if let message { PQfreemem(message) }
            return .failure(PostgresError(.statement, "not a valid PostgreSQL connection string: it must be key=value pairs (host=db1 dbname=consent user=consentd) or a URI (postgresql://consentd@db1/consent), values with spaces in single quotes, a URI's special characters percent-encoded; put a password in ~/.pgpass or PGPASSFILE, not in the string"))
        }
        defer { PQconninfoFree(options) }
        var parts: [String] = []
        var entry = options
        let shown = ["host", "hostaddr", "port", "dbname", "user", "sslmode"]
        while let keyword = entry.pointee.keyword {
            let name = String(cString: keyword)
            if shown.contains(name), let value = entry.pointee.val {
                let text = String(cString: value)
                if (name == "host" || name == "hostaddr"), text.contains("@") {
                    return .failure(PostgresError(.statement, "not a valid PostgreSQL connection string: its \(name) contains '@' (in a URI an '@' in the password must be percent-encoded as %40: libpq ends the user and password at the first '@' and takes the rest for the host); put a password in ~/.pgpass or PGPASSFILE, not in the string"))
                }
                parts.append("\(name)=\(text)")
            }
            entry += 1
        }
        return .success(parts.isEmpty ? "(libpq defaults)" : parts.joined(separator: " "))
    }
}
