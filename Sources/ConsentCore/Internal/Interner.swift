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
