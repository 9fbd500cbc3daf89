internal import COpenSSL

/// A digest algorithm fetched once from the default provider.
///
/// Why: `EVP_sha256()` is a legacy handle, and every use of it makes OpenSSL 3
/// fetch the implementation again (a locked store lookup). Fetching once and
/// keeping the handle for the life of the process removes that cost.
/// `@unchecked Sendable`: a fetched `EVP_MD` is immutable and shared freely.
final class FetchedDigest: @unchecked Sendable {
    let pointer: OpaquePointer

    private init(name: String) {
        guard let pointer = EVP_MD_fetch(nil, name, nil) else {
            // Without SHA-256 nothing in this project can work: a broken
            // OpenSSL installation, not a condition to recover from.
            fatalError("\(OpenSSLError.drain("fetching \(name) from the default provider"))")
        }
        self.pointer = pointer
    }

    deinit {
        EVP_MD_free(pointer)
    }

    /// SHA-256, fetched on first use.
    static let sha256 = FetchedDigest(name: "SHA256")
}
