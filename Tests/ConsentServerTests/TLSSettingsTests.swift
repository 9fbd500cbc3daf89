import ConsentClient
import ConsentProto
import ConsentRPC
import ConsentTesting
import Foundation
import Testing

/// consentd's TLS as an outside client sees it, with `openssl s_client`
/// (issue 11, point 7): TLS 1.3 and 1.2 only; in 1.2 only ECDHE with AEAD;
/// in 1.3 only the GCM and ChaCha20 suites; no renegotiation; no session
/// tickets and no session ids, so nothing to resume; no compression. Each
/// refusal must be the server's (its alert), not the client's own: the
/// client is told to offer what it would not by default (`@SECLEVEL=0`).
@Suite(.serialized) struct TLSSettingsTests {
    struct Run {
        let status: Int32
        let output: String
        /// s_client's summary line, e.g. `New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384`.
        var summary: [String] { output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("New,") || $0.hasPrefix("Reused,") } }
        var connected: Bool { summary.contains { !$0.contains("(NONE)") } }
    }

    /// Runs `openssl s_client` against `hub` as the demo bank. Its standard
    /// input stays open while `conversation` answers more to write (from
    /// the output so far), and closes when it answers nil.
    static func sClient(_ hub: TestHub, _ arguments: [String],
                        conversation: @escaping (String) -> String? = { _ in nil }) throws -> Run {
        let certificates = hub.certificates
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["s_client", "-connect", "127.0.0.1:\(hub.port)", "-servername", "localhost",
                             "-CAfile", certificates.path("ca.pem"), "-cert", certificates.path("consumer.pem"),
                             "-key", certificates.path("consumer.key"), "-alpn", "consent-rpc/1"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        // Waited for through its termination handler, not `waitUntilExit`,
        // whose run loop sometimes never wakes on this toolchain (ChildProcess).
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        // A bound, not a measurement: a hung s_client fails the test instead of hanging it.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        var output = ""
        var inputOpen = true
        var written = ""
        func talk() throws {
            guard inputOpen else { return }
            if let more = conversation(output) {
                if more != written {
                    stdin.fileHandleForWriting.write(Data(more.dropFirst(written.count).utf8))
                    written = more
                }
            } else {
                try stdin.fileHandleForWriting.close()
                inputOpen = false
            }
        }
        try talk()
        while true {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output += String(decoding: chunk, as: UTF8.self)
            try talk()
        }
        if inputOpen { try stdin.fileHandleForWriting.close() }
        exited.wait()
        watchdog.cancel()
        return Run(status: process.terminationStatus, output: output)
    }

    @Test func onlyTLS13And12WithForwardSecrecyAndAEAD() async throws {
        let hub = try TestHub(demoRegistry: false)
        // Accepted: both versions, each AEAD suite the hub offers.
        for (arguments, expected) in [
            (["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"], "New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256"),
            (["-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"], "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384"),
            (["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"], "New, TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256"),
            (["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"], "New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"),
            (["-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"], "New, TLSv1.2, Cipher is ECDHE-ECDSA-AES256-GCM-SHA384"),
            (["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"], "New, TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305"),
        ] {
            let run = try Self.sClient(hub, arguments)
            #expect(run.summary == [expected], "\(arguments): \(run.output)")
            #expect(run.output.contains("Compression: NONE"))
        }
        // Refused by the server's alert: old versions, CBC, SHA-1, static RSA key exchange, CCM.
        for (arguments, alert) in [
            (["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], "alert protocol version"),
            (["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"], "alert protocol version"),
            (["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256@SECLEVEL=0"], "alert handshake failure"),
            (["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA@SECLEVEL=0"], "alert handshake failure"),
            (["-tls1_2", "-cipher", "AES128-GCM-SHA256@SECLEVEL=0"], "alert handshake failure"),
            (["-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256@SECLEVEL=0"], "alert handshake failure"),
            (["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_SHA256"], "alert handshake failure"),
            (["-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_8_SHA256"], "alert handshake failure"),
        ] {
            let run = try Self.sClient(hub, arguments)
            #expect(run.status != 0 && !run.connected, "\(arguments) was accepted: \(run.summary)")
            #expect(run.output.contains(alert), "\(arguments): the server's alert, not the client's refusal: \(run.output)")
        }
        let bank = try hub.client("consumer")
        #expect(try await bank.unary(Consent_V1_Health.check, .init()).status == .serving, "the hub serves on")
        bank.close()
        await hub.stop()
    }

    @Test func aRenegotiationIsRefused() async throws {
        let hub = try TestHub(demoRegistry: false)
        // Once connected, `R` asks s_client to renegotiate; its input stays
        // open until the server has answered (or the watchdog ends it).
        let run = try Self.sClient(hub, ["-tls1_2"]) { output in
            guard output.contains("Verify return code") else { return "" }
            return output.contains("no renegotiation") ? nil : "R\n"
        }
        #expect(run.summary == ["New, TLSv1.2, Cipher is ECDHE-ECDSA-AES256-GCM-SHA384"], "\(run.output)")
        #expect(run.output.contains("RENEGOTIATING"), "the client asked")
        #expect(run.output.contains("no renegotiation"), "and the server said no: \(run.output)")
        await hub.stop()
    }

    @Test func noSessionTicketsAndNothingToResume() async throws {
        let hub = try TestHub(demoRegistry: false)
        // TLS 1.2: no session id, no ticket; each of -reconnect's six connections is new.
        let twelve = try Self.sClient(hub, ["-tls1_2", "-reconnect"])
        #expect(twelve.summary.count == 6 && twelve.summary.allSatisfy { $0.hasPrefix("New, TLSv1.2") }, "\(twelve.summary)")
        #expect(!twelve.output.contains("TLS session ticket"))
        #expect(twelve.output.contains("Session-ID: \n") || twelve.output.contains("Session-ID: \r\n"), "no session id to resume with")
        // TLS 1.3: no NewSessionTicket after the handshake (a server that sends
        // them makes this same invocation print "Post-Handshake New Session Ticket arrived").
        let thirteen = try Self.sClient(hub, ["-tls1_3", "-reconnect"])
        #expect(thirteen.summary.count == 6 && thirteen.summary.allSatisfy { $0.hasPrefix("New, TLSv1.3") }, "\(thirteen.summary)")
        #expect(!thirteen.output.contains("New Session Ticket"), "\(thirteen.output)")
        await hub.stop()
    }
}
