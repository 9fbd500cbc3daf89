import ConsentRPC

/// One open call of a server connection.
struct CallSlot {
    var callID: UInt32 = 0
    /// The live call's token sequence; 0 while the slot is free.
    var sequence: UInt64 = 0
    var deadlineMs: UInt32 = 0
    var hasDeadlineTimer = false
    var onTermination: (@Sendable (StatusCode) -> Void)? = nil
    /// The last call that used this slot, if the transport ended it (cancel,
    /// deadline, shutdown, connection lost): a termination handler registered
    /// late for that call still runs, once, with this code.
    var endedSequence: UInt64 = 0
    var endedByTransport: StatusCode? = nil
}

/// The open calls of one connection: a slot array plus an open-addressing
/// index from the client's call id to the slot.
///
/// A token's `sequence` is `counter << 24 | slot`, so finishing a call finds
/// its slot without hashing, and a stale token (its slot reused by a newer
/// call) fails the sequence comparison. Both arrays start small and double up
/// to the connection's call limit; in steady state nothing is allocated.
struct CallTable {
    static let slotBits: UInt64 = 24
    static let slotMask: UInt64 = (1 << slotBits) - 1

    private(set) var slots: [CallSlot]
    private var free: [Int32]
    /// call id → slot, -1 for empty; capacity a power of two, at most half full.
    private var index: [Int32]
    private var indexMask: Int
    private(set) var openCount = 0
    private var counter: UInt64 = 1
    let limit: Int

    init(limit: Int, initialCapacity: Int = 16) {
        precondition(limit > 0 && UInt64(limit) <= CallTable.slotMask)
        self.limit = limit
        let capacity = min(limit, initialCapacity)
        slots = Array(repeating: CallSlot(), count: capacity)
        free = (0..<Int32(capacity)).reversed()
        let indexCapacity = Self.indexCapacity(for: capacity)
        index = Array(repeating: -1, count: indexCapacity)
        indexMask = indexCapacity - 1
    }

    private static func indexCapacity(for slots: Int) -> Int {
        var n = 16
        while n < slots * 2 { n <<= 1 }
        return n
    }

    @inline(__always)
    private func home(_ callID: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(callID) &* 0x9E37_79B9_7F4A_7C15) >> 32) & indexMask
    }

    /// The slot of the open call `callID`.
    func find(_ callID: UInt32) -> Int? {
        var i = home(callID)
        while true {
            let s = index[i]
            if s < 0 { return nil }
            if slots[Int(s)].callID == callID { return Int(s) }
            i = (i + 1) & indexMask
        }
    }

    /// The slot of the call `token` names, if it is still open.
    @inline(__always)
    func slot(for token: CallToken) -> Int? {
        let s = Int(token.sequence & Self.slotMask)
        guard s < slots.count, slots[s].sequence == token.sequence, token.sequence != 0, slots[s].callID == token.callID else {
            return nil
        }
        return s
    }

    var isFull: Bool { openCount >= limit }

    /// Opens call `callID` (not open, table not full). - Returns: the slot and its token.
    mutating func open(_ callID: UInt32) -> (Int, CallToken) {
        if free.isEmpty { grow() }
        let s = Int(free.removeLast())
        let sequence = counter << Self.slotBits | UInt64(s)
        counter &+= 1
        slots[s].callID = callID
        slots[s].sequence = sequence
        slots[s].deadlineMs = 0
        slots[s].hasDeadlineTimer = false
        slots[s].onTermination = nil
        var i = home(callID)
        while index[i] >= 0 { i = (i + 1) & indexMask }
        index[i] = Int32(s)
        openCount += 1
        return (s, CallToken(callID: callID, sequence: sequence))
    }

    /// Closes the call in slot `s` and hands back its termination handler.
    mutating func close(_ s: Int, endedByTransport code: StatusCode?) -> (@Sendable (StatusCode) -> Void)? {
        // A second close would put the slot on the free list twice and the
        // index search below would never end: crash instead of spinning.
        precondition(slots[s].sequence != 0, "CallTable.close of a slot that is not open")
        let callID = slots[s].callID
        let handler = slots[s].onTermination
        slots[s].endedSequence = slots[s].sequence
        slots[s].endedByTransport = code
        slots[s].sequence = 0
        slots[s].onTermination = nil
        openCount -= 1
        free.append(Int32(s))
        // Remove from the index with backward-shift deletion (no tombstones).
        var i = home(callID)
        while Int(index[i]) != s { i = (i + 1) & indexMask }
        var hole = i
        var j = (i + 1) & indexMask
        while index[j] >= 0 {
            let h = home(slots[Int(index[j])].callID)
            // Move j into the hole if its home is not in (hole, j].
            let inRange = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j)
            if !inRange {
                index[hole] = index[j]
                hole = j
            }
            j = (j + 1) & indexMask
        }
        index[hole] = -1
        return handler
    }

    subscript(s: Int) -> CallSlot {
        get { slots[s] }
        set { slots[s] = newValue }
    }

    /// Every open slot, for shutdown and connection loss. A copy: a caller
    /// that runs handlers while it walks it must check `isOpen` before each
    /// close, since a handler may end a sibling call on the spot.
    var openSlots: [Int] {
        slots.indices.filter { slots[$0].sequence != 0 }
    }

    /// Whether slot `s` holds an open call.
    func isOpen(_ s: Int) -> Bool { slots[s].sequence != 0 }

    private mutating func grow() {
        let old = slots.count
        let new = min(limit, max(old * 2, 1))
        precondition(new > old, "CallTable.open beyond its limit")
        slots.append(contentsOf: repeatElement(CallSlot(), count: new - old))
        free.append(contentsOf: (Int32(old)..<Int32(new)).reversed())
        let indexCapacity = Self.indexCapacity(for: new)
        if indexCapacity != index.count {
            index = Array(repeating: -1, count: indexCapacity)
            indexMask = indexCapacity - 1
            for s in 0..<old where slots[s].sequence != 0 {
                var i = home(slots[s].callID)
                while index[i] >= 0 { i = (i + 1) & indexMask }
                index[i] = Int32(s)
            }
        }
    }
}
