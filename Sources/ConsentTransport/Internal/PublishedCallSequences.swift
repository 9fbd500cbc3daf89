import Synchronization

/// The token sequence of the call open in each slot of a server connection's
/// `CallTable` (0 for a free slot), readable from any thread.
///
/// `CallSink.send` promises false once the call has ended, and a streaming
/// producer on another thread cannot look at the table (it belongs to the
/// loop). The loop publishes every open and close here with one atomic store;
/// another thread compares its token's sequence with one atomic load.
///
/// The slot array grows with the table. A grown copy is published through an
/// atomic pointer and the older copies stay allocated until the connection is
/// released, so a reader that loaded an older pointer never reads freed memory
/// (at most log2(limit) copies, together under twice the final size).
///
/// `@unchecked Sendable`: `generations` is touched only by the loop thread (the
/// only writer); readers touch only `current` and the atomics it points to.
final class PublishedCallSequences: @unchecked Sendable {
    private final class Storage {
        let count: Int
        let words: UnsafeMutablePointer<Atomic<UInt64>>

        init(count: Int, copying old: Storage?) {
            self.count = count
            words = .allocate(capacity: count)
            for i in 0..<count {
                let value = old.map { i < $0.count ? $0.words[i].load(ordering: .relaxed) : 0 } ?? 0
                (words + i).initialize(to: Atomic(value))
            }
        }

        deinit {
            words.deinitialize(count: count)
            words.deallocate()
        }
    }

    private var generations: [Storage]
    private let current: Atomic<UnsafeMutableRawPointer>

    init(capacity: Int) {
        let first = Storage(count: max(capacity, 1), copying: nil)
        generations = [first]
        current = Atomic(Unmanaged.passUnretained(first).toOpaque())
    }

    /// On the loop: slot `slot` now holds the call `sequence` (0: free).
    func publish(slot: Int, sequence: UInt64) {
        var storage = generations[generations.count - 1]
        if slot >= storage.count {
            var count = storage.count
            while count <= slot { count *= 2 }
            storage = Storage(count: count, copying: storage)
            generations.append(storage)
            current.store(Unmanaged.passUnretained(storage).toOpaque(), ordering: .releasing)
        }
        storage.words[slot].store(sequence, ordering: .releasing)
    }

    /// From any thread: whether the call `sequence` is still open, as far as
    /// the loop has published.
    func isOpen(_ sequence: UInt64, slot: Int) -> Bool {
        let storage = Unmanaged<Storage>.fromOpaque(current.load(ordering: .acquiring)).takeUnretainedValue()
        return slot < storage.count && sequence != 0 && storage.words[slot].load(ordering: .acquiring) == sequence
    }
}
