#if canImport(Glibc)
import Glibc
#endif
internal import CProtobufC

/// Bump allocator for the C side of one pack or unpack.
///
/// protobuf-c needs a tree of C structs to pack and builds one when it unpacks.
/// Both trees are short-lived, so they are carved out of one reusable chunk
/// per thread instead of a `malloc` per string, array and sub-message, and are
/// released together by `reset()`: nothing can leak and nothing is freed twice.
///
/// An arena is used by one thread at a time (`withScratch` lends the thread's
/// own, or a fresh one), so its state is exempt from the runtime's dynamic
/// exclusivity checks (`@exclusivity(unchecked)`): with them, every allocation
/// (one per string, array and sub-message: thousands in a `LogUses` call) paid
/// a thread-local lookup and an access-set insert, about 4 % of a `LogUses`
/// call's CPU in the profile (BENCHMARKS.md).
final class ProtoArena {
    private static let chunkSize = 16 * 1024

    private let first: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var current: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var offset = 0
    @exclusivity(unchecked) private var capacity: Int
    /// Blocks allocated when `first` ran out; freed by `reset()`.
    @exclusivity(unchecked) private var overflow: [UnsafeMutableRawPointer] = []
    @exclusivity(unchecked) fileprivate var inUse = false

    init() {
        first = UnsafeMutableRawPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        current = first
        capacity = Self.chunkSize
    }

    deinit {
        reset()
        first.deallocate()
    }

    func reset() {
        for block in overflow { block.deallocate() }
        overflow.removeAll(keepingCapacity: true)
        current = first
        capacity = Self.chunkSize
        offset = 0
    }

    func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        let aligned = (offset + alignment - 1) & ~(alignment - 1)
        if aligned + byteCount <= capacity {
            offset = aligned + byteCount
            return current + aligned
        }
        let size = max(byteCount, Self.chunkSize)
        let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        overflow.append(block)
        current = block
        capacity = size
        offset = byteCount
        return block
    }

    func allocate<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        allocate(byteCount: MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
            .bindMemory(to: T.self, capacity: 1)
    }

    /// Room for `count` trivial C values; the caller assigns every element.
    func allocateArray<T>(of type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        allocate(byteCount: MemoryLayout<T>.stride * count, alignment: MemoryLayout<T>.alignment)
            .bindMemory(to: T.self, capacity: count)
    }

    /// A NUL-terminated copy of `string`. protobuf-c strings cannot hold NUL,
    /// so a string with an embedded NUL is cut there.
    func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        var string = string
        return string.withUTF8 { utf8 in
            let p = allocate(byteCount: utf8.count + 1, alignment: 1)
            if let base = utf8.baseAddress { p.copyMemory(from: base, byteCount: utf8.count) }
            p.storeBytes(of: 0, toByteOffset: utf8.count, as: UInt8.self)
            return p.bindMemory(to: CChar.self, capacity: utf8.count + 1)
        }
    }

    func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        guard !bytes.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let p = allocate(byteCount: bytes.count, alignment: 1)
        bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return ProtobufCBinaryData(len: bytes.count, data: p.bindMemory(to: UInt8.self, capacity: bytes.count))
    }

    /// Lends a protobuf-c allocator that takes its memory from this arena.
    func withCAllocator<R>(_ body: (UnsafeMutablePointer<ProtobufCAllocator>) -> R) -> R {
        var allocator = ProtobufCAllocator(
            alloc: { data, size in
                Unmanaged<ProtoArena>.fromOpaque(data!).takeUnretainedValue()
                    .allocate(byteCount: max(size, 1), alignment: 16)
            },
            free: { _, _ in },  // released in bulk by reset()
            allocator_data: Unmanaged.passUnretained(self).toOpaque()
        )
        return withUnsafeMutablePointer(to: &allocator) { body($0) }
    }

    /// Runs `body` with this thread's arena (or a fresh one if the thread's
    /// arena is already lent out) and resets it afterwards.
    static func withScratch<R>(_ body: (ProtoArena) -> R) -> R {
        let arena: ProtoArena
        if let cached = pthread_getspecific(threadArenaKey) {
            let candidate = Unmanaged<ProtoArena>.fromOpaque(cached).takeUnretainedValue()
            arena = candidate.inUse ? ProtoArena() : candidate
        } else {
            arena = ProtoArena()
            pthread_setspecific(threadArenaKey, Unmanaged.passRetained(arena).toOpaque())
        }
        arena.inUse = true
        defer {
            arena.reset()
            arena.inUse = false
        }
        return body(arena)
    }
}

/// Each thread keeps one arena; the key's destructor releases it when the thread ends.
private let threadArenaKey: pthread_key_t = {
    var key = pthread_key_t()
    let rc = pthread_key_create(&key) { pointer in
        if let pointer { Unmanaged<ProtoArena>.fromOpaque(pointer).release() }
    }
    precondition(rc == 0, "pthread_key_create failed: \(rc)")
    return key
}()
