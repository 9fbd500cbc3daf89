internal import COpenSSL

/// Memory `BIO`s for PEM and DER input and output.
enum MemoryBIO {
    /// Runs `body` with a read-only `BIO` over `bytes`.
    ///
    /// `BIO_new_mem_buf` does not copy, so the `BIO` must not outlive the
    /// buffer: it is freed before this function returns.
    /// - Throws: `OpenSSLError` if the `BIO` cannot be made, or what `body` throws.
    static func reading<Result>(
        _ bytes: [UInt8],
        _ operation: String,
        _ body: (OpaquePointer) throws -> Result
    ) throws -> Result {
        try bytes.withUnsafeBytes { buffer in
            guard let raw = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else {
                throw OpenSSLError.drain(operation)
            }
            let bio = OwnedBIO(takingOwnershipOf: raw)
            return try withExtendedLifetime(bio) { try body(bio.pointer) }
        }
    }

    /// Runs `body` with an empty writable memory `BIO` and returns what it wrote.
    /// - Throws: `OpenSSLError` if the `BIO` cannot be made, or what `body` throws.
    static func writing(_ operation: String, _ body: (OpaquePointer) throws -> Void) throws -> [UInt8] {
        guard let raw = BIO_new(BIO_s_mem()) else {
            throw OpenSSLError.drain(operation)
        }
        let bio = OwnedBIO(takingOwnershipOf: raw)
        return try withExtendedLifetime(bio) {
            try body(bio.pointer)
            var data: UnsafeMutablePointer<CChar>? = nil
            // get_mem_data: `data` is borrowed from the BIO, copied out below
            // before the BIO is freed.
            let length = chub_BIO_get_mem_data(bio.pointer, &data)
            guard length > 0, let data else { return [] }
            return [UInt8](UnsafeRawBufferPointer(start: data, count: Int(length)))
        }
    }
}
