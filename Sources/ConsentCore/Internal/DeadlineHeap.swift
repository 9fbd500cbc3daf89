/// A binary min-heap of deadlines: when a pending request expires unanswered,
/// when an accepted consent's validity ends. It lets `expireDue` find what is
/// due without scanning every consent.
///
/// Entries are never removed out of order: an entry that no longer matters (the
/// request was answered, the consent withdrawn) stays until it reaches the top
/// and its deadline passes, then it is dropped. Twelve bytes of payload each.
struct DeadlineHeap: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var deadline: Int64
        var slot: UInt32
        /// ``DeadlineHeap/answer`` or ``DeadlineHeap/validity``.
        var kind: UInt8
    }

    /// A pending request's answer deadline.
    static let answer: UInt8 = 0
    /// An accepted consent's validity end.
    static let validity: UInt8 = 1

    private(set) var entries: [Entry] = []

    init() {}

    /// Restores a heap from its array (snapshot); the array must come from ``entries``.
    init(entries: [Entry]) {
        self.entries = entries
    }

    var top: Entry? { entries.first }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popTop() {
        guard !entries.isEmpty else { return }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
            if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
            if smallest == parent { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }

    /// Visits entries whose deadline is at or before `now` (in heap order, not
    /// sorted): in a min-heap they form a subtree at the root. Stops when
    /// `visit` returns false.
    func forEachDue(at now: Int64, _ visit: (Entry) -> Bool) {
        guard !entries.isEmpty else { return }
        var stack = [0]
        while let i = stack.popLast() {
            let e = entries[i]
            guard e.deadline <= now else { continue }
            if !visit(e) { return }
            let left = 2 * i + 1
            if left < entries.count { stack.append(left) }
            if left + 1 < entries.count { stack.append(left + 1) }
        }
    }
}

/// A first-in-first-out queue with O(1) amortised removal at the front.
struct FIFO<Element: Sendable & Equatable>: Sendable, Equatable {
    private(set) var storage: [Element] = []
    private var head = 0

    init() {}

    init(_ elements: [Element]) {
        storage = elements
    }

    var first: Element? { head < storage.count ? storage[head] : nil }

    var elements: ArraySlice<Element> { storage[head...] }

    mutating func append(_ e: Element) { storage.append(e) }

    mutating func removeFirst() {
        head += 1
        if head > 1024, head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }

    static func == (lhs: FIFO, rhs: FIFO) -> Bool { lhs.elements.elementsEqual(rhs.elements) }
}
