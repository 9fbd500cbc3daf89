/// A table of distinct values, each stored once and named by a 4-byte index.
///
/// Millions of consents share a few redirect URLs, purposes and resource sets;
/// interning them is what keeps a consent under 400 bytes.
struct Interner<Value: Hashable & Sendable>: Sendable, Equatable {
    private(set) var values: [Value] = []
    private var index: [Value: UInt32] = [:]

    init() {}

    /// Rebuilds a table from its values (snapshot restore).
    init(values: [Value]) {
        self.values = values
        index.reserveCapacity(values.count)
        for (i, v) in values.enumerated() { index[v] = UInt32(i) }
    }

    /// The index of `value`, adding it if new.
    mutating func intern(_ value: Value) -> UInt32 {
        if let i = index[value] { return i }
        let i = UInt32(values.count)
        values.append(value)
        index[value] = i
        return i
    }

    /// The value at an index.
    subscript(i: UInt32) -> Value { values[Int(i)] }

    var count: Int { values.count }

    static func == (lhs: Interner, rhs: Interner) -> Bool { lhs.values == rhs.values }
}

/// A string compared and hashed by its UTF-8 bytes.
///
/// `String`'s own `==` and hash follow Unicode canonical equivalence, which
/// normalises non-ASCII text ("Lånesøknad") on every hash; stored text is
/// identified by its exact bytes, which is both faster and what a token carries.
struct ExactText: Hashable, Sendable {
    let value: String

    init(_ value: String) {
        self.value = value
    }

    func hash(into hasher: inout Hasher) {
        hashUTF8(value, into: &hasher)
    }

    static func == (lhs: ExactText, rhs: ExactText) -> Bool {
        sameUTF8(lhs.value, rhs.value)
    }
}

/// Hashes a string's UTF-8 bytes (and their count, so that concatenations differ).
@inline(__always)
func hashUTF8(_ string: String, into hasher: inout Hasher) {
    var s = string
    s.withUTF8 { bytes in
        hasher.combine(bytes.count)
        hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
    }
}

/// Whether two strings have the same UTF-8 bytes.
@inline(__always)
func sameUTF8(_ a: String, _ b: String) -> Bool {
    a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
}
