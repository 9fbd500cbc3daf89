/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every
/// log record, segment header and snapshot.
///
/// Castagnoli rather than the zlib polynomial because it detects more error
/// patterns at record sizes and is what iSCSI, ext4 and most storage engines use;
/// the check value of `"123456789"` is `0xE3069283`.
///
/// Slicing-by-8: eight bytes per step through eight 256-entry tables, about
/// eight times faster than the bytewise loop, in plain Swift.
public struct CRC32C: Sendable {
    @usableFromInline var state: UInt32 = 0xFFFF_FFFF

    /// Starts an empty checksum.
    public init() {}

    /// The checksum of everything fed so far.
    public var value: UInt32 { ~state }

    /// Feeds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        state = CRC32CTables.shared.update(state, bytes)
    }

    /// Feeds bytes.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds bytes.
    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}

/// The eight lookup tables, built once (a global `let` is initialised lazily
/// and thread-safely).
final class CRC32CTables: Sendable {
    static let shared = CRC32CTables()

    /// 8 × 256 entries; table k at `k * 256`.
    let table: [UInt32]

    private init() {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let previous = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        table = t
    }

    func update(_ start: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return start }
        var remaining = bytes.count
        var crc = start
        return table.withUnsafeBufferPointer { t in
            let t0 = t.baseAddress!
            let t1 = t0 + 256, t2 = t0 + 512, t3 = t0 + 768
            let t4 = t0 + 1024, t5 = t0 + 1280, t6 = t0 + 1536, t7 = t0 + 1792
            while remaining >= 8 {
                let lo = UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)) ^ crc
                let hi = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
                crc = t7[Int(lo & 0xFF)] ^ t6[Int((lo >> 8) & 0xFF)]
                    ^ t5[Int((lo >> 16) & 0xFF)] ^ t4[Int(lo >> 24)]
                    ^ t3[Int(hi & 0xFF)] ^ t2[Int((hi >> 8) & 0xFF)]
                    ^ t1[Int((hi >> 16) & 0xFF)] ^ t0[Int(hi >> 24)]
                p += 8
                remaining -= 8
            }
            while remaining > 0 {
                crc = (crc >> 8) ^ t0[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)]
                p += 1
                remaining -= 1
            }
            return crc
        }
    }
}
