#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import ConsentProto
import ConsentRPC
import ConsentTransport

/// For a hub that runs as several nodes sharing one PostgreSQL database, of
/// which one is active: finds the active node and keeps a client on it.
///
/// - Connecting asks each address's `Health.Check` in turn (a standby names
///   the active node in `leader`, which is tried next) until a node answers
///   SERVING, for up to `failoverTimeout` (a takeover takes a few seconds).
/// - A call refused by a node that is not the active one (UNAVAILABLE with
///   `x-consent-reason: not_leader`) is sent again to the node its trailer
///   `x-consent-leader` names, at most `maxRedirects` times. Such a refusal
///   is given before the call is decided, so sending it again cannot apply
///   it twice.
/// - A call started while the connection is gone (the active node died)
///   waits for a new connection to the node that took over.
/// - Calls in flight when the connection breaks end UNAVAILABLE as before:
///   their outcome is unknown, so they are not sent again.
final class ActiveNodeFinder: Sendable {
    struct Address: Sendable, Equatable {
        var host: String
        var port: Int
        var text: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    let addresses: [Address]
    private let connect: @Sendable (Address) throws(RPCError) -> ClientConnection
    private let timeout: Duration
    private let current: Mutex<ClientConnection?>
    private let reconnecting = Mutex<Bool>(false)
    private let waiting = Mutex<[@Sendable (Result<ClientConnection, RPCError>) -> Void]>([])
    private let queue = DispatchQueue(label: "consenthub.client.failover")
    private let closed = Atomic<Bool>(false)

    static let maxRedirects = 3
    static let leaderKey = "x-consent-leader"
    static let notLeader = "not_leader"

    init(addresses: [Address], timeout: Duration, connect: @escaping @Sendable (Address) throws(RPCError) -> ClientConnection) {
        self.addresses = addresses
        self.timeout = timeout
        self.connect = connect
        current = Mutex(nil)
    }

    /// Connects to the active node (blocking), for the client's first connection.
    func connectToActive(preferring hint: Address? = nil) throws(RPCError) -> ClientConnection {
        let deadline = ContinuousClock.now + timeout
        var lastError = RPCError(.unavailable, "no address to connect to")
        var hint = hint
        while true {
            var candidates = addresses
            if let preferred = hint {
                candidates.removeAll { $0 == preferred }
                candidates.insert(preferred, at: 0)
            }
            hint = nil
            for address in candidates {
                let connection: ClientConnection
                do throws(RPCError) { connection = try connect(address) } catch {
                    lastError = RPCError(error.code, "\(address.text): \(error.message)", trailers: error.trailers)
                    continue
                }
                let check = Self.check(connection)
                switch check {
                case .success(let answer) where answer.status == .serving:
                    return connection
                case .success(let answer):
                    connection.close()
                    lastError = RPCError(.unavailable, "\(address.text) is not the active node (role \(answer.role.protoName))")
                    if !answer.leader.isEmpty, let leader = Self.parse(answer.leader), leader != address {
                        hint = leader
                        break
                    }
                case .failure(let error):
                    connection.close()
                    lastError = RPCError(error.code, "\(address.text): \(error.message)", trailers: error.trailers)
                }
                if hint != nil { break }
            }
            if closed.load(ordering: .acquiring) { throw RPCError(.unavailable, "the client is closed") }
            if ContinuousClock.now >= deadline {
                throw RPCError(.unavailable, "no active node among \(addresses.map(\.text).joined(separator: ", ")) within \(timeout): \(lastError.message)", trailers: lastError.trailers)
            }
            if hint == nil {
                // A takeover is under way: nobody is active yet.
                usleep(200_000)
            }
        }
    }

    private static func check(_ connection: ClientConnection) -> Result<Consent_V1_HealthCheckResponse, RPCError> {
        let box = Mutex<CallResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        _ = connection.startCall(
            method: Consent_V1_Health.check.fullName, payload: Consent_V1_HealthCheckRequest().serializedBytes(),
            options: CallOptions(timeout: .seconds(5)), onMessage: { _ in },
            onFinish: { result in
                box.withLock { $0 = result }
                done.signal()
            })
        done.wait()
        let result = box.withLock { $0! }
        if let error = result.error { return .failure(error) }
        do {
            return .success(try Consent_V1_HealthCheckResponse(serializedBytes: result.payload))
        } catch {
            return .failure(RPCError(.internalError, "the server's Health answer does not decode"))
        }
    }

    static func parse(_ text: String) -> Address? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        var host = Substring(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        return host.isEmpty ? nil : Address(host: String(host), port: port)
    }

    // MARK: Calls

    func adopt(_ connection: ClientConnection) {
        current.withLock { $0 = connection }
    }

    var connection: ClientConnection? { current.withLock { $0 } }

    /// Starts a call on the active node, following redirects.
    func startCall(
        method: String, payload: [UInt8], options: CallOptions,
        onMessage: @escaping @Sendable ([UInt8]) -> Void, onFinish: @escaping @Sendable (CallResult) -> Void
    ) -> any ClientCallHandle {
        let handle = RedirectingHandle()
        start(method: method, payload: payload, options: options, onMessage: onMessage, onFinish: onFinish, handle: handle, redirects: 0)
        return handle
    }

    private func start(
        method: String, payload: [UInt8], options: CallOptions,
        onMessage: @escaping @Sendable ([UInt8]) -> Void, onFinish: @escaping @Sendable (CallResult) -> Void,
        handle: RedirectingHandle, redirects: Int
    ) {
        guard let connection = current.withLock({ $0 }), connection.isOpen else {
            // The node is gone: send the call once a node took over.
            whenConnected(hint: nil) { result in
                switch result {
                case .success:
                    self.start(method: method, payload: payload, options: options, onMessage: onMessage, onFinish: onFinish, handle: handle, redirects: redirects)
                case .failure(let error):
                    onFinish(CallResult(error))
                }
            }
            return
        }
        let inner = connection.startCall(method: method, payload: payload, options: options, onMessage: onMessage) { result in
            guard result.code == .unavailable, result.trailers["x-consent-reason"] == Self.notLeader, redirects < Self.maxRedirects,
                  !handle.isCancelled, !self.closed.load(ordering: .acquiring) else {
                onFinish(result)
                return
            }
            let hint = result.trailers[Self.leaderKey].flatMap(Self.parse)
            self.whenConnected(hint: hint, replacing: connection) { outcome in
                switch outcome {
                case .success:
                    self.start(method: method, payload: payload, options: options, onMessage: onMessage, onFinish: onFinish, handle: handle, redirects: redirects + 1)
                case .failure:
                    onFinish(result)
                }
            }
        }
        handle.set(inner)
    }

    /// Calls `body` once a connection to the active node is open (one
    /// reconnection at a time, off every event loop: a TLS handshake must
    /// not block the loop it runs on).
    private func whenConnected(
        hint: Address?, replacing stale: ClientConnection? = nil,
        _ body: @escaping @Sendable (Result<ClientConnection, RPCError>) -> Void
    ) {
        if let live = current.withLock({ $0 }), live.isOpen, live !== stale {
            body(.success(live))
            return
        }
        waiting.withLock { $0.append(body) }
        let start = reconnecting.withLock { busy -> Bool in
            defer { busy = true }
            return !busy
        }
        guard start else { return }
        queue.async {
            let result: Result<ClientConnection, RPCError>
            do throws(RPCError) {
                let fresh = try self.connectToActive(preferring: hint)
                let old = self.current.withLock { current -> ClientConnection? in
                    defer { current = fresh }
                    return current
                }
                if let old, old !== fresh { old.close() }
                result = .success(fresh)
            } catch {
                result = .failure(error)
            }
            let ready = self.reconnecting.withLock { busy in
                busy = false
                return self.waiting.withLock { waiters in
                    defer { waiters.removeAll() }
                    return waiters
                }
            }
            for waiter in ready { waiter(result) }
        }
    }

    var isClosed: Bool { closed.load(ordering: .acquiring) }

    func close() {
        closed.store(true, ordering: .releasing)
        current.withLock { $0 }?.close()
    }
}

/// The handle of a call that may be sent again: cancelling reaches whichever attempt is current.
final class RedirectingHandle: ClientCallHandle, Sendable {
    private let state = Mutex<(inner: (any ClientCallHandle)?, cancelled: Bool)>((nil, false))

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func set(_ inner: any ClientCallHandle) {
        let cancel = state.withLock { s -> Bool in
            s.inner = inner
            return s.cancelled
        }
        if cancel { inner.cancel() }
    }

    func cancel() {
        let inner = state.withLock { s -> (any ClientCallHandle)? in
            s.cancelled = true
            return s.inner
        }
        inner?.cancel()
    }
}
