internal import COpenSSL
import Synchronization

/// A pool of initialised `EVP_PKEY_CTX`s for one key and one operation.
///
/// Why: in OpenSSL 3 making a context and initialising it fetches the
/// signature algorithm from the provider store, which takes locks and costs
/// about as much as a third of an ECDSA signature. Measured on this machine:
/// a fresh `EVP_DigestSign` context per call signs ~14,000/s, a reused
/// `EVP_PKEY_CTX` ~33,000/s (`openssl speed` reuses contexts the same way).
/// A context is not thread-safe, so each caller borrows one exclusively; the
/// lock is held only to pop and push, never while signing.
final class PKeyContextPool: Sendable {
    enum Operation: Sendable {
        case sign
        case verify
    }

    private let key: OwnedPKey
    private let operation: Operation
    private let idle: Mutex<[OwnedPKeyContext]>
    /// More idle contexts than this are freed: enough for every event loop
    /// thread of a large machine without holding memory for a past burst.
    private let maximumIdle = 32

    init(key: OwnedPKey, operation: Operation) {
        self.key = key
        self.operation = operation
        self.idle = Mutex([])
    }

    /// Lends an initialised context to `body`, then returns it to the pool.
    /// - Throws: `OpenSSLError` if a new context cannot be made, or what `body` throws.
    func withContext<Result>(_ body: (OpaquePointer) throws -> Result) throws -> Result {
        let context = try idle.withLock { $0.popLast() } ?? makeContext()
        defer {
            idle.withLock { contexts in
                if contexts.count < maximumIdle { contexts.append(context) }
            }
        }
        return try body(context.pointer)
    }

    private func makeContext() throws -> OwnedPKeyContext {
        // The new context up-refs the key: it holds its own reference.
        guard let raw = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else {
            throw OpenSSLError.drain("creating an EVP_PKEY_CTX")
        }
        let context = OwnedPKeyContext(takingOwnershipOf: raw)
        switch operation {
        case .sign:
            guard EVP_PKEY_sign_init(raw) == 1 else {
                throw OpenSSLError.drain("initialising ECDSA signing")
            }
        case .verify:
            guard EVP_PKEY_verify_init(raw) == 1 else {
                throw OpenSSLError.drain("initialising ECDSA verification")
            }
        }
        // Binding SHA-256 makes OpenSSL reject any digest that is not 32 bytes.
        guard EVP_PKEY_CTX_set_signature_md(raw, FetchedDigest.sha256.pointer) == 1 else {
            throw OpenSSLError.drain("binding SHA-256 to the ECDSA context")
        }
        return context
    }
}
