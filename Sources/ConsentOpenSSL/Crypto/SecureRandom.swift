internal import COpenSSL

/// Bytes from OpenSSL's CSPRNG (`RAND_bytes`: a per-thread DRBG seeded from the
/// operating system's entropy source).
public enum SecureRandom {
    /// Fills `buffer` with cryptographically strong random bytes.
    ///
    /// - Important: If OpenSSL cannot produce strong randomness (its DRBG
    ///   failed to seed) the process stops. Codes, token ids and serial
    ///   numbers made from weak bytes would be guessable; there is no safe way
    ///   to continue.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard var next = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var remaining = buffer.count
        while remaining > 0 {
            // RAND_bytes takes an Int32 count: fill large buffers in chunks.
            let chunk = min(remaining, 1 << 30)
            guard RAND_bytes(next, Int32(chunk)) == 1 else {
                fatalError("\(OpenSSLError.drain("drawing random bytes"))")
            }
            next += chunk
            remaining -= chunk
        }
    }

    /// Returns `count` cryptographically strong random bytes.
    ///
    /// - Important: Stops the process if OpenSSL's generator fails; see `fill(_:)`.
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "a negative number of random bytes")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialised in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialised = count
        }
    }
}
