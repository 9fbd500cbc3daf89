#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A value read on every call and replaced rarely (on SIGHUP): the principals
/// directory, the token keys.
///
/// Readers must not share a lock across event loops, so each thread keeps its
/// own reference to the current value and only takes the lock when the
/// generation counter says a reload happened since it last looked.
///
/// The per-thread copies live in one process-wide thread-specific slot (not a
/// pthread key per instance: `pthread_key_delete` runs no destructors, so a
/// key deleted with its instance leaked every thread's copy, and keys are a
/// scarce resource). Each thread has a small list of entries, one per
/// instance it has read, identified by a process-unique id (never reused, unlike
/// an object address) and holding the instance weakly. A thread drops the
/// entries of released instances the next time it misses its cache, and its
/// whole list when it ends; so a released value stays referenced only by
/// threads that have not read any `ReloadableValue` since, at most until they do.
public final class ReloadableValue<Value: Sendable>: Sendable {
    private let id: UInt64
    private let generation = Atomic<UInt64>(1)
    private let current: Mutex<(generation: UInt64, value: Value)>

    /// One thread's cached copy.
    private final class Cached {
        let generation: UInt64
        let value: Value
        init(generation: UInt64, value: Value) {
            self.generation = generation
            self.value = value
        }
    }

    public init(_ value: Value) {
        id = ReloadableValueCache.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        current = Mutex((1, value))
    }

    /// The current value; cheap and lock-free unless a reload just happened.
    public var value: Value {
        let latest = generation.load(ordering: .acquiring)
        let cache = ReloadableValueCache.forCurrentThread()
        if let object = cache.lookup(id) {
            // The id is unique to this instance, so the entry holds our type.
            let cached = unsafeDowncast(object, to: Cached.self)
            if cached.generation == latest { return cached.value }
        }
        let (gen, value) = current.withLock { ($0.generation, $0.value) }
        cache.store(id, owner: self, Cached(generation: gen, value: value))
        return value
    }

    /// Counts the replacements (starting at 1): a reader that remembers it
    /// can tell cheaply whether the value has changed since.
    public var version: UInt64 { generation.load(ordering: .acquiring) }

    /// Publishes a new value; every thread sees it on its next read.
    public func replace(with value: Value) {
        current.withLock { state in
            state = (state.generation + 1, value)
            generation.store(state.generation, ordering: .releasing)
        }
    }
}

/// One thread's cached copies of every `ReloadableValue` it has read.
/// Touched only by its own thread.
final class ReloadableValueCache {
    private struct Entry {
        var id: UInt64
        weak var owner: AnyObject?
        var cached: AnyObject
    }

    /// Instance ids; 0 is never used.
    static let nextID = Atomic<UInt64>(1)

    /// The process-wide key; its destructor releases a thread's cache when the thread ends.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<ReloadableValueCache>.fromOpaque(pointer).release() }
        }
        precondition(rc == 0, "pthread_key_create failed: \(rc)")
        return key
    }()

    /// A handful of instances per process: a linear scan beats hashing.
    private var entries: [Entry] = []

    static func forCurrentThread() -> ReloadableValueCache {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<ReloadableValueCache>.fromOpaque(pointer).takeUnretainedValue()
        }
        let cache = ReloadableValueCache()
        pthread_setspecific(key, Unmanaged.passRetained(cache).toOpaque())
        return cache
    }

    func lookup(_ id: UInt64) -> AnyObject? {
        for entry in entries where entry.id == id { return entry.cached }
        return nil
    }

    /// Replaces or adds the entry for `id`, and drops the entries of released instances.
    func store(_ id: UInt64, owner: AnyObject, _ cached: AnyObject) {
        entries.removeAll { $0.id == id || $0.owner == nil }
        entries.append(Entry(id: id, owner: owner, cached: cached))
    }

    /// For tests: how many instances this thread holds copies for.
    static var entryCountForCurrentThread: Int { forCurrentThread().entries.count }
}
