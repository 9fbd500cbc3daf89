import ConsentOpenSSL

/// Keeps national identity numbers out of consentd's log.
///
/// No code logs one on purpose (ServerLog's rule), but some lines quote what
/// a caller sent or what a certificate says: a protocol error names the
/// out-of-range value a client put in a frame, a connection refused over a
/// limit names its certificate's serialNumber. So every line is rewritten
/// on its way out: each run of exactly eleven digits (a national id's
/// shape, whatever its check digits: the 2032 numbers have none) becomes
/// `id:` and the first 8 hex digits of its HMAC-SHA-256 under a key drawn
/// at start and never written anywhere. Lines about the same person still
/// match each other within the process's life (where a person must be
/// correlated, that tag is what to log: `tag(_:)`), and nobody can turn a
/// tag back into the number: without the key the eleven-digit space cannot
/// be searched. A count of exactly eleven digits (10 to 100 GB of log) is
/// rewritten too; that is the price of a rule without judgement. A UUID
/// stays whole (a request id is what support searches the log for, and one
/// in 250 has eleven digits in a row in its last group), as in the web
/// apps' `consenthub.masking`.
public enum LogRedaction {
    /// Drawn once per process from the system's secure random source.
    private static let key = SecureRandom.bytes(count: 32)

    /// The keyed tag of a number, e.g. `id:3f9a0c1e`.
    public static func tag(_ digits: some StringProtocol) -> String {
        let mac = SHA256.hmac(key: key, message: Array(digits.utf8))
        return "id:" + mac.prefix(4).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// `line` with every run of exactly eleven ASCII digits replaced by its tag.
    public static func redact(_ line: String) -> String {
        let utf8 = line.utf8
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        // Runs of digits, as (start, end) indices; kept only when eleven long.
        var runs: [Range<String.Index>] = []
        var runStart: String.Index? = nil
        var length = 0
        var index = utf8.startIndex
        while index != utf8.endIndex {
            if isDigit(utf8[index]) {
                if runStart == nil { runStart = index }
                length += 1
            } else if let start = runStart {
                if length == 11 && !insideUUID(start..<index, of: line) { runs.append(start..<index) }
                runStart = nil
                length = 0
            }
            index = utf8.index(after: index)
        }
        if let start = runStart, length == 11, !insideUUID(start..<utf8.endIndex, of: line) { runs.append(start..<utf8.endIndex) }
        // The common case: nothing to rewrite, nothing allocated.
        guard !runs.isEmpty else { return line }
        var result = ""
        result.reserveCapacity(utf8.count)
        var from = line.startIndex
        for run in runs {
            result += line[from..<run.lowerBound]
            result += tag(line[run])
            from = run.upperBound
        }
        result += line[from...]
        return result
    }

    /// Whether `run` lies in a UUID (8-4-4-4-12 hex digits) within `line`:
    /// the hex-and-dash word around it has that shape.
    static func insideUUID(_ run: Range<String.Index>, of line: String) -> Bool {
        let utf8 = line.utf8
        func isHexOrDash(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66) || byte == 0x2D
        }
        var start = run.lowerBound
        while start != utf8.startIndex, isHexOrDash(utf8[utf8.index(before: start)]) { start = utf8.index(before: start) }
        var end = run.upperBound
        while end != utf8.endIndex, isHexOrDash(utf8[end]) { end = utf8.index(after: end) }
        let word = Array(utf8[start..<end])
        guard word.count == 36 else { return false }
        return word.enumerated().allSatisfy { offset, byte in
            [8, 13, 18, 23].contains(offset) ? byte == 0x2D : byte != 0x2D
        }
    }
}
