internal import COpenSSL

/// A failed OpenSSL call: what the project was doing, and every entry that was
/// on OpenSSL's (thread-local) error queue at the time.
public struct OpenSSLError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was being attempted, e.g. "loading the server certificate".
    public var operation: String
    /// OpenSSL's own messages, oldest first.
    public var details: [String]

    public init(operation: String, details: [String]) {
        self.operation = operation
        self.details = details
    }

    public var description: String {
        details.isEmpty ? operation : "\(operation): \(details.joined(separator: "; "))"
    }

    /// Builds an error from the current error queue and empties it, so a later
    /// failure on this thread does not report this one's causes.
    static func drain(_ operation: String) -> OpenSSLError {
        OpenSSLError(operation: operation, details: drainErrorQueue())
    }

    /// Empties the thread's error queue, returning its entries as text.
    static func drainErrorQueue() -> [String] {
        var details: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            details.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return details
    }
}
