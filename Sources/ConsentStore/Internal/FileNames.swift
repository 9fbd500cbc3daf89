/// File names in the data directory. The first (or covered) sequence number is
/// zero-padded to 20 digits so that names sort in sequence order.
enum FileNames {
    static let lock = "LOCK"

    static func segment(firstSequence: UInt64) -> String { "log-\(padded(firstSequence)).seg" }
    static func snapshot(sequence: UInt64) -> String { "snap-\(padded(sequence)).snap" }
    static let temporarySuffix = ".tmp"
    /// Appended to a snapshot recovery found damaged (`snap-….snap.damaged`).
    static let damagedSuffix = ".damaged"

    static func parseSegment(_ name: String) -> UInt64? { parse(name, prefix: "log-", suffix: ".seg") }
    static func parseSnapshot(_ name: String) -> UInt64? { parse(name, prefix: "snap-", suffix: ".snap") }

    private static func padded(_ value: UInt64) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    private static func parse(_ name: String, prefix: String, suffix: String) -> UInt64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.count == 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }
}
