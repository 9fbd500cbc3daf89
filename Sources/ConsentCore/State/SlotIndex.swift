/// Request id → slot in ``Tables/records``: an open-addressed hash table of
/// 32-bit slots that compares against the id stored in the record itself.
///
/// A `[RequestID: UInt32]` kept each 16-byte id a second time beside its slot,
/// at a dictionary's load factor (about 33 bytes per request at 10 million);
/// this keeps only the slot, 4 bytes per bucket at a load of at most ¾
/// (5.3–10.7 bytes per request), and its probe is a multiply and a shift
/// (the dictionary's SipHash was 8.9 % of a snapshot's decode). The price is
/// one read of the record per probe, which a lookup makes anyway.
///
/// Entries are never removed: a request keeps its slot for ever.
struct SlotIndex: Sendable {
    private static let empty = UInt32.max
    /// Power-of-two many buckets, each a slot or ``empty``.
    private var buckets: [UInt32]
    /// `64 - log2(buckets.count)`: the hash's top bits pick the bucket.
    private var shift: Int
    private(set) var count = 0

    init() {
        buckets = [UInt32](repeating: Self.empty, count: 8)
        shift = 64 - 3
    }

    /// Room for `requests` entries without growing; `records` are those
    /// already indexed.
    mutating func reserveCapacity(_ requests: Int, in records: [RequestRecord]) {
        guard requests > Self.capacity(buckets.count) else { return }
        var size = buckets.count
        while Self.capacity(size) < requests { size *= 2 }
        rebuild(size: size, reading: records)
    }

    /// The slot of `id`, or nil.
    func slot(of id: RequestID, in records: [RequestRecord]) -> UInt32? {
        records.withUnsafeBufferPointer { records in
            buckets.withUnsafeBufferPointer { buckets in
                let mask = buckets.count - 1
                var i = bucket(of: id)
                while true {
                    let slot = buckets[i]
                    if slot == Self.empty { return nil }
                    if records[Int(slot)].id == id { return slot }
                    i = (i + 1) & mask
                }
            }
        }
    }

    /// Records that `records[slot]` is found by its id, replacing the slot
    /// an equal id had (as the dictionary it replaces did).
    /// - Returns: false if the id already had a slot.
    @discardableResult
    mutating func insert(_ slot: UInt32, in records: [RequestRecord]) -> Bool {
        if count + 1 > Self.capacity(buckets.count) { rebuild(size: buckets.count * 2, reading: records) }
        let id = records[Int(slot)].id
        let mask = buckets.count - 1
        var i = bucket(of: id)
        while true {
            let existing = buckets[i]
            if existing == Self.empty {
                buckets[i] = slot
                count += 1
                return true
            }
            if records[Int(existing)].id == id {
                buckets[i] = slot
                return false
            }
            i = (i + 1) & mask
        }
    }

    /// Indexes every record of `records`, slot by slot, in an index that
    /// has none yet: a snapshot's load, which decodes the records first.
    ///
    /// While it builds, each bucket is 8 bytes: the slot and 32 bits of the
    /// id's hash, so a probe past an occupied bucket reads that bucket's
    /// record only when the tags agree (a duplicate id, or one pair in four
    /// billion). Inserting one by one read a record at each occupied bucket
    /// passed, a cache miss into the records: 27.6 % of a 10-million-consent
    /// restart's CPU (BENCHMARKS.md). The wide table (twice the kept one) is
    /// released when the kept 4-byte buckets are filled from it.
    /// - Returns: the slot of the first record whose id an earlier record
    ///   has, or nil.
    mutating func build(from records: [RequestRecord]) -> UInt32? {
        precondition(count == 0, "build(from:) fills an empty index")
        var size = 8
        while Self.capacity(size) < records.count { size *= 2 }
        let shift = 64 - size.trailingZeroBitCount
        let mask = size - 1
        let vacant = UInt64.max
        var wide = [UInt64](repeating: vacant, count: size)
        let duplicate: UInt32? = records.withUnsafeBufferPointer { records in
            wide.withUnsafeMutableBufferPointer { wide in
                for slot in records.indices {
                    let id = records[slot].id
                    let hash = Self.mix(id)
                    let entry = (hash << 32) | UInt64(slot)
                    var i = Int(truncatingIfNeeded: hash >> UInt64(shift))
                    while true {
                        let existing = wide[i]
                        if existing == vacant {
                            wide[i] = entry
                            break
                        }
                        if existing >> 32 == hash & 0xFFFF_FFFF, records[Int(UInt32(truncatingIfNeeded: existing))].id == id {
                            return UInt32(slot)
                        }
                        i = (i + 1) & mask
                    }
                }
                return nil
            }
        }
        if let duplicate { return duplicate }
        buckets = wide.map { $0 == vacant ? Self.empty : UInt32(truncatingIfNeeded: $0) }
        self.shift = shift
        count = records.count
        return nil
    }

    /// At most ¾ full, so that a miss (every new id) ends after a few probes.
    private static func capacity(_ size: Int) -> Int { size / 4 * 3 }

    /// Ids are random (version-4 UUIDs from the state's random source), but
    /// tests and old data may use small or patterned ones: mix both halves.
    private func bucket(of id: RequestID) -> Int {
        Int(truncatingIfNeeded: Self.mix(id) >> UInt64(shift))
    }

    /// The hash: its top bits pick the bucket, its low 32 bits are the tag
    /// ``build(from:)`` keeps beside each slot.
    private static func mix(_ id: RequestID) -> UInt64 {
        ((id.high &* 0x9E37_79B9_7F4A_7C15) ^ id.low) &* 0xBF58_476D_1CE4_E5B9
    }

    private mutating func rebuild(size: Int, reading records: [RequestRecord]) {
        let old = buckets
        buckets = [UInt32](repeating: Self.empty, count: size)
        shift = 64 - size.trailingZeroBitCount
        guard count > 0 else { return }
        let mask = size - 1
        for slot in old where slot != Self.empty {
            var i = bucket(of: records[Int(slot)].id)
            while buckets[i] != Self.empty { i = (i + 1) & mask }
            buckets[i] = slot
        }
    }
}

extension SlotIndex: Equatable {
    /// Derived from the records, which ``Tables`` compares itself: the
    /// buckets' order depends on the order of growth, not on the contents.
    static func == (lhs: SlotIndex, rhs: SlotIndex) -> Bool { lhs.count == rhs.count }
}
