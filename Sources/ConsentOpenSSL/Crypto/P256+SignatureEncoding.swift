internal import COpenSSL

extension P256 {
    /// The longest DER ECDSA-Sig-Value for P-256: SEQUENCE of two INTEGERs of
    /// at most 33 bytes (a leading zero keeps a high-bit number positive).
    static let maximumDERSignatureCount = 72

    /// Converts OpenSSL's DER signature to the raw `r‖s` form, each number
    /// left-padded with zeros to 32 bytes.
    ///
    /// - Throws: `OpenSSLError` if `der` is not one complete DER signature or a
    ///   number does not fit in 32 bytes.
    static func rawSignature(fromDER der: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard let start = der.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw OpenSSLError(operation: "decoding a DER signature", details: ["empty input"])
        }
        var cursor: UnsafePointer<UInt8>? = UnsafePointer(start)
        guard let raw = d2i_ECDSA_SIG(nil, &cursor, der.count) else {
            throw OpenSSLError.drain("decoding a DER signature")
        }
        let signature = OwnedECDSASignature(takingOwnershipOf: raw)
        // Trailing bytes after the SEQUENCE mean this was not one signature.
        guard cursor == UnsafePointer(start) + der.count else {
            throw OpenSSLError(operation: "decoding a DER signature", details: ["trailing bytes"])
        }
        var r: OpaquePointer? = nil
        var s: OpaquePointer? = nil
        // get0: r and s stay owned by `signature`; they are read before it is freed.
        ECDSA_SIG_get0(signature.pointer, &r, &s)
        return try withExtendedLifetime(signature) {
            try [UInt8](unsafeUninitializedCapacity: rawSignatureCount) { output, initialised in
                let base = output.baseAddress!
                // bn2binpad fails (-1) when a number needs more than 32 bytes.
                guard BN_bn2binpad(r, base, Int32(coordinateCount)) == Int32(coordinateCount),
                      BN_bn2binpad(s, base + coordinateCount, Int32(coordinateCount)) == Int32(coordinateCount) else {
                    throw OpenSSLError.drain("converting a DER signature to r‖s")
                }
                initialised = rawSignatureCount
            }
        }
    }

    /// Converts a raw `r‖s` signature to DER for OpenSSL.
    ///
    /// - Returns: the DER bytes, or `nil` if `raw` is not exactly 64 bytes or
    ///   r or s is outside [1, n-1] (no valid signature has such values, and
    ///   rejecting them here keeps edge cases away from the verifier).
    static func derSignature(fromRaw raw: UnsafeRawBufferPointer) -> [UInt8]? {
        guard raw.count == rawSignatureCount,
              isInSignatureRange(UnsafeRawBufferPointer(rebasing: raw[0..<32])),
              isInSignatureRange(UnsafeRawBufferPointer(rebasing: raw[32..<64])) else {
            return nil
        }
        let base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard let rawR = BN_bin2bn(base, Int32(coordinateCount), nil),
              let rawS = BN_bin2bn(base + coordinateCount, Int32(coordinateCount), nil) else {
            _ = OpenSSLError.drainErrorQueue()
            return nil
        }
        let r = OwnedBignum(takingOwnershipOf: rawR)
        let s = OwnedBignum(takingOwnershipOf: rawS)
        guard let rawSignature = ECDSA_SIG_new() else {
            _ = OpenSSLError.drainErrorQueue()
            return nil
        }
        let signature = OwnedECDSASignature(takingOwnershipOf: rawSignature)
        // set0: on success the signature owns r and s and frees them with itself.
        guard ECDSA_SIG_set0(signature.pointer, r.pointer, s.pointer) == 1 else {
            _ = OpenSSLError.drainErrorQueue()
            return nil
        }
        r.release()
        s.release()
        return [UInt8](unsafeUninitializedCapacity: maximumDERSignatureCount) { output, initialised in
            var cursor: UnsafeMutablePointer<UInt8>? = output.baseAddress
            let length = i2d_ECDSA_SIG(signature.pointer, &cursor)
            if length <= 0 || Int(length) > maximumDERSignatureCount {
                _ = OpenSSLError.drainErrorQueue()
                initialised = 0
            } else {
                initialised = Int(length)
            }
        }.nilIfEmpty
    }
}

extension Array where Element == UInt8 {
    fileprivate var nilIfEmpty: [UInt8]? { isEmpty ? nil : self }
}
