import Foundation

/// Times on consentctl's command line and in its output: one parser and one
/// form for every command (requests, lists, statistics, tokens, uses).
enum TimeText {
    /// A time in Unix epoch milliseconds from RFC 3339 / ISO 8601 (`Z` or an
    /// offset, optional fractional seconds), a date (midnight UTC),
    /// `+N`/`-N` days (`d`) or hours (`h`) from now, or milliseconds since 1970.
    /// - Parameter what: names the value in the usage error (`--valid-to`, `uses.txt, use 3`).
    static func parse(_ text: String, what: String) throws(CLIError) -> Int64 {
        if let milliseconds = Int64(text), milliseconds > 0 { return milliseconds }
        if let sign = text.first, sign == "+" || sign == "-", let unit = text.last, unit == "d" || unit == "h",
           let amount = Double(text.dropFirst().dropLast()) {
            let seconds = amount * (unit == "d" ? 86_400 : 3_600) * (sign == "+" ? 1 : -1)
            return Int64(((Date().timeIntervalSince1970 + seconds) * 1000).rounded())
        }
        let formatter = ISO8601DateFormatter()
        let candidates = text.count == 10 ? [text, text + "T00:00:00Z"] : [text]
        for candidate in candidates {
            for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
                formatter.formatOptions = options
                if let date = formatter.date(from: candidate) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
            }
        }
        throw .usage("\(what) must be an RFC 3339 time (2027-01-01T00:00:00Z), a date (2027-01-01), +Nd/+Nh/-Nd/-Nh or milliseconds since 1970, not '\(text)'")
    }

    /// `2025-10-09T08:51:45Z` (UTC, whole seconds; milliseconds when not whole); "—" for none (0).
    static func format(_ milliseconds: Int64) -> String {
        guard milliseconds != 0 else { return "—" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = milliseconds % 1000 == 0 ? [.withInternetDateTime] : [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
