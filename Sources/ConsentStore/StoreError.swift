/// Why the store refused or failed an operation. Every case's text is meant for
/// an operator's log: it names the file, the offset and the cause.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The log can no longer make records durable (a write or sync failed, or
    /// the log is closed); the message says why. Appends and `whenDurable`
    /// for non-durable sequence numbers fail with this until a restart.
    case unavailable(String)
    /// The data directory is damaged where a crash cannot have damaged it;
    /// `file` is the segment or snapshot, `offset` the byte offset in it.
    case corrupted(file: String, offset: Int64, reason: String)
    /// Another process (or another open in this one) holds `<dir>/LOCK`.
    case directoryInUse(directory: String, pid: Int32?)
    /// A file system call failed while opening, verifying or snapshotting.
    case io(FileSystemError)
    /// The state rejected a record or a snapshot while rebuilding itself.
    case replayFailed(file: String, sequence: UInt64, reason: String)
    /// The caller asked for something the log cannot store (an oversized record).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .unavailable(let message):
            message
        case .corrupted(let file, let offset, let reason):
            "\(file) is damaged at byte offset \(offset): \(reason)"
        case .directoryInUse(let directory, let pid):
            "data directory \(directory) is in use by another consentd" + (pid.map { " (pid \($0))" } ?? "")
        case .io(let error):
            error.description
        case .replayFailed(let file, let sequence, let reason):
            "rebuilding state from \(file) failed at sequence \(sequence): \(reason)"
        case .invalidArgument(let message):
            message
        }
    }
}
