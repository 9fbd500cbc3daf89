#if canImport(Glibc)
import Glibc
#endif
internal import COpenSSL

/// The outcome of a step of the handshake.
public enum TLSHandshakeResult: Sendable, Equatable {
    case complete
    /// Call again when the socket is readable.
    case wantRead
    /// Call again when the socket is writable.
    case wantWrite
    /// The peer closed the connection during the handshake.
    case closed
    case error(OpenSSLError)
}

/// The outcome of `read` or `write`.
public enum TLSIOResult: Sendable, Equatable {
    /// This many bytes were read or written (at least 1).
    case bytes(Int)
    /// Nothing more until the socket is readable.
    case wantRead
    /// Nothing more until the socket is writable.
    case wantWrite
    /// The peer is gone: `zeroReturn` when it sent close_notify, false for a
    /// bare EOF or reset.
    case closed(zeroReturn: Bool)
    case error(OpenSSLError)
}

/// The subject names of the verified peer certificate that ConsentHub uses.
public struct TLSPeerSubject: Sendable, Hashable {
    /// Subject `serialNumber` (NID_serialNumber, OID 2.5.4.5): the organisation
    /// number in Norwegian enterprise certificates.
    public var serialNumber: String?
    /// Subject `CN`.
    public var commonName: String?

    public init(serialNumber: String?, commonName: String?) {
        self.serialNumber = serialNumber
        self.commonName = commonName
    }
}

/// One TLS session (`SSL`) over a non-blocking socket the caller owns.
///
/// Not thread-safe: a connection is used by one event loop thread at a time.
/// The `@unchecked Sendable` only allows handing it to that thread once.
/// Every failure empties OpenSSL's (thread-local) error queue into the
/// returned `OpenSSLError`, so the next operation on the thread starts clean.
public final class TLSConnection: @unchecked Sendable {
    /// Owned (+1 from SSL_new); freed by `release()` or in deinit. Holds a
    /// reference on the SSL_CTX. nil once released: every operation then
    /// reports the connection closed.
    private var ssl: OpaquePointer?
    /// Keeps the context (and the ALPN list its callbacks read) alive.
    public let context: TLSContext

    /// - Parameters:
    ///   - fileDescriptor: a connected non-blocking socket; it stays the
    ///     caller's to close, after this object is done with it.
    ///   - serverName: client only: the name or IP literal the connection was
    ///     opened to. Names are sent as SNI and verified against the
    ///     certificate's DNS names; IP literals are verified against its IP addresses.
    public init(context: TLSContext, fileDescriptor: Int32, serverName: String? = nil) throws(OpenSSLError) {
        self.context = context
        guard let ssl = SSL_new(context.ctx) else { throw OpenSSLError.drain("creating an SSL session") }
        self.ssl = ssl
        // The socket BIO that SSL_set_fd creates is owned by `ssl` (BIO_NOCLOSE:
        // it does not close the fd).
        guard SSL_set_fd(ssl, fileDescriptor) == 1 else { throw OpenSSLError.drain("attaching the socket") }
        switch context.configuration.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            if let serverName, context.configuration.verifyServer {
                // get0: the parameters belong to `ssl`; set1 copies the name in.
                let param = SSL_get0_param(ssl)
                if Self.isIPLiteral(serverName) {
                    guard X509_VERIFY_PARAM_set1_ip_asc(param, serverName) == 1 else {
                        throw OpenSSLError.drain("setting the expected server address \(serverName)")
                    }
                } else {
                    guard X509_VERIFY_PARAM_set1_host(param, serverName, 0) == 1 else {
                        throw OpenSSLError.drain("setting the expected server name \(serverName)")
                    }
                }
            }
            if let serverName, !Self.isIPLiteral(serverName) {
                // SNI carries names only (RFC 6066 forbids literal addresses). Copied by OpenSSL.
                guard consenthub_SSL_set_tlsext_host_name(ssl, serverName) == 1 else {
                    throw OpenSSLError.drain("setting SNI \(serverName)")
                }
            }
        }
    }

    deinit {
        if let ssl { SSL_free(ssl) }
    }

    /// Frees the session (its record buffers, the peer's certificate) now,
    /// before the object goes: a closed server connection may be referenced
    /// for a while longer. Every later operation reports `closed`.
    public func release() {
        guard let ssl else { return }
        self.ssl = nil
        SSL_free(ssl)
    }

    /// Gives OpenSSL's record buffers back while the connection is idle
    /// (`SSL_free_buffers`: about 34 KiB with read-ahead). Nothing is freed
    /// while a record is partly read or written; OpenSSL allocates the
    /// buffers again at the next read or write.
    /// - Returns: whether they were freed.
    @discardableResult
    public func releaseIdleBuffers() -> Bool {
        guard let ssl else { return false }
        return SSL_free_buffers(ssl) == 1
    }

    static func isIPLiteral(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }

    /// Runs the handshake as far as the socket allows.
    public func handshake() -> TLSHandshakeResult {
        guard let ssl else { return .closed }
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .complete }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            let code = errno
            let details = OpenSSLError.drainErrorQueue()
            if details.isEmpty && (rc == 0 || code == 0) { return .closed }
            return .error(OpenSSLError(operation: "TLS handshake", details: details + Self.errnoDetail(code)))
        default:
            return .error(handshakeError(ssl))
        }
    }

    /// The handshake error with the verification result spelled out when the
    /// certificate was the problem (OpenSSL's queue only says "certificate verify failed").
    private func handshakeError(_ ssl: OpaquePointer) -> OpenSSLError {
        var error = OpenSSLError.drain("TLS handshake")
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK, let text = X509_verify_cert_error_string(verify) {
            // Static string owned by OpenSSL.
            error.details.append("certificate verification: \(String(cString: text))")
        }
        return error
    }

    /// Reads decrypted bytes into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> TLSIOResult {
        guard let ssl else { return .closed(zeroReturn: false) }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        let rc = SSL_read(ssl, base, Int32(clamping: buffer.count))
        if rc > 0 { return .bytes(Int(rc)) }
        return failure(ssl, rc, operation: "SSL_read")
    }

    /// Writes bytes; with partial writes enabled this may take only a prefix.
    /// After `.wantWrite` the next write must start with the same bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) -> TLSIOResult {
        guard let ssl else { return .closed(zeroReturn: false) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .bytes(0) }
        let rc = SSL_write(ssl, base, Int32(clamping: bytes.count))
        if rc > 0 { return .bytes(Int(rc)) }
        return failure(ssl, rc, operation: "SSL_write")
    }

    /// Sends close_notify (once). Does not wait for the peer's.
    /// - Returns: `.bytes(0)` when sent, `.wantWrite` when the socket was full.
    @discardableResult
    public func shutdown() -> TLSIOResult {
        guard let ssl else { return .closed(zeroReturn: false) }
        let rc = SSL_shutdown(ssl)
        if rc >= 0 { return .bytes(0) }
        return failure(ssl, rc, operation: "SSL_shutdown")
    }

    private func failure(_ ssl: OpaquePointer, _ rc: Int32, operation: String) -> TLSIOResult {
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            return .closed(zeroReturn: true)
        case SSL_ERROR_SYSCALL:
            let code = errno
            let details = OpenSSLError.drainErrorQueue()
            if details.isEmpty && (code == 0 || code == ECONNRESET || code == EPIPE) { return .closed(zeroReturn: false) }
            return .error(OpenSSLError(operation: operation, details: details + Self.errnoDetail(code)))
        case SSL_ERROR_SSL:
            // OpenSSL 3 reports a bare EOF as an SSL error; it is still just a close.
            if ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING {
                _ = OpenSSLError.drainErrorQueue()
                return .closed(zeroReturn: false)
            }
            return .error(OpenSSLError.drain(operation))
        default:
            return .error(OpenSSLError.drain(operation))
        }
    }

    private static func errnoDetail(_ code: Int32) -> [String] {
        guard code != 0, let text = strerror(code) else { return [] }
        return [String(cString: text)]
    }

    /// The ALPN protocol both sides agreed on, nil if none.
    public var negotiatedProtocol: String? {
        guard let ssl else { return nil }
        var data: UnsafePointer<UInt8>? = nil
        var length: UInt32 = 0
        // get0: points into `ssl`'s session; copied out at once.
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// "TLSv1.3" or "TLSv1.2".
    public var protocolVersion: String {
        // Static string owned by OpenSSL.
        guard let ssl else { return "" }
        return String(cString: SSL_get_version(ssl))
    }

    /// Whether the peer's certificate chain verified (the handshake would have
    /// failed otherwise when verification is on; this is a second check).
    public var peerVerified: Bool {
        guard let ssl else { return false }
        return SSL_get_verify_result(ssl) == X509_V_OK
    }

    /// The names of the peer's certificate, nil when it sent none.
    public func peerSubject() -> TLSPeerSubject? {
        // get1: a new reference (+1) that we release in the defer.
        guard let ssl, let cert = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(cert) }
        // get0: the name belongs to `cert`.
        guard let name = X509_get_subject_name(cert) else { return nil }
        return TLSPeerSubject(
            serialNumber: Self.entry(name, nid: NID_serialNumber),
            commonName: Self.entry(name, nid: NID_commonName))
    }

    /// The first entry of `nid` in an X509_NAME as UTF-8, nil if absent or empty.
    private static func entry(_ name: OpaquePointer, nid: Int32) -> String? {
        let index = X509_NAME_get_index_by_NID(name, nid, -1)
        guard index >= 0 else { return nil }
        // get0 both: the entry and its data belong to `name`.
        guard let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else {
            return nil
        }
        var utf8: UnsafeMutablePointer<UInt8>? = nil
        // Allocates `utf8` (ours: OPENSSL_free).
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else {
            _ = OpenSSLError.drainErrorQueue()
            return nil
        }
        defer { consenthub_OPENSSL_free(utf8) }
        guard length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }
}
