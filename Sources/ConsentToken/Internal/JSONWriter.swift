/// Writes compact JSON (RFC 8259) into a growable byte buffer.
///
/// Hand-written because it sits on the token hot path: Foundation's
/// `JSONEncoder` costs more than a tenth of an ECDSA signature, and even
/// `Array.append(contentsOf:)` showed up in profiles (a uniqueness and
/// capacity check per call). The writer owns raw memory instead, so it is
/// non-copyable and frees the memory when it goes away.
struct JSONWriter: ~Copyable {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// False while writing into a caller's buffer (see `init(borrowing:)`).
    private var ownsStorage: Bool
    private(set) var count = 0

    init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
        ownsStorage = true
    }

    /// Writes into `buffer` (typically stack memory from
    /// `withUnsafeTemporaryAllocation`) until it is full, then moves to the
    /// heap. Why: a heap block of 1 KiB or more makes glibc consolidate its
    /// fast bins on every allocation, and OpenSSL's signing leaves plenty there.
    ///
    /// - Important: The writer must not outlive `buffer`.
    init(borrowing buffer: UnsafeMutableRawBufferPointer) {
        storage = buffer.baseAddress!.bindMemory(to: UInt8.self, capacity: buffer.count)
        capacity = buffer.count
        ownsStorage = false
    }

    deinit {
        if ownsStorage { storage.deallocate() }
    }

    /// Makes room for `extra` more bytes, doubling the buffer when it must grow.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newStorage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStorage.update(from: storage, count: count)
        if ownsStorage { storage.deallocate() }
        storage = newStorage
        capacity = newCapacity
        ownsStorage = true
    }

    /// Lends the bytes written so far.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: storage, count: count))
    }

    /// A copy of the bytes written so far.
    var bytes: [UInt8] {
        withBytes { Array($0) }
    }

    /// The bytes written so far as a string (they are UTF-8 by construction).
    func string() -> String {
        withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Appends one byte that is already valid JSON.
    @inline(__always)
    mutating func byte(_ value: UInt8) {
        reserve(1)
        storage[count] = value
        count += 1
    }

    /// Appends bytes that are already valid JSON.
    mutating func append(_ raw: UnsafeRawBufferPointer) {
        guard raw.count > 0 else { return }
        reserve(raw.count)
        (storage + count).update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: raw.count)
        count += raw.count
    }

    /// Appends bytes that are already valid JSON.
    mutating func append(contentsOf json: [UInt8]) {
        json.withUnsafeBytes { append($0) }
    }

    /// Appends text that is already JSON (punctuation, fixed keys).
    @inline(__always)
    mutating func raw(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends a string literal, escaped per RFC 8259 §7: `"` and `\`, and
    /// the control characters U+0000–U+001F (short forms where JSON has them,
    /// `\u00XX` otherwise). Everything else, non-ASCII included, is copied as
    /// UTF-8: Swift strings are always valid UTF-8, so the output is too.
    mutating func string(_ text: String) {
        byte(UInt8(ascii: "\""))
        appendEscapedContents(of: text)
        byte(UInt8(ascii: "\""))
    }

    /// Appends `text` escaped as inside a string literal, without the quotes
    /// (for values written after a fixed prefix, such as a URN's digits).
    mutating func appendEscapedContents(of text: String) {
        var text = text
        text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return }
            let count = utf8.count
            var runStart = 0
            var index = 0
            while index < count {
                // Skip 8 clean bytes at a time (most strings need no escape).
                if index + 8 <= count, !Self.mayNeedEscape(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) {
                    index += 8
                    continue
                }
                let character = base[index]
                if character < 0x20 || character == UInt8(ascii: "\"") || character == UInt8(ascii: "\\") {
                    // Copy the clean run before the character in one go.
                    append(UnsafeRawBufferPointer(start: base + runStart, count: index - runStart))
                    appendEscape(character)
                    runStart = index + 1
                }
                index += 1
            }
            append(UnsafeRawBufferPointer(start: base + runStart, count: count - runStart))
        }
    }

    /// Whether any of the 8 bytes in `word` may be `"`, `\` or below 0x20
    /// (word-at-a-time zero-byte tests; false positives only cost a byte-wise
    /// look, false negatives cannot happen).
    @inline(__always)
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // A byte below 0x20 (also catches bytes >= 0x80 as candidates only if
        // they wrap, which `& ~word` excludes).
        let below = (word &- ones &* 0x20) & ~word & highs
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote & highs
        let hasBackslash = (backslash &- ones) & ~backslash & highs
        return (below | hasQuote | hasBackslash) != 0
    }

    private mutating func appendEscape(_ value: UInt8) {
        byte(UInt8(ascii: "\\"))
        switch value {
        case UInt8(ascii: "\""): byte(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): byte(UInt8(ascii: "\\"))
        case 0x08: byte(UInt8(ascii: "b"))
        case 0x0C: byte(UInt8(ascii: "f"))
        case 0x0A: byte(UInt8(ascii: "n"))
        case 0x0D: byte(UInt8(ascii: "r"))
        case 0x09: byte(UInt8(ascii: "t"))
        default:
            let digits: StaticString = "0123456789abcdef"
            raw("u00")
            byte(digits.utf8Start[Int(value >> 4)])
            byte(digits.utf8Start[Int(value & 0xF)])
        }
    }

    /// Appends a decimal integer.
    mutating func integer(_ value: Int64) {
        reserve(20)
        if value < 0 {
            storage[count] = UInt8(ascii: "-")
            count += 1
        }
        var magnitude = value.magnitude
        var digits = 1
        var probe = magnitude
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var position = count + digits
        count = position
        repeat {
            position -= 1
            storage[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
    }

    /// Appends `value` as exactly `width` decimal digits (2 or 4), zero-padded.
    @inline(__always)
    mutating func fixedDigits(_ value: Int64, width: Int) {
        reserve(width)
        var remaining = value
        var position = count + width
        count = position
        for _ in 0..<width {
            position -= 1
            storage[position] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: remaining % 10)
            remaining /= 10
        }
    }

    /// Appends `true` or `false`.
    mutating func boolean(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }
}
