#if canImport(Glibc)
import Glibc
#endif
internal import COpenSSL

/// An OpenSSL `SSL_CTX` configured once from a `TLSConfiguration`.
///
/// Owns the `SSL_CTX` and the ALPN list its callbacks read. A configured
/// context is only read afterwards (OpenSSL makes `SSL_new` on a shared
/// context thread-safe), which is what makes the `@unchecked Sendable` sound:
/// nothing mutates it after `init` returns.
public final class TLSContext: @unchecked Sendable {
    /// Owned (+1 from SSL_CTX_new); freed in deinit.
    let ctx: OpaquePointer
    /// ALPN protocols in wire form (each length-prefixed) behind a 2-byte
    /// big-endian total length; owned here. The server callbacks get it as
    /// their `arg`, so it lives exactly as long as `ctx`.
    private let alpnStorage: UnsafeMutableBufferPointer<UInt8>
    public let configuration: TLSConfiguration

    /// Builds the context, reading every file of the configuration.
    /// - Throws: `OpenSSLError` naming the step that failed and OpenSSL's reasons.
    public init(configuration: TLSConfiguration) throws(OpenSSLError) {
        self.configuration = configuration
        let method = configuration.role == .server ? TLS_server_method() : TLS_client_method()
        guard let ctx = SSL_CTX_new(method) else { throw OpenSSLError.drain("creating an SSL_CTX") }
        self.ctx = ctx

        var wire: [UInt8] = []
        for proto in configuration.applicationProtocols {
            let bytes = Array(proto.utf8)
            precondition(!bytes.isEmpty && bytes.count < 256, "ALPN protocol names are 1...255 bytes")
            wire.append(UInt8(bytes.count))
            wire.append(contentsOf: bytes)
        }
        precondition(wire.count < 65536)
        alpnStorage = .allocate(capacity: wire.count + 2)
        _ = alpnStorage.initialize(from: [UInt8(wire.count >> 8), UInt8(wire.count & 0xFF)] + wire)
        let wireCount = wire.count

        // From here on a throw runs deinit, which frees ctx and alpnStorage.
        let minVersion = configuration.minimumVersion == .v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION
        guard consenthub_SSL_CTX_set_min_proto_version(ctx, minVersion) == 1 else {
            throw OpenSSLError.drain("setting the minimum TLS version")
        }
        if let maximum = configuration.maximumVersion {
            guard consenthub_SSL_CTX_set_max_proto_version(ctx, maximum == .v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION) == 1 else {
                throw OpenSSLError.drain("setting the maximum TLS version")
            }
        }
        // Partial writes: SSL_write returns after each record instead of
        // insisting on the whole buffer, so a full socket never makes us retry
        // megabytes. Moving buffer: the connection appends to its output buffer
        // (which may reallocate) while a write waits for WANT_WRITE.
        // RELEASE_BUFFERS is left off: it would free and malloc the 16 KiB
        // record buffers on every idle/busy transition, i.e. nearly every turn.
        _ = consenthub_SSL_CTX_set_mode(
            ctx, consenthub_SSL_MODE_ENABLE_PARTIAL_WRITE() | consenthub_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER())
        // Read-ahead: OpenSSL reads as much as its buffer holds per read(2)
        // instead of a 5-byte header and then the record body: half the syscalls.
        consenthub_SSL_CTX_set_read_ahead(ctx, 1)
        _ = SSL_CTX_set_options(
            ctx, consenthub_SSL_OP_NO_COMPRESSION() | consenthub_SSL_OP_NO_RENEGOTIATION())
        // TLS 1.2 (1.3 has its own, all AEAD): forward secrecy and AEAD only,
        // no CBC or SHA-1 suites a downgraded peer could pick.
        guard SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") == 1 else {
            throw OpenSSLError.drain("setting the TLS 1.2 cipher suites")
        }

        if let chain = configuration.certificateChainFile {
            guard SSL_CTX_use_certificate_chain_file(ctx, chain) == 1 else {
                throw OpenSSLError.drain("loading the certificate chain \(chain)")
            }
        }
        if let key = configuration.privateKeyFile {
            guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 else {
                throw OpenSSLError.drain("loading the private key \(key)")
            }
            guard SSL_CTX_check_private_key(ctx) == 1 else {
                throw OpenSSLError.drain("checking that the private key \(key) matches the certificate")
            }
        }
        if let roots = configuration.trustRootsFile {
            guard SSL_CTX_load_verify_locations(ctx, roots, nil) == 1 else {
                throw OpenSSLError.drain("loading the CA file \(roots)")
            }
        }

        let arg = UnsafeMutableRawPointer(alpnStorage.baseAddress!)
        switch configuration.role {
        case .server:
            guard configuration.certificateChainFile != nil, configuration.privateKeyFile != nil else {
                throw OpenSSLError(operation: "a TLS server needs a certificate chain and a private key", details: [])
            }
            if configuration.requireClientCertificate {
                guard let roots = configuration.trustRootsFile else {
                    throw OpenSSLError(operation: "requiring client certificates needs a client CA file", details: [])
                }
                // The CA names sent in the CertificateRequest. SSL_load_client_CA_file
                // returns a new stack (+1); SSL_CTX_set_client_CA_list is a set0:
                // the context owns and frees it from here on.
                guard let names = SSL_load_client_CA_file(roots) else {
                    throw OpenSSLError.drain("reading the client CA names from \(roots)")
                }
                SSL_CTX_set_client_CA_list(ctx, names)
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
            }
            // Connections are long-lived (a bank keeps a handful open for hours),
            // so resumption would save almost nothing; without a session cache or
            // tickets a stolen ticket key can never decrypt recorded traffic and
            // every connection verifies the client certificate in full.
            _ = consenthub_SSL_CTX_set_session_cache_mode(ctx, consenthub_SSL_SESS_CACHE_OFF())
            _ = SSL_CTX_set_options(ctx, consenthub_SSL_OP_NO_TICKET())
            _ = SSL_CTX_set_num_tickets(ctx, 0)
            if wireCount > 0 {
                // A client that offers no ALPN never reaches the select callback,
                // so the ClientHello callback refuses it first.
                SSL_CTX_set_client_hello_cb(ctx, tlsClientHelloRequiresALPN, arg)
                SSL_CTX_set_alpn_select_cb(ctx, tlsSelectALPN, arg)
            }
        case .client:
            if configuration.verifyServer {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
            }
            if wireCount > 0 {
                // Unlike nearly everything else in OpenSSL this returns 0 on success.
                guard SSL_CTX_set_alpn_protos(ctx, alpnStorage.baseAddress! + 2, UInt32(wireCount)) == 0 else {
                    throw OpenSSLError.drain("setting the ALPN protocols")
                }
            }
        }
    }

    deinit {
        SSL_CTX_free(ctx)
        alpnStorage.deallocate()
    }
}

/// ClientHello callback of a server: a hello without the ALPN extension is
/// refused with the `no_application_protocol` alert.
private func tlsClientHelloRequiresALPN(
    _ ssl: OpaquePointer?, _ alert: UnsafeMutablePointer<Int32>?, _ arg: UnsafeMutableRawPointer?
) -> Int32 {
    var data: UnsafePointer<UInt8>? = nil
    var length = 0
    // get0: `data` points into the ClientHello, owned by `ssl`; we only test presence.
    if SSL_client_hello_get0_ext(ssl, UInt32(TLSEXT_TYPE_application_layer_protocol_negotiation), &data, &length) == 1,
        length > 0
    {
        return SSL_CLIENT_HELLO_SUCCESS
    }
    alert?.pointee = SSL_AD_NO_APPLICATION_PROTOCOL
    return SSL_CLIENT_HELLO_ERROR
}

/// ALPN select callback of a server: picks our first protocol the client
/// offers, or fails the handshake (fatal alert) when there is none.
private func tlsSelectALPN(
    _ ssl: OpaquePointer?,
    _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    _ outLength: UnsafeMutablePointer<UInt8>?,
    _ offered: UnsafePointer<UInt8>?,
    _ offeredLength: UInt32,
    _ arg: UnsafeMutableRawPointer?
) -> Int32 {
    guard let arg, let out, let outLength, let offered else { return SSL_TLSEXT_ERR_ALERT_FATAL }
    let storage = arg.assumingMemoryBound(to: UInt8.self)
    let total = Int(storage[0]) << 8 | Int(storage[1])
    let ours = storage + 2
    // Our order wins. `out` must point into `offered` (owned by `ssl`, alive
    // for the handshake), never into our own list.
    var i = 0
    while i < total {
        let length = Int(ours[i])
        var j = 0
        while j < Int(offeredLength) {
            let theirs = Int(offered[j])
            if theirs == length, j + 1 + theirs <= Int(offeredLength), memcmp(ours + i + 1, offered + j + 1, length) == 0 {
                out.pointee = offered + j + 1
                outLength.pointee = UInt8(theirs)
                return SSL_TLSEXT_ERR_OK
            }
            j += 1 + theirs
        }
        i += 1 + length
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL
}
