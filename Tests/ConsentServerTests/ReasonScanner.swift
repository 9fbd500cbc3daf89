import ConsentRPC
import Foundation

/// Finds every refusal reason the server's sources can send, with the status
/// it goes with, by reading the Swift sources (for docs/REASONS.md).
///
/// A reason is a snake_case string literal in one of the shapes the sources
/// use to make a refusal:
/// - a labelled argument ending in `reason`: `DomainError(.outOfRange, reason: "used_in_future", …)`,
///   `ProtoField.invalid(field, reason: "…", …)`, `ErrorTrailers.resourceExhausted(…, reason: "…", …)`,
///   `checkName(…, missingReason: "…", tooLongReason: "…")`;
/// - the trailer key in a dictionary: `[ErrorTrailers.reason: "…"]`, `[DomainErrorMapping.reasonKey: "…"]`;
/// - TokenService's `make(.code, "reason", …)`;
/// - a constant `static let …Reason = "…"`, judged where it is used.
///
/// Its status is found in the innermost call around the literal that names
/// one: the callee itself (`resourceExhausted(`), a helper whose status is
/// fixed (`invalid(` is INVALID_ARGUMENT), or a `.statusName` among the
/// call's own arguments; failing that, any `.statusName` in the enclosing
/// block. Comments and the text of string literals are blanked first, so a
/// reason quoted in a comment or a message does not count.
struct ReasonScanner {
    /// A reason as the sources produce it.
    struct Found: Equatable {
        var statuses: Set<String>
        var locations: [String]
    }

    /// The modules whose refusals reach a client.
    static let serverModules = ["ConsentCore", "ConsentServer", "ConsentTransport", "ConsentRPC"]

    /// The names of `StatusCode`'s (and `DomainError.Code`'s) cases, as gRPC names them.
    static let statusNames: [String: String] = {
        let cases: [(String, StatusCode)] = [
            ("cancelled", .cancelled), ("unknown", .unknown), ("invalidArgument", .invalidArgument),
            ("deadlineExceeded", .deadlineExceeded), ("notFound", .notFound), ("alreadyExists", .alreadyExists),
            ("permissionDenied", .permissionDenied), ("resourceExhausted", .resourceExhausted),
            ("failedPrecondition", .failedPrecondition), ("aborted", .aborted), ("outOfRange", .outOfRange),
            ("unimplemented", .unimplemented), ("internalError", .internalError), ("unavailable", .unavailable),
            ("dataLoss", .dataLoss), ("unauthenticated", .unauthenticated),
        ]
        return Dictionary(uniqueKeysWithValues: cases.map { ($0.0, $0.1.name) })
    }()

    /// Helpers that make a refusal of one status from a reason argument.
    static let helperStatuses = ["invalid": "INVALID_ARGUMENT", "checkName": "INVALID_ARGUMENT"]

    private static let snake = #"[a-z][a-z0-9]*(?:_[a-z0-9]+)*"#
    private static let literalShapes: [String] = [
        #"\b\w*[rR]eason:\s*"("# + snake + #")""#,
        #"(?:ErrorTrailers\.reason|reasonKey)\s*:\s*"("# + snake + #")""#,
        #"\bmake\(\s*\.\w+\s*,\s*"("# + snake + #")""#,
    ]
    private static let constantShape = #"static let (\w+Reason)\s*=\s*"("# + snake + #")""#

    /// Every reason in the server modules under `root` (the package directory).
    static func scan(packageRoot root: URL) throws -> [String: Found] {
        var files: [(path: String, text: String)] = []
        for module in serverModules {
            let directory = root.appendingPathComponent("Sources/\(module)")
            guard let walker = FileManager.default.enumerator(atPath: directory.path) else { continue }
            for case let relative as String in walker where relative.hasSuffix(".swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(relative), encoding: .utf8)
                files.append(("Sources/\(module)/\(relative)", text))
            }
        }
        return try scan(files)
    }

    /// Every reason in `files` (path, source text).
    static func scan(_ files: [(path: String, text: String)]) throws -> [String: Found] {
        var found: [String: Found] = [:]
        let sources = files.map { (path: $0.path, text: $0.text, code: blank(Array($0.text.utf8))) }
        let shapes = try literalShapes.map { try Regex($0) }
        let constant = try Regex(constantShape)
        for source in sources {
            var seen = Set<Int>()
            func record(_ reason: String, _ statuses: Set<String>, at offset: Int) {
                let line = source.code[..<offset].reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
                found[reason, default: Found(statuses: [], locations: [])].statuses.formUnion(statuses)
                found[reason, default: Found(statuses: [], locations: [])].locations.append("\(source.path):\(line)")
            }
            for shape in shapes {
                for match in source.text.matches(of: shape) {
                    let start = utf8Offset(match.range.lowerBound, in: source.text)
                    guard let literal = match.output[1].range else { continue }
                    let literalOffset = utf8Offset(literal.lowerBound, in: source.text)
                    // In a comment or a message, not code; or found by another shape.
                    guard source.code[start] != UInt8(ascii: " "), seen.insert(literalOffset).inserted else { continue }
                    record(String(source.text[literal]), statuses(in: source.code, around: literalOffset), at: literalOffset)
                }
            }
            for match in source.text.matches(of: constant) {
                let start = utf8Offset(match.range.lowerBound, in: source.text)
                guard source.code[start] != UInt8(ascii: " "),
                      let nameRange = match.output[1].range, let literal = match.output[2].range else { continue }
                let name = Array(("." + source.text[nameRange]).utf8)
                var statuses = Set<String>()
                for user in sources {
                    for use in occurrences(of: name, in: user.code) where !isIdentifierByte(user.code, use + name.count) {
                        statuses.formUnion(self.statuses(in: user.code, around: use))
                    }
                }
                record(String(source.text[literal]), statuses, at: utf8Offset(literal.lowerBound, in: source.text))
            }
        }
        return found
    }

    // MARK: Reading Swift

    /// The source with comments and the text of string literals replaced by
    /// spaces (line breaks kept); the code of interpolations stays.
    static func blank(_ source: [UInt8]) -> [UInt8] {
        enum Mode { case code(depth: Int), string, multilineString }
        var out = source
        var modes: [Mode] = [.code(depth: 0)]
        var i = 0
        let n = source.count
        func starts(with text: StaticString, at index: Int) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= n else { return false }
            return text.withUTF8Buffer { source[index..<index + count].elementsEqual($0) }
        }
        func clear(_ range: Range<Int>) {
            for k in range where out[k] != UInt8(ascii: "\n") { out[k] = UInt8(ascii: " ") }
        }
        while i < n {
            let c = source[i]
            switch modes[modes.count - 1] {
            case .code(let depth):
                if starts(with: "//", at: i) {
                    var j = i
                    while j < n, source[j] != UInt8(ascii: "\n") { j += 1 }
                    clear(i..<j)
                    i = j
                } else if starts(with: "/*", at: i) {
                    var j = i + 2
                    while j < n, !starts(with: "*/", at: j) { j += 1 }
                    j = min(n, j + 2)
                    clear(i..<j)
                    i = j
                } else if starts(with: "\"\"\"", at: i) {
                    modes.append(.multilineString)
                    i += 3
                } else if c == UInt8(ascii: "\"") {
                    modes.append(.string)
                    i += 1
                } else if c == UInt8(ascii: "(") {
                    modes[modes.count - 1] = .code(depth: depth + 1)
                    i += 1
                } else if c == UInt8(ascii: ")") {
                    if modes.count > 1, depth == 0 {
                        // The end of an interpolation: back in the string.
                        out[i] = UInt8(ascii: " ")
                        modes.removeLast()
                    } else {
                        modes[modes.count - 1] = .code(depth: depth - 1)
                    }
                    i += 1
                } else {
                    i += 1
                }
            case .string, .multilineString:
                let multiline: Bool
                if case .multilineString = modes[modes.count - 1] { multiline = true } else { multiline = false }
                if c == UInt8(ascii: "\\"), i + 1 < n, source[i + 1] == UInt8(ascii: "(") {
                    clear(i..<i + 2)
                    modes.append(.code(depth: 0))
                    i += 2
                } else if c == UInt8(ascii: "\\") {
                    clear(i..<min(n, i + 2))
                    i += 2
                } else if !multiline, c == UInt8(ascii: "\"") {
                    modes.removeLast()
                    i += 1
                } else if multiline, starts(with: "\"\"\"", at: i) {
                    modes.removeLast()
                    i += 3
                } else {
                    clear(i..<i + 1)
                    i += 1
                }
            }
        }
        return out
    }

    /// The statuses of the refusal made around `offset` (see the type's comment).
    static func statuses(in code: [UInt8], around offset: Int) -> Set<String> {
        var position = offset
        while let opener = enclosingOpener(in: code, before: position) {
            let end = closer(in: code, of: opener)
            switch code[opener] {
            case UInt8(ascii: "("):
                let callee = identifier(in: code, endingBefore: opener)
                if let status = statusNames[callee] { return [status] }
                if let status = helperStatuses[callee] { return [status] }
                let own = statusTokens(in: code, opener + 1..<end, topLevelOnly: true)
                if !own.isEmpty { return own }
            case UInt8(ascii: "{"):
                return statusTokens(in: code, opener + 1..<end, topLevelOnly: false)
            default:
                break
            }
            position = opener
        }
        return []
    }

    private static let openers: [UInt8: UInt8] = [UInt8(ascii: "("): UInt8(ascii: ")"), UInt8(ascii: "["): UInt8(ascii: "]"), UInt8(ascii: "{"): UInt8(ascii: "}")]
    private static let closers = Set(openers.values)

    static func enclosingOpener(in code: [UInt8], before position: Int) -> Int? {
        var depth = 0
        var i = position - 1
        while i >= 0 {
            if closers.contains(code[i]) {
                depth += 1
            } else if openers[code[i]] != nil {
                if depth == 0 { return i }
                depth -= 1
            }
            i -= 1
        }
        return nil
    }

    static func closer(in code: [UInt8], of opener: Int) -> Int {
        var depth = 0
        for j in opener..<code.count {
            if openers[code[j]] != nil {
                depth += 1
            } else if closers.contains(code[j]) {
                depth -= 1
                if depth == 0 { return j }
            }
        }
        return code.count
    }

    /// The `.statusName` tokens in `range`; with `topLevelOnly`, not those inside nested brackets.
    static func statusTokens(in code: [UInt8], _ range: Range<Int>, topLevelOnly: Bool) -> Set<String> {
        var found = Set<String>()
        var depth = 0
        var i = range.lowerBound
        while i < range.upperBound {
            let c = code[i]
            if openers[c] != nil {
                depth += 1
            } else if closers.contains(c) {
                depth -= 1
            } else if c == UInt8(ascii: "."), !topLevelOnly || depth == 0, !isIdentifierByte(code, i - 1) {
                var j = i + 1
                while j < range.upperBound, isIdentifierByte(code, j) { j += 1 }
                if let status = statusNames[String(decoding: code[i + 1..<j], as: UTF8.self)] { found.insert(status) }
                i = j
                continue
            }
            i += 1
        }
        return found
    }

    static func identifier(in code: [UInt8], endingBefore position: Int) -> String {
        var end = position
        while end > 0, code[end - 1] == UInt8(ascii: " ") { end -= 1 }
        var start = end
        while start > 0, isIdentifierByte(code, start - 1) { start -= 1 }
        return String(decoding: code[start..<end], as: UTF8.self)
    }

    static func isIdentifierByte(_ code: [UInt8], _ index: Int) -> Bool {
        guard index >= 0, index < code.count else { return false }
        let c = code[index]
        return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_")
    }

    static func occurrences(of needle: [UInt8], in code: [UInt8]) -> [Int] {
        guard needle.count <= code.count else { return [] }
        var result: [Int] = []
        for i in 0...(code.count - needle.count) where code[i] == needle[0] && code[i..<i + needle.count].elementsEqual(needle) {
            result.append(i)
        }
        return result
    }

    static func utf8Offset(_ index: String.Index, in text: String) -> Int {
        text.utf8.distance(from: text.utf8.startIndex, to: index)
    }
}
