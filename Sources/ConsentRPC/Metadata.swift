/// Call metadata or trailers: an ordered list of key/value pairs. Keys are
/// compared in lower case; a key may appear more than once.
public struct Metadata: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: String)

    private var entries: [Entry] = []

    private struct Entry: Hashable, Sendable {
        var key: String
        var value: String
    }

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (key, value) in elements { add(key, value) }
    }

    /// Appends a pair; the key is stored in lower case.
    public mutating func add(_ key: String, _ value: String) {
        entries.append(Entry(key: key.lowercased(), value: value))
    }

    /// Replaces every value of `key` with `value` (or removes them when nil).
    public mutating func set(_ key: String, _ value: String?) {
        let key = key.lowercased()
        entries.removeAll { $0.key == key }
        if let value { entries.append(Entry(key: key, value: value)) }
    }

    /// The first value of `key`.
    public subscript(key: String) -> String? {
        let key = key.lowercased()
        return entries.first { $0.key == key }?.value
    }

    /// How many times `key` is given.
    public func occurrences(of key: String) -> Int {
        let key = key.lowercased()
        return entries.reduce(0) { $0 + ($1.key == key ? 1 : 0) }
    }

    /// Every value of `key`, in order.
    public func values(for key: String) -> [String] {
        let key = key.lowercased()
        return entries.filter { $0.key == key }.map(\.value)
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public func makeIterator() -> AnyIterator<Element> {
        var iterator = entries.makeIterator()
        return AnyIterator { iterator.next().map { ($0.key, $0.value) } }
    }
}
