/// A statement parameter in PostgreSQL's binary format, with its type OID.
struct PGParameter {
    var type: UInt32
    var bytes: [UInt8]

    // Type OIDs (pg_type.dat): fixed since PostgreSQL 7.
    static let int8OID: UInt32 = 20
    static let int4OID: UInt32 = 23
    static let textOID: UInt32 = 25
    static let int2ArrayOID: UInt32 = 1005
    static let byteaArrayOID: UInt32 = 1001
    static let int2OID: UInt32 = 21
    static let byteaOID: UInt32 = 17
    static let boolOID: UInt32 = 16

    static func int64(_ value: Int64) -> PGParameter {
        PGParameter(type: int8OID, bytes: withUnsafeBytes(of: value.bigEndian) { Array($0) })
    }

    static func int32(_ value: Int32) -> PGParameter {
        PGParameter(type: int4OID, bytes: withUnsafeBytes(of: value.bigEndian) { Array($0) })
    }

    static func bool(_ value: Bool) -> PGParameter {
        PGParameter(type: boolOID, bytes: [value ? 1 : 0])
    }

    static func bytea(_ value: [UInt8]) -> PGParameter {
        PGParameter(type: byteaOID, bytes: value)
    }

    /// Text is sent in binary format as its UTF-8 bytes.
    static func text(_ value: String) -> PGParameter {
        PGParameter(type: textOID, bytes: Array(value.utf8))
    }
}

/// Builds a one-dimensional array in PostgreSQL's binary format
/// (`array_send`): a 20-byte header, then each element as a big-endian
/// 32-bit length and its bytes. The header's element count is written last,
/// so elements can be appended one by one (under the append path's lock)
/// into a buffer that already reserved it.
struct PGBinaryArray {
    static let headerSize = 20

    /// An empty array buffer with room for the header.
    static func empty(capacity: Int = 0) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: headerSize)
        bytes.reserveCapacity(headerSize + capacity)
        return bytes
    }

    static func appendElement(_ element: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        appendBigEndian(UInt32(element.count), to: &bytes)
        bytes.append(contentsOf: element)
    }

    static func appendInt16Element(_ value: Int16, to bytes: inout [UInt8]) {
        appendBigEndian(UInt32(2), to: &bytes)
        appendBigEndian(UInt16(bitPattern: value), to: &bytes)
    }

    /// Fills in the header: one dimension of `count` elements of `elementType`, no nulls.
    static func sealHeader(_ bytes: inout [UInt8], count: Int, elementType: UInt32) {
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(1).bigEndian, toByteOffset: 0, as: UInt32.self)  // dimensions
            raw.storeBytes(of: UInt32(0).bigEndian, toByteOffset: 4, as: UInt32.self)  // has nulls
            raw.storeBytes(of: elementType.bigEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: UInt32(count).bigEndian, toByteOffset: 12, as: UInt32.self)
            raw.storeBytes(of: UInt32(1).bigEndian, toByteOffset: 16, as: UInt32.self)  // lower bound
        }
    }

    private static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
