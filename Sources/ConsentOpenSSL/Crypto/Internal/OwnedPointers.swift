internal import COpenSSL

// One owner per OpenSSL pointer: each class below holds exactly one pointer,
// takes it over in `init(takingOwnershipOf:)`, and frees it in `deinit`.
// Code that only borrows a pointer reads `.pointer` while the owner is alive
// (`withExtendedLifetime` where the owner could otherwise be released early).

/// Owns an `EVP_PKEY` (a private or public key).
///
/// `@unchecked Sendable`: the key is never mutated after construction, and
/// OpenSSL 3 allows concurrent use of one `EVP_PKEY` (signing and verifying
/// go through its `EC_KEY`, see `OwnedECKey`).
final class OwnedPKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }
}

/// Owns an `EC_KEY`: the legacy view of a P-256 `EVP_PKEY` that ECDSA signs
/// and verifies raw `r‖s` with (see shim_crypto.h for why not `EVP_PKEY_sign`).
///
/// `@unchecked Sendable`: never mutated after construction; OpenSSL signs and
/// verifies with one `EC_KEY` on several threads at once.
final class OwnedECKey: @unchecked Sendable {
    let pointer: OpaquePointer

    /// The EC_KEY of `key`.
    /// - Throws: `OpenSSLError` if the key is not an EC key.
    init(of key: OwnedPKey, _ operation: String) throws {
        guard let pointer = chub_EVP_PKEY_get1_EC_KEY(key.pointer) else {
            throw OpenSSLError.drain(operation)
        }
        self.pointer = pointer
    }

    deinit {
        chub_EC_KEY_free(pointer)
    }
}

/// Owns an `EVP_PKEY_CTX`. The context holds its own reference to the key it
/// was made from (`EVP_PKEY_CTX_new_from_pkey` up-refs it), so it stays valid
/// even if the key's owner goes away first.
///
/// `@unchecked Sendable`: a context is used by one thread at a time; the pool
/// that hands it out guarantees that.
final class OwnedPKeyContext: @unchecked Sendable {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_CTX_free(pointer)
    }
}

/// Owns an `EVP_MD_CTX` (an incremental digest).
final class OwnedDigestContext {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_MD_CTX_free(pointer)
    }
}

/// Owns an `ECDSA_SIG` and, through it, its two `BIGNUM`s.
final class OwnedECDSASignature {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        ECDSA_SIG_free(pointer)
    }
}

/// Owns a `BIGNUM` until it is handed to a `set0` call (see `release()`).
final class OwnedBignum {
    private(set) var pointer: OpaquePointer?

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Gives up ownership: a `set0` call now owns the number.
    func release() {
        pointer = nil
    }

    deinit {
        if let pointer { BN_free(pointer) }
    }
}

/// Owns a `BIO` (a memory buffer for PEM input and output).
final class OwnedBIO {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        BIO_free(pointer)
    }
}
