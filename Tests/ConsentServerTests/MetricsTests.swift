#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentProto
import ConsentRPC
import ConsentServer
import ConsentTesting
import Foundation
import Synchronization
import Testing

/// `--metrics-listen`: the Prometheus endpoint an operator scrapes, and
/// `--log-format json`.
@Suite struct MetricsTests {
    /// One HTTP request over a plain TCP socket; returns the status line and the body.
    static func http(_ address: String, _ request: String) throws -> (status: String, body: String) {
        let fd = try connect(address)
        defer { close(fd) }
        _ = request.withCString { write(fd, $0, strlen($0)) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            response += buffer[..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        return (text.components(separatedBy: "\r\n").first ?? "", parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// A TCP connection to `address` (an IPv4 HOST:PORT), with a 20 s receive
    /// timeout: a bound against a hang, not a measurement.
    static func connect(_ address: String) throws -> Int32 {
        let colon = address.lastIndex(of: ":")!
        let port = UInt16(address[address.index(after: colon)...])!
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = port.bigEndian
        target.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw DurabilityTestError("cannot connect to \(address)")
        }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func value(_ body: String, _ series: String) -> Double? {
        body.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test(arguments: TestStorage.allCases)
    func theEndpointCountsCallsByMethodAndStatusAndShowsTheStoreAndTheRole(_ storage: TestStorage) async throws {
        let hub = try TestHub(storage: storage) { $0.metricsListen = "127.0.0.1:0" }
        let address = try #require(hub.server.metricsAddress)
        #expect(address.hasPrefix("127.0.0.1:"), "loopback")
        let bank = try hub.client("consumer")
        for _ in 0..<3 { _ = try await bank.unary(Consent_V1_Health.check, .init()) }
        let created = try await bank.unary(Consent_V1_ConsentService.createRequest, RequestWriters.request())
        #expect(created.request != nil)
        await #expect(throws: RPCError.self) {
            _ = try await bank.unary(Consent_V1_ConsentService.getRequestStatus, .init(requestId: "00000000-0000-4000-8000-000000000000"))
        }

        let (status, body) = try Self.http(address, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(status == "HTTP/1.1 200 OK")
        #expect(Self.value(body, "consenthub_calls_total{method=\"/consent.v1.Health/Check\",code=\"OK\"}") == 3, "\(body)")
        #expect(Self.value(body, "consenthub_calls_total{method=\"/consent.v1.ConsentService/CreateRequest\",code=\"OK\"}") == 1)
        #expect(Self.value(body, "consenthub_calls_total{method=\"/consent.v1.ConsentService/GetRequestStatus\",code=\"NOT_FOUND\"}") == 1)
        #expect(Self.value(body, "consenthub_call_duration_seconds_count{method=\"/consent.v1.Health/Check\"}") == 3)
        #expect(body.contains("# TYPE consenthub_call_duration_seconds histogram"))
        #expect((Self.value(body, "consenthub_store_records_per_sync_count") ?? 0) >= 1, "the demo registry and the request were synced")
        #expect((Self.value(body, "consenthub_store_sync_duration_seconds_count") ?? 0) >= 1)
        #expect(Self.value(body, "consenthub_node_role{role=\"active\"}") == 1)
        #expect(Self.value(body, "consenthub_node_role{role=\"standby\"}") == 0)
        #expect(Self.value(body, "consenthub_node_serving") == 1)
        #expect((Self.value(body, "consenthub_connections_open") ?? 0) >= 1)
        #expect((Self.value(body, "consenthub_events_committed") ?? 0) >= 7)
        #expect((storage == .postgres) == (Self.value(body, "consenthub_standby_lag_records") != nil), "lag only for a shared store")
        #expect(!body.contains(TestHub.demoUserID), "no national identity number")

        #expect(try Self.http(address, "GET /other HTTP/1.1\r\n\r\n").status == "HTTP/1.1 404 Not Found")
        #expect(try Self.http(address, "POST /metrics HTTP/1.1\r\n\r\n").status == "HTTP/1.1 405 Method Not Allowed")
        #expect(try Self.http(address, "garbage\r\n\r\n").status == "HTTP/1.1 400 Bad Request")
        #expect(try Self.http(address, "GET /metrics HTTP/1.1\r\n\r\n").status == "HTTP/1.1 200 OK", "still serving after bad requests")
        #expect(try await bank.unary(Consent_V1_Health.check, .init()).status == .serving)
        bank.close()
        await hub.stop()
    }

    @Test func aTakenMetricsPortStopsTheStartWithAClearMessage() async throws {
        let first = try TestHub(demoRegistry: false) { $0.metricsListen = "127.0.0.1:0" }
        let taken = try #require(first.server.metricsAddress)
        #expect {
            _ = try TestHub(demoRegistry: false) { $0.metricsListen = taken }
        } throws: { error in
            "\(error)".contains("--metrics-listen: cannot listen on \(taken)")
        }
        await first.stop()
    }

    @Test func metricsOptionsParseAndABarePortMeansLoopback() throws {
        guard case .serve(let bare) = try ServerOptions.parse(["--metrics-listen", "9464", "--log-format", "json"]) else {
            Issue.record("not a serve command")
            return
        }
        #expect(bare.metricsListen == "127.0.0.1:9464")
        #expect(bare.logFormat == .json)
        #expect(throws: ConfigurationError.self) { try ServerOptions.parse(["--metrics-listen", "nohost"]) }
        #expect(throws: ConfigurationError.self) { try ServerOptions.parse(["--log-format", "xml"]) }
    }

    @Test func logLinesAreJSONObjectsWithLogFormatJSON() throws {
        let data = TestHub.makeTemporaryDirectory("json-log")
        let server = try ConsentdProcess(certificates: TestHub.certificates, dataDirectory: data, extraArguments: ["--log-format", "json", "--demo-registry"])
        server.signal(SIGTERM)
        #expect(server.waitForExit() == 0)
        let lines = server.log.split(separator: "\n").filter { !$0.isEmpty }
        #expect(lines.count >= 3, "\(server.log)")
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["time"] is String && object?["level"] is String && object?["message"] is String, "not a JSON log line: \(line)")
        }
        #expect(server.log.contains("\"message\":\"consentd stopped\""), "\(server.log)")
    }

    /// A client that connects and sends nothing, and one that sends its
    /// request a byte at a time and never finishes it, must not keep a
    /// scrape from being answered; the endpoint drops both in the end.
    @Test func slowClientsHoldNeitherTheEndpointNorAScrapeAndAreDisconnected() throws {
        let endpoint = try MetricsEndpoint(host: "127.0.0.1", port: 0) { "consenthub_up 1\n" }
        defer { endpoint.stop() }
        let silent = try Self.connect(endpoint.address)
        defer { close(silent) }
        let trickler = try Self.connect(endpoint.address)
        defer { close(trickler) }
        _ = "GET /metrics HTTP/1.1\r\nX-Slow: ".withCString { send(trickler, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        let stopTrickling = Atomic<Bool>(false)
        let trickling = DispatchSemaphore(value: 0)
        let cutOff = Atomic<Bool>(false)
        DispatchQueue.global().async {
            defer { trickling.signal() }
            while !stopTrickling.load(ordering: .relaxed) {
                // One byte every 100 ms: each read of a per-read timeout succeeds.
                if "a".withCString({ send(trickler, $0, 1, Int32(MSG_NOSIGNAL)) }) < 0 {
                    cutOff.store(true, ordering: .relaxed)
                    return
                }
                usleep(100_000)
            }
        }
        defer {
            stopTrickling.store(true, ordering: .relaxed)
            trickling.wait()
        }

        let (status, body) = try Self.http(endpoint.address, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(status == "HTTP/1.1 200 OK", "a scrape is answered while two slow clients are connected")
        #expect(body == "consenthub_up 1\n")

        // Both slow clients are cut off once their time is up (a bound against a hang, not a measurement).
        var buffer = [UInt8](repeating: 0, count: 4096)
        var silentRead = 0
        repeat { silentRead = read(silent, &buffer, buffer.count) } while silentRead > 0
        #expect(silentRead == 0, "the silent client was disconnected (errno \(errno))")
        for _ in 0..<2000 where !cutOff.load(ordering: .relaxed) { usleep(10_000) }
        let trickleCutOff = cutOff.load(ordering: .relaxed)
        #expect(trickleCutOff, "the trickling client was disconnected")
    }
}
