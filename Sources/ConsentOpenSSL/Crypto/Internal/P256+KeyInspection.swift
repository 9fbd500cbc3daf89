internal import COpenSSL

extension P256 {
    /// Checks that `key` is an EC key on P-256.
    /// - Throws: `OpenSSLError` naming what the key is instead.
    static func requireP256(_ key: OwnedPKey, _ operation: String) throws {
        guard EVP_PKEY_is_a(key.pointer, "EC") == 1 else {
            _ = OpenSSLError.drainErrorQueue()
            throw OpenSSLError(operation: operation, details: ["not an EC key (ES256 needs P-256)"])
        }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key.pointer, &name, name.count, &length) == 1 else {
            throw OpenSSLError.drain(operation)
        }
        let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // OpenSSL names P-256 "prime256v1" (its X9.62 name).
        guard group == "prime256v1" || group == "P-256" || group == "secp256r1" else {
            throw OpenSSLError(operation: operation, details: ["EC key on \(group), ES256 needs P-256"])
        }
    }

    /// Reads the public point's affine coordinates, each left-padded to 32 bytes.
    /// - Throws: `OpenSSLError` if OpenSSL cannot export them.
    static func coordinates(of key: OwnedPKey) throws -> (x: [UInt8], y: [UInt8]) {
        (try coordinate("qx", of: key), try coordinate("qy", of: key))
    }

    private static func coordinate(_ name: String, of key: OwnedPKey) throws -> [UInt8] {
        var raw: OpaquePointer? = nil
        // get_bn_param allocates a new BIGNUM that the caller owns.
        guard EVP_PKEY_get_bn_param(key.pointer, name, &raw) == 1, let raw else {
            throw OpenSSLError.drain("reading the public key's \(name)")
        }
        let number = OwnedBignum(takingOwnershipOf: raw)
        return try [UInt8](unsafeUninitializedCapacity: coordinateCount) { output, initialised in
            guard BN_bn2binpad(number.pointer, output.baseAddress, Int32(coordinateCount)) == Int32(coordinateCount) else {
                throw OpenSSLError.drain("reading the public key's \(name)")
            }
            initialised = coordinateCount
        }
    }
}
