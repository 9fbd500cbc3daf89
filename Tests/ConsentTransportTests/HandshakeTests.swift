import Foundation
import Testing
import ConsentClient
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import ConsentTesting
@testable import ConsentTransport

@Suite("TLS handshake and identity")
struct HandshakeTests {
    @Test("a valid client certificate is accepted and its serialNumber is the principal")
    func validCertificate() async throws {
        let server = try TestServer()
        let client = try server.client()
        let result = client.call(TestMethod.peer)
        #expect(result.code == .ok)
        #expect(String(decoding: result.payload, as: UTF8.self) == "123456789")
        client.close()
        await server.shutdown()
    }

    @Test("a certificate with only a CN uses the CN as principal")
    func cnOnly() async throws {
        let server = try TestServer()
        let client = try server.client(TestServer.certs.cnOnly)
        #expect(String(decoding: client.call(TestMethod.peer).payload, as: UTF8.self) == "CN Only Org")
        client.close()
        await server.shutdown()
    }

    @Test("the server name is verified for DNS names too")
    func localhostName() async throws {
        let server = try TestServer()
        let client = try server.client(host: "localhost")
        #expect(client.call(TestMethod.echo, [1]).code == .ok)
        client.close()
        await server.shutdown()
    }

    @Test("a certificate with neither serialNumber nor CN gets GoAway PROTOCOL_ERROR")
    func anonymousCertificate() async throws {
        let server = try TestServer()
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.anonymous))
        let (frames, closed) = raw.readUntilClosed()
        #expect(goAwayCode(frames) == .protocolError)
        if case .goAway(let g)? = frames.first?.kind {
            #expect(g.reason == "client certificate has no serialNumber or CN")
        }
        #expect(closed)
        #expect(throws: RPCError.self) { try server.client(TestServer.certs.anonymous) }
        await server.shutdown()
    }

    @Test("a client without a certificate is rejected")
    func noClientCertificate() async throws {
        let server = try TestServer()
        do {
            _ = try server.client(nil)
            Issue.record("connected without a certificate")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("certificate"), "\(error.message)")
        }
        #expect(server.server.stats.handshakeFailures >= 1)
        await server.shutdown()
    }

    @Test("a certificate from another CA is rejected")
    func otherCA() async throws {
        let server = try TestServer()
        do {
            _ = try server.client(TestServer.certs.stranger)
            Issue.record("connected with a certificate of another CA")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("unknown ca") || error.message.contains("certificate"), "\(error.message)")
        }
        await server.shutdown()
    }

    @Test("a client offering another ALPN protocol, or none, fails the handshake")
    func wrongALPN() async throws {
        let server = try TestServer()
        for alpn in [["h2"], []] {
            let context = try server.clientTLS(TestServer.certs.bank, alpn: alpn)
            #expect(throws: OpenSSLError.self) { try RawTLSClient(port: server.port, context: context) }
        }
        // The server is unharmed.
        let client = try server.client()
        #expect(client.call(TestMethod.echo, [9]).payload == [9])
        client.close()
        await server.shutdown()
    }

    @Test("a server certificate for another name is refused by the client")
    func wrongServerName() async throws {
        let server = try TestServer()
        let tls = try server.clientTLS(TestServer.certs.bank)
        #expect(throws: RPCError.self) {
            try ConsentClient(connection: .init(host: "127.0.0.1", port: server.port, tls: tls, serverName: "consent.example"))
        }
        await server.shutdown()
    }

    @Test("connection refused is a clear UNAVAILABLE")
    func refused() throws {
        // Bind and close to get a port nobody listens on.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        close(fd)
        let certs = TestServer.certs
        do {
            _ = try ConsentClient(configuration: .init(port: port, caFile: certs.caFile, certificateFile: certs.bank.certificate, keyFile: certs.bank.key))
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.message == "cannot connect to 127.0.0.1:\(port): Connection refused")
        }
    }

    @Test("a connection that never starts TLS is closed after the handshake timeout")
    func handshakeTimeout() async throws {
        let server = try TestServer { $0.handshakeTimeout = .milliseconds(200) }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(server.port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(rc == 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        #expect(read(fd, &byte, 1) == 0)  // EOF: the server gave up
        await server.shutdown()
    }

    @Test("a TLS 1.2 client is accepted, with the same identity rules")
    func tls12() async throws {
        let server = try TestServer()
        let certs = TestServer.certs
        let tls = try TLSContext(configuration: TLSConfiguration(
            role: .client, certificateChainFile: certs.bank.certificate, privateKeyFile: certs.bank.key,
            trustRootsFile: certs.caFile, maximumVersion: .v1_2))
        let raw = try RawTLSClient(port: server.port, context: tls)
        #expect(raw.tls.protocolVersion == "TLSv1.2")
        #expect(raw.tls.negotiatedProtocol == "consent-rpc/1")
        raw.send(requestFrame(callID: 1, method: TestMethod.peer))
        if case .response(let r)? = raw.readFrames(1).first?.kind {
            #expect(String(decoding: r.payload, as: UTF8.self) == "123456789")
        } else {
            Issue.record("no response over TLS 1.2")
        }
        // Without a client certificate TLS 1.2 fails inside the handshake itself.
        let anonymous = try TLSContext(configuration: TLSConfiguration(role: .client, trustRootsFile: certs.caFile, maximumVersion: .v1_2))
        #expect(throws: OpenSSLError.self) { try RawTLSClient(port: server.port, context: anonymous) }
        await server.shutdown()
    }

    @Test("TLS 1.2 offers only forward-secret AEAD suites: a CBC-only client is refused")
    func tls12Suites() async throws {
        let server = try TestServer()
        let certs = TestServer.certs
        func handshake(cipher: String) throws -> (status: Int32, output: String) {
            let outcome = try ChildProcess.outcome([
                "/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:\(server.port)", "-tls1_2", "-cipher", cipher, "-alpn", "consent-rpc/1",
                "-cert", certs.bank.certificate, "-key", certs.bank.key, "-CAfile", certs.caFile, "-brief",
            ])
            return (outcome.status, outcome.output)
        }
        let cbc = try handshake(cipher: "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:AES128-SHA")
        #expect(cbc.status != 0, "a CBC suite was accepted: \(cbc.output)")
        let gcm = try handshake(cipher: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256")
        #expect(gcm.status == 0 && gcm.output.contains("GCM"), "\(gcm.output)")
        await server.shutdown()
    }

    @Test("TLS 1.3 is negotiated with ALPN consent-rpc/1")
    func negotiated() async throws {
        let server = try TestServer()
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        #expect(raw.tls.negotiatedProtocol == "consent-rpc/1")
        #expect(raw.tls.protocolVersion == "TLSv1.3")
        await server.shutdown()
    }
}

@Suite("TCP keepalive on accepted connections")
struct KeepaliveTests {
    /// The server side of our connection in /proc/net/tcp runs the keepalive
    /// timer (`tr` 2), due within a minute: a peer that vanished without a
    /// FIN is found even while a stream keeps the connection from idling out.
    @Test func acceptedConnectionsProbeTheirPeer() async throws {
        let server = try TestServer()
        let raw = try RawTLSClient(port: server.port, context: server.clientTLS(TestServer.certs.bank))
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(raw.fd, $0, &length) }
        }
        let clientPort = Int(UInt16(bigEndian: address.sin_port))
        func hex(_ port: Int) -> String {
            let digits = String(port, radix: 16, uppercase: true)
            return ":" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        }
        let local = hex(server.port), remote = hex(clientPort)
        // Read, not stat-sized: procfs files report a size of 0.
        let file = try #require(FileHandle(forReadingAtPath: "/proc/net/tcp"))
        let table = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        let row = table.split(separator: "\n").map { $0.split(separator: " ") }.first { $0.count > 5 && $0[1].hasSuffix(local) && $0[2].hasSuffix(remote) }
        let timer = try #require(row?[5], "the server's socket for port \(clientPort) is in /proc/net/tcp")
        let parts = timer.split(separator: ":")
        #expect(parts.first == "02", "keepalive timer running: \(timer)")
        #expect((Int(parts.last ?? "", radix: 16) ?? .max) <= 60 * 100, "due within 60 s: \(timer)")
        await server.shutdown()
    }
}
