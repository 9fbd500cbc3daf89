/// A parsed JSON value. Objects keep their members in document order so
/// `consentctl decode` prints them as written.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's text as written (already checked against the RFC 8259 grammar).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The member named `key` of an object (keys are unique: the parser
    /// refuses duplicates), or nil.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var objectValue: [JSONMember]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// A JWT NumericDate (RFC 7519 §2): seconds since the epoch, possibly
    /// with a fraction, which is dropped (floor). Nil for non-numbers and for
    /// values no clock will reach (beyond ±2^53).
    var numericDate: Int64? {
        guard case .number(let text) = self else { return nil }
        if let exact = Int64(text) { return exact.magnitude <= 1 << 53 ? exact : nil }  // abs(Int64.min) traps
        guard let value = Double(text), value.isFinite, abs(value) <= 9_007_199_254_740_992 else { return nil }
        return Int64(value.rounded(.down))
    }
}

/// One member of a JSON object.
struct JSONMember: Equatable, Sendable {
    var key: String
    var value: JSONValue
}
