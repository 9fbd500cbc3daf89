/// The receiver of a loop timer, told which of its timers fired by `payload`
/// (so a deadline costs a heap entry, not a closure).
protocol TimerTarget: AnyObject {
    func timerFired(_ payload: UInt64)
    /// Whether a timer still matters; dead ones are dropped when the heap is compacted.
    func isTimerLive(_ payload: UInt64) -> Bool
}

enum TimerAction {
    case target(any TimerTarget, UInt64)
    case task(() -> Void)
}

struct TimerEntry {
    var deadline: UInt64
    var sequence: UInt64
    var action: TimerAction

    @inline(__always)
    func precedes(_ other: TimerEntry) -> Bool {
        deadline < other.deadline || (deadline == other.deadline && sequence < other.sequence)
    }
}

/// An event loop's timers: a binary min-heap by deadline (ties in the order
/// they were added), and the count of target timers still live.
///
/// Cancelling a target timer does not search the heap: the target says the
/// entry is dead (`isTimerLive` false) and the heap drops it when it comes
/// up, or when dead entries dominate (`timerCancelled` compacts once they are
/// 3/4 of the heap, amortised O(1) per cancellation). Confined to its loop's
/// thread, like the loop state it is part of.
struct TimerHeap {
    /// Below this many entries the heap is never compacted (cheap to keep).
    static let compactionFloor = 64

    private(set) var entries: [TimerEntry] = []
    private var sequence: UInt64 = 0
    /// Target timers in the heap that have neither fired nor been cancelled:
    /// every `addTarget` adds one, and exactly one of "fired while live" and
    /// `timerCancelled()` takes it away again (targets keep a flag per armed
    /// timer so that they cancel each exactly once).
    private(set) var liveTargetTimers = 0

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    /// The earliest deadline, in monotonic nanoseconds.
    var nextDeadline: UInt64? { entries.first?.deadline }

    mutating func addTarget(_ target: any TimerTarget, payload: UInt64, deadline: UInt64) {
        liveTargetTimers += 1
        add(TimerEntry(deadline: deadline, sequence: 0, action: .target(target, payload)))
    }

    mutating func addTask(_ task: @escaping () -> Void, deadline: UInt64) {
        add(TimerEntry(deadline: deadline, sequence: 0, action: .task(task)))
    }

    /// A target timer was given up before it fired (see `EventLoop.timerCancelled`).
    mutating func timerCancelled() {
        assert(liveTargetTimers > 0, "timerCancelled without a live timer")
        if liveTargetTimers > 0 { liveTargetTimers -= 1 }
        // Dead entries still reference their targets (a closed connection's
        // object, buffers already freed): compact once they are 3/4 of the
        // heap, which keeps the cost amortised O(1) per cancellation.
        if entries.count > Self.compactionFloor && entries.count > 4 * liveTargetTimers { compact() }
    }

    /// Removes the earliest entry due at `now` whose target still wants it
    /// (dead entries on the way are dropped) and returns its action. A live
    /// target's entry leaves the live count as it is popped: it fires.
    mutating func popDue(now: UInt64) -> TimerAction? {
        while let first = entries.first, first.deadline <= now {
            let last = entries.removeLast()
            if !entries.isEmpty {
                entries[0] = last
                siftDown(0)
            }
            if case .target(let target, let payload) = first.action {
                guard target.isTimerLive(payload) else { continue }
                if liveTargetTimers > 0 { liveTargetTimers -= 1 }
            }
            return first.action
        }
        return nil
    }

    /// Target entries whose target says they are live (for tests).
    var liveEntryCount: Int {
        entries.reduce(0) { count, entry in
            if case .target(let target, let payload) = entry.action, target.isTimerLive(payload) { return count + 1 }
            return count
        }
    }

    /// Drops entries whose target says they are dead, then re-heapifies: O(n).
    mutating func compact() {
        entries.removeAll { entry in
            if case .target(let target, let payload) = entry.action { return !target.isTimerLive(payload) }
            return false
        }
        liveTargetTimers = entries.reduce(0) { count, entry in
            if case .target = entry.action { return count + 1 }
            return count
        }
        var i = entries.count / 2
        while i > 0 {
            i -= 1
            siftDown(i)
        }
    }

    /// Empties the heap; the entries are returned so that the caller can
    /// release what they reference after its own tables are empty.
    mutating func removeAll() -> [TimerEntry] {
        let held = entries
        entries = []
        return held
    }

    private mutating func add(_ entry: TimerEntry) {
        var entry = entry
        sequence &+= 1
        entry.sequence = sequence
        entries.append(entry)
        siftUp(entries.count - 1)
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        let entry = entries[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard entry.precedes(entries[parent]) else { break }
            entries[child] = entries[parent]
            child = parent
        }
        entries[child] = entry
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        let count = entries.count
        let entry = entries[parent]
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count && entries[child + 1].precedes(entries[child]) { child += 1 }
            guard entries[child].precedes(entry) else { break }
            entries[parent] = entries[child]
            parent = child
        }
        entries[parent] = entry
    }
}
