#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The server's log: one line per event on standard error, UTC timestamp first.
///
/// - Important: never log a national identity number, an authorization code, a
///   token or a request payload. Organisation numbers and consent ids are fine.
///   As a last line of defence every line passes through `LogRedaction`,
///   which rewrites any eleven-digit number as a keyed tag; where a person
///   must be correlated, log `LogRedaction.tag(id)`.
public enum ServerLog {
    public enum Level: String, Sendable, Comparable {
        case debug, info, warning, error

        private var rank: Int {
            switch self {
            case .debug: 0
            case .info: 1
            case .warning: 2
            case .error: 3
            }
        }

        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
    }

    /// How a line looks: `2026-11-23T17:47:00.123Z INFO message`, or one
    /// JSON object `{"time":"…","level":"info","message":"…"}` for log shippers.
    public enum Format: String, Sendable {
        case text, json
    }

    public typealias Sink = @Sendable (String) -> Void

    private static let state = Mutex<(minimum: Level, sink: Sink, format: Format)>((.info, ServerLog.standardError, .text))

    /// Writes the line with one `write(2)`, so lines from several threads never interleave.
    public static let standardError: Sink = { line in
        var line = line + "\n"
        line.withUTF8 { utf8 in
            var offset = 0
            while offset < utf8.count {
                let n = write(2, utf8.baseAddress! + offset, utf8.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// Redirects the log (tests capture it) and sets the least severe level written.
    public static func configure(minimum: Level = .info, sink: @escaping Sink = ServerLog.standardError, format: Format = .text) {
        state.withLock { $0 = (minimum, sink, format) }
    }

    public static func log(_ level: Level, _ message: @autoclosure () -> String) {
        let (minimum, sink, format) = state.withLock { ($0.minimum, $0.sink, $0.format) }
        guard level >= minimum else { return }
        // Every line, whatever its format, passes through the redaction.
        let redacted = LogRedaction.redact(message())
        switch format {
        case .text:
            sink("\(timestamp()) \(level.rawValue.uppercased()) \(redacted)")
        case .json:
            sink("{\"time\":\"\(timestamp())\",\"level\":\"\(level.rawValue)\",\"message\":\(jsonString(redacted))}")
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    public static func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    public static func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public static func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public static func error(_ message: @autoclosure () -> String) { log(.error, message()) }

    /// `2026-11-23T17:47:00.123Z`
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}
