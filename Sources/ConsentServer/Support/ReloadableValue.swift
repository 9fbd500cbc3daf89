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
public final class ReloadableValue<Value: Sendable>: Sendable {
    private let generation = Atomic<UInt64>(1)
    private let current: Mutex<(generation: UInt64, value: Value)>
    private let key: pthread_key_t

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
        current = Mutex((1, value))
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
        }
        precondition(rc == 0, "pthread_key_create failed: \(rc)")
        self.key = key
    }

    deinit {
        // Threads still holding a cached copy keep it until they end; the
        // destructor registered with the key releases it then.
        pthread_key_delete(key)
    }

    /// The current value; cheap and lock-free unless a reload just happened.
    public var value: Value {
        let latest = generation.load(ordering: .acquiring)
        if let pointer = pthread_getspecific(key) {
            let cached = Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue() as! Cached
            if cached.generation == latest { return cached.value }
            Unmanaged<AnyObject>.fromOpaque(pointer).release()
        }
        let (gen, value) = current.withLock { ($0.generation, $0.value) }
        let fresh = Cached(generation: gen, value: value)
        pthread_setspecific(key, Unmanaged.passRetained(fresh as AnyObject).toOpaque())
        return value
    }

    /// Publishes a new value; every thread sees it on its next read.
    public func replace(with value: Value) {
        current.withLock { state in
            state = (state.generation + 1, value)
            generation.store(state.generation, ordering: .releasing)
        }
    }
}
