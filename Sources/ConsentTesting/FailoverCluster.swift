#if canImport(Glibc)
import Glibc
#endif
import ConsentClient
import ConsentOpenSSL
import ConsentProto
import ConsentRPC
import Foundation
import Synchronization

/// Several real `consentd` nodes sharing one PostgreSQL database, each on a
/// port of its own that it keeps across restarts: the harness of the
/// failover tests (a few rounds in `make test`) and of
/// `consent-failoverbench` (20 trials in `make bench`).
public final class FailoverCluster: @unchecked Sendable {  // driven by one test at a time
    public let postgres: String
    public let certificates: DevCertificateSet
    public private(set) var nodes: [ConsentdProcess?]
    public private(set) var ports: [Int]
    private let dataDirectories: [String]
    private let binary: String
    private let extraArguments: [String]

    /// Starts `count` nodes on the database `postgres`: the first becomes
    /// active, the others standbys.
    /// - Parameter binary: the consentd to run (the bench passes the release one).
    public init(postgres: String, nodes count: Int = 2, binary: String = ConsentdProcess.binary, extraArguments: [String] = []) throws {
        self.postgres = postgres
        certificates = TestHub.certificates
        self.binary = binary
        self.extraArguments = extraArguments
        dataDirectories = (0..<count).map { _ in TestHub.makeTemporaryDirectory("node") }
        nodes = Array(repeating: nil, count: count)
        ports = Array(repeating: 0, count: count)
        for index in 0..<count {
            try start(index)
            if index == 0 { try nodes[0]!.waitUntilServing() } else { try waitUntilStandby(index) }
        }
    }

    /// `HOST:PORT` of every node.
    public var addresses: [String] { ports.map { "127.0.0.1:\($0)" } }

    /// Starts node `index` (again, on the port it had).
    public func start(_ index: Int) throws {
        var arguments = ["--demo-registry", "--postgres", postgres] + extraArguments
        if ports[index] != 0 { arguments += ["--listen", "127.0.0.1:\(ports[index])"] }
        let node = try ConsentdProcess(
            certificates: certificates, dataDirectory: dataDirectories[index], extraArguments: arguments, binary: binary)
        nodes[index] = node
        ports[index] = node.port
    }

    /// `kill -9` of node `index`.
    public func kill9(_ index: Int) {
        nodes[index]?.kill9()
        nodes[index] = nil
    }

    /// Sends fresh writes (the bank's `CreateRequest`) through `client`, a
    /// client that knows every node, one after the other, until one is
    /// acknowledged; returns the seconds from `since` (monotonic nanoseconds)
    /// to that acknowledgement: after a `kill -9`, the time a client waits
    /// for the new active node, and how many writes it sent. Gives up after `seconds`.
    public func firstAcknowledgedWrite(through client: ConsentClient, since: UInt64, seconds: Int = 60) throws -> (seconds: Double, id: String, attempts: Int) {
        let giveUp = since + UInt64(seconds) * 1_000_000_000
        var lastError: (any Error)?
        var attempts = 0
        while RequestWriters.monotonicNow() < giveUp {
            attempts += 1
            do {
                let id = try client.unaryBlocking(
                    Consent_V1_ConsentService.createRequest, RequestWriters.request(), options: CallOptions(timeout: .seconds(30))).request!.id
                return (Double(RequestWriters.monotonicNow() - since) / 1e9, id, attempts)
            } catch {
                // The call went to the dead node (its outcome unknown) or
                // found nobody active yet; the next one reconnects.
                lastError = error
                usleep(5_000)
            }
        }
        throw TestHub.TestHubError(description: "no write was acknowledged within \(seconds) s: \(lastError.map { "\($0)" } ?? "")")
    }

    /// SIGTERM to every node, and waits for them.
    public func stopAll() {
        for node in nodes.compactMap({ $0 }) { node.signal(SIGTERM) }
        for node in nodes.compactMap({ $0 }) { node.waitForExit() }
        nodes = nodes.map { _ in nil }
    }

    /// What node `index` says of itself (nil when it does not answer).
    public func health(_ index: Int) -> Consent_V1_HealthCheckResponse? {
        guard nodes[index] != nil, let client = try? admin(port: ports[index]) else { return nil }
        defer { client.close() }
        return try? client.unaryBlocking(Consent_V1_Health.check, .init(), options: CallOptions(timeout: .seconds(5)))
    }

    /// The node that says it is active, if any.
    public func activeIndex() -> Int? {
        nodes.indices.first { health($0)?.role == .active && health($0)?.status == .serving }
    }

    /// Waits (up to `seconds`) until node `index` is a standby that names the active node.
    public func waitUntilStandby(_ index: Int, seconds: Int = 60) throws {
        for _ in 0..<(seconds * 10) {
            if let answer = health(index), answer.role == .standby, !answer.leader.isEmpty { return }
            usleep(100_000)
        }
        throw TestHub.TestHubError(description: "node \(index) did not become a standby naming the active node within \(seconds) s: \(nodes[index]?.log ?? "")")
    }

    /// A client as `principal` that knows every node and follows the active one.
    public func client(_ principal: String) throws -> ConsentClient {
        let addresses = self.addresses
        return try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: ports[0], caFile: certificates.path("ca.pem"),
            certificateFile: certificates.path("\(principal).pem"), keyFile: certificates.path("\(principal).key"),
            otherNodes: Array(addresses.dropFirst()), failoverTimeout: .seconds(60)))
    }

    /// A client of one node only (no failover), as `principal`.
    public func pinnedClient(_ index: Int, as principal: String) throws -> ConsentClient {
        try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: ports[index], caFile: certificates.path("ca.pem"),
            certificateFile: certificates.path("\(principal).pem"), keyFile: certificates.path("\(principal).key")))
    }

    private func admin(port: Int) throws -> ConsentClient {
        try ConsentClient(configuration: .init(
            host: "127.0.0.1", port: port, caFile: certificates.path("ca.pem"),
            certificateFile: certificates.path("admin.pem"), keyFile: certificates.path("admin.key"), connectTimeout: .seconds(5)))
    }

    /// Every request id the bank's feed shows as created, in feed order (asked of the active node).
    public func createdRequests() throws -> [String] {
        let bank = try client("consumer")
        defer { bank.close() }
        return try RequestWriters.createdRequests(through: bank)
    }
}

/// The bank's `CreateRequest` calls from several connections with calls in
/// flight, each answered only once its event is committed: what was
/// acknowledged (request ids) and when the last OK came.
public final class RequestWriters: Sendable {
    public let acknowledged = Mutex<Set<String>>([])
    public let launched = Atomic<Int>(0)
    public let finished = Atomic<Int>(0)
    public let failed = Mutex<[StatusCode: Int]>([:])
    private let stopped = Atomic<Bool>(false)
    private let okCount = Atomic<Int>(0)
    /// Monotonic nanoseconds of every OK, in arrival order (for the first OK after an instant).
    private let okTimes = Mutex<[UInt64]>([])
    private let clients: [ConsentClient]

    public init(clients: [ConsentClient]) {
        self.clients = clients
    }

    /// Keeps `inFlight` calls open on each client until `stop()`.
    public func start(inFlight: Int) {
        for client in clients { for _ in 0..<inFlight { launch(client) } }
    }

    public func stop() { stopped.store(true, ordering: .releasing) }

    public var acknowledgedCount: Int { okCount.load(ordering: .relaxed) }

    /// The first OK that arrived after `instant` (monotonic nanoseconds), if any.
    public func firstOK(after instant: UInt64) -> UInt64? {
        okTimes.withLock { times in times.first { $0 > instant } }
    }

    /// Waits until every launched call has ended (up to `seconds`).
    public func waitForAllAnswers(seconds: Int = 120) -> Bool {
        for _ in 0..<(seconds * 100) {
            if finished.load(ordering: .relaxed) == launched.load(ordering: .relaxed) { return true }
            usleep(10_000)
        }
        return false
    }

    public func close() { for client in clients { client.close() } }

    public static func monotonicNow() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    private func launch(_ client: ConsentClient) {
        guard !stopped.load(ordering: .acquiring) else { return }
        launched.add(1, ordering: .relaxed)
        client.startUnary(Consent_V1_ConsentService.createRequest, Self.request(), options: CallOptions(timeout: .seconds(60))) { result in
            switch result {
            case .success(let response):
                let now = Self.monotonicNow()
                self.acknowledged.withLock { _ = $0.insert(response.request!.id) }
                self.okTimes.withLock { $0.append(now) }
                self.okCount.add(1, ordering: .relaxed)
            case .failure(let error):
                // A node died or lost its lease with this call in flight: its
                // outcome is unknown. Back off a moment, as a client would
                // (off the client's event loop).
                self.failed.withLock { $0[error.code, default: 0] += 1 }
                self.finished.add(1, ordering: .relaxed)
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.02) { self.launch(client) }
                return
            }
            self.finished.add(1, ordering: .relaxed)
            self.launch(client)
        }
    }

    /// Every request id the bank's feed shows as created, in feed order.
    public static func createdRequests(through bank: ConsentClient) throws -> [String] {
        var ids: [String] = []
        var cursor: UInt64 = 0
        while true {
            let page = try bank.unaryBlocking(
                Consent_V1_ConsentService.listEvents, .init(after: cursor, types: [.requestCreated], limit: 1000),
                options: CallOptions(timeout: .seconds(60)))
            ids += page.events.map(\.requestId)
            cursor = page.nextCursor
            if page.reachedEnd { break }
        }
        return ids
    }

    /// The bank's request for NAV's 5252_1 (seed 003's figure 1).
    public static func request() -> Consent_V1_CreateRequestRequest {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return Consent_V1_CreateRequestRequest(
            resources: [Consent_V1_RequestedResource(resourceId: "5252_1", metadata: [
                .init(key: "fraOgMed", value: "01.01.2024"), .init(key: "tilOgMed", value: "31.12.2024"),
            ])],
            offeredBy: TestHub.demoUserID, redirectUrl: "https://banken.example/samtykke/svar", validToMs: now + 365 * 86_400_000,
            purpose: "Behandle søknaden din om uføreforsikring")
    }
}
