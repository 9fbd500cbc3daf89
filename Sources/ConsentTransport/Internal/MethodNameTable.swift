#if canImport(Glibc)
import Glibc
#endif

/// The method names a server's dispatcher serves, each a string made once
/// and shared by every call of every connection, found by the UTF-8 bytes of
/// a Request's `method`.
///
/// Built from the dispatcher's list, never from what a caller sends: a
/// connection remembers at most the index of the name it used last, so a
/// client sending millions of different names costs a transient string per
/// call and nothing that stays (review: a per-connection cache of 32 names
/// of 3.9 MB each held 217 MB).
struct MethodNameTable: Sendable {
    private let utf8: [[UInt8]]
    private let names: [String]

    init(_ names: [String]) {
        self.names = names
        self.utf8 = names.map { Array($0.utf8) }
    }

    var count: Int { names.count }

    subscript(index: Int) -> String { names[index] }

    /// Whether entry `index` is spelled `bytes`.
    @inline(__always)
    func matches(_ index: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let candidate = utf8[index]
        guard candidate.count == bytes.count else { return false }
        guard let base = bytes.baseAddress else { return candidate.isEmpty }
        return candidate.withUnsafeBytes { memcmp($0.baseAddress!, base, bytes.count) == 0 }
    }

    /// The entry spelled `bytes`, if the dispatcher serves that name.
    func index(of bytes: UnsafeRawBufferPointer) -> Int? {
        for i in utf8.indices where matches(i, bytes) { return i }
        return nil
    }
}
