internal import COpenSSL

// Owners of X.509 objects; see Crypto/Internal/OwnedPointers.swift for the rules.

/// Owns one reference to an `X509`.
///
/// `@unchecked Sendable`: certificates are not modified after they are built
/// or parsed, and OpenSSL's reference counting and read accessors are
/// thread-safe.
final class OwnedX509: @unchecked Sendable {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Takes a new reference to a certificate owned elsewhere (for example
    /// the peer certificate of a TLS connection, borrowed through `get0`).
    convenience init(retaining pointer: OpaquePointer) {
        X509_up_ref(pointer)
        self.init(takingOwnershipOf: pointer)
    }

    deinit {
        X509_free(pointer)
    }
}

/// Owns an `X509_NAME` being built.
final class OwnedX509Name {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_NAME_free(pointer)
    }
}

/// Owns an `X509_EXTENSION` until it is copied into a certificate.
final class OwnedX509Extension {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_EXTENSION_free(pointer)
    }
}

/// Owns an `X509_STORE` (trust anchors for one verification).
final class OwnedX509Store {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_STORE_free(pointer)
    }
}

/// Owns an `X509_STORE_CTX` (the state of one verification).
final class OwnedX509StoreContext {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_STORE_CTX_free(pointer)
    }
}

/// Owns an `ASN1_INTEGER` (a serial number being set).
final class OwnedASN1Integer {
    let pointer: UnsafeMutablePointer<ASN1_INTEGER>

    init(takingOwnershipOf pointer: UnsafeMutablePointer<ASN1_INTEGER>) {
        self.pointer = pointer
    }

    deinit {
        ASN1_INTEGER_free(pointer)
    }
}
