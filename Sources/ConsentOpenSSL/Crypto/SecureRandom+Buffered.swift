internal import COpenSSL
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension SecureRandom {
    /// Fills a small `buffer` (a token id, a code) from a process-wide
    /// buffer of CSPRNG output, refilled 4 KiB at a time with `RAND_bytes`.
    ///
    /// Why: each `RAND_bytes` call costs about a microsecond in OpenSSL 3.0
    /// (it makes a `getpid` system call to detect forks, among other work):
    /// several percent of a token signature. Drawing 4 KiB at once spreads
    /// that over 256 token ids. The bytes are the same generator's output;
    /// each is handed out once and then wiped from the buffer. A fork
    /// discards the buffer (a `pthread_atfork` handler bumps a generation
    /// number), so parent and child never share bytes. Requests over 256
    /// bytes go straight to `fill(_:)`.
    ///
    /// - Important: Stops the process if OpenSSL's generator fails; see `fill(_:)`.
    public static func fillBuffered(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count <= 256 else {
            fill(buffer)
            return
        }
        RandomPool.shared.fill(buffer)
    }
}

/// The buffer behind `SecureRandom.fillBuffered(_:)`.
private final class RandomPool: Sendable {
    static let shared = RandomPool()

    /// Incremented in a forked child; a pool filled under another generation
    /// is thrown away before use.
    static let forkGeneration = Atomic<Int>(0)

    /// `@unchecked Sendable`: the raw buffer is only touched under `state`'s lock.
    private struct State: ~Copyable, @unchecked Sendable {
        let bytes: UnsafeMutableRawBufferPointer
        var offset: Int
        var generation: Int

        deinit {
            bytes.deallocate()
        }
    }

    private static let size = 4096
    private let state: Mutex<State>

    private init() {
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.size, alignment: 16)
        // offset == size: empty, filled on first use.
        state = Mutex(State(bytes: bytes, offset: Self.size, generation: -1))
        // A closure that captures nothing converts to the C function pointer
        // pthread_atfork wants; it only touches a global atomic.
        pthread_atfork(nil, nil, { RandomPool.forkGeneration.add(1, ordering: .relaxed) })
    }

    func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        let generation = Self.forkGeneration.load(ordering: .relaxed)
        state.withLock { state in
            if state.offset + buffer.count > Self.size || state.generation != generation {
                SecureRandom.fill(state.bytes)
                state.offset = 0
                state.generation = generation
            }
            let slice = UnsafeMutableRawBufferPointer(rebasing: state.bytes[state.offset..<state.offset + buffer.count])
            buffer.copyMemory(from: UnsafeRawBufferPointer(slice))
            // Handed out once: wipe so the value does not linger in the pool.
            slice.initializeMemory(as: UInt8.self, repeating: 0)
            state.offset += buffer.count
        }
    }
}
