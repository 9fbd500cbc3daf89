#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import ConsentOpenSSL
import ConsentRPC

/// The ConsentHub RPC server transport: TLS connections on epoll event loops,
/// frames in, calls to a `CallDispatcher`, answers out (docs/PROTOCOL.md).
///
/// One listener on the first loop accepts and hands each connection to the
/// loops in turn (see `Listener`); a connection and all its calls stay on its
/// loop for life, so the call path takes no lock shared between loops.
///
/// - Important: call `shutdownGracefully` before dropping a started server.
public final class TransportServer: Sendable {
    public let configuration: Configuration
    let shared: ServerShared
    private let group: EventLoopGroup
    private let ownsGroup: Bool
    private let listener = Mutex<Listener?>(nil)
    private let boundAddress = Mutex<SocketAddress?>(nil)

    /// - Parameters:
    ///   - group: loops to run on; nil creates `configuration.eventLoopCount`
    ///     loops owned (and stopped at shutdown) by the server.
    public init(configuration: Configuration, dispatcher: any CallDispatcher, group: EventLoopGroup? = nil) throws(IOError) {
        self.configuration = configuration
        if let group {
            self.group = group
            ownsGroup = false
        } else {
            self.group = try EventLoopGroup(threads: configuration.eventLoopCount, name: "consent-server")
            ownsGroup = true
        }
        if let whenIdle = configuration.whenIdle {
            for loop in self.group.loops { loop.whenIdle(whenIdle) }
        }
        let shared = ServerShared(configuration: configuration, dispatcher: dispatcher)
        shared.loopContexts = self.group.loops.map { ServerLoopContext(loop: $0, shared: shared) }
        self.shared = shared
    }

    /// The loop contexts and `shared` hold each other, so that a server
    /// dropped while running keeps running. Once it has shut down nothing
    /// runs on its loops any more: let them go with the last handle, or the
    /// loops, the dispatcher and everything it holds stay allocated.
    deinit {
        if shared.isShutDown { shared.loopContexts = [] }
    }

    /// Binds, listens and starts accepting.
    /// - Returns: the bound address (with the real port when 0 was asked for).
    /// - Throws: `IOError` (e.g. "bind: Address already in use").
    @discardableResult
    public func start() throws(IOError) -> SocketAddress {
        let addresses = try SocketAddress.resolve(host: configuration.host, port: configuration.port)
        let address = addresses[0]
        let fd = try Posix.socket(domain: address.family)
        let bound: SocketAddress
        do {
            try Posix.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            try Posix.bind(fd, address)
            try Posix.listen(fd, backlog: 1024)
            bound = try Posix.localAddress(fd)
        } catch {
            Posix.close(fd)
            throw error
        }
        let listener = Listener(fd: fd, server: shared, loop: group.loops[0])
        self.listener.withLock { $0 = listener }
        boundAddress.withLock { $0 = bound }
        group.loops[0].execute { listener.start() }
        return bound
    }

    /// The address `start()` bound, nil before.
    public var localAddress: SocketAddress? { boundAddress.withLock { $0 } }

    /// Current counters, summed over the loops (each loop writes its own; no shared lock).
    public var stats: Stats {
        var total = Stats()
        for context in shared.loopContexts {
            let s = context.stats
            total.connectionsOpen += s.connectionsOpen.load(ordering: .relaxed)
            total.connectionsAccepted += s.connectionsAccepted.load(ordering: .relaxed)
            total.handshakeFailures += s.handshakeFailures.load(ordering: .relaxed)
            total.callsInFlight += s.callsInFlight.load(ordering: .relaxed)
            total.callsCompleted += s.callsCompleted.load(ordering: .relaxed)
            total.protocolErrors += s.protocolErrors.load(ordering: .relaxed)
            total.bytesRead += s.bytesRead.load(ordering: .relaxed)
            total.bytesWritten += s.bytesWritten.load(ordering: .relaxed)
            total.readPauses += s.readPauses.load(ordering: .relaxed)
            total.connectionBufferBytes += s.connectionBufferBytes.load(ordering: .relaxed)
            total.connectionBufferBytesReleased += s.connectionBufferBytesReleased.load(ordering: .relaxed)
            total.connectionsRetained += s.connectionsRetained.load(ordering: .relaxed)
            total.callsRefused += s.callsRefused.load(ordering: .relaxed)
        }
        let limits = shared.limits.counts
        total.handshakesPending = limits.pending
        total.connectionsRefused = limits.refused
        total.acceptPauses = shared.acceptPauses.load(ordering: .relaxed)
        return total
    }

    public var eventLoopCount: Int { group.loops.count }

    /// Stops accepting, sends GoAway NO_ERROR on every connection, lets open
    /// calls finish (Requests arriving meanwhile are answered UNAVAILABLE),
    /// cancels what is still open after `timeout`, closes every connection,
    /// stops the server's own loops, and then runs `completion` (on another thread).
    public func shutdownGracefully(timeout: Duration = .seconds(10), completion: @escaping @Sendable () -> Void) {
        let first = shared.beginShutdown(completion: { [group, ownsGroup, shared] in
            shared.eventLog.endWindow()  // what the last window left out
            // Runs on a loop thread: stopping (joining) the loops must happen
            // elsewhere. A thread of its own rather than a Dispatch worker: a
            // process whose workers are all blocked (waiting for this very
            // shutdown, say) must still get to the end of it.
            runOnDetachedThread {
                if ownsGroup { group.shutdown() }  // idempotent
                completion()
            }
        })
        guard first else { return }
        if let listener = listener.withLock({ $0 }) {
            if !listener.loop.submit({ listener.close() }) { listener.closeAfterLoopStopped() }
        }
        let deadlineNanos = timeout.nanosecondsClamped
        for context in shared.loopContexts {
            // A loop stopped by the owner of a shared group has no connection
            // left to drain (they died with it): count it as finished.
            if !context.loop.submit({ context.beginShutdown(forceAfterNanoseconds: deadlineNanos) }) {
                shared.loopFinished()
            }
        }
    }

    /// `shutdownGracefully` for async callers.
    public func shutdownGracefully(timeout: Duration = .seconds(10)) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            shutdownGracefully(timeout: timeout) { continuation.resume() }
        }
    }
}

/// What every loop of a server shares: immutable configuration and the
/// shutdown bookkeeping (touched once per loop at shutdown, never per call).
final class ServerShared: @unchecked Sendable {  // loopContexts is set once in TransportServer.init, before any loop sees it
    let configuration: TransportServer.Configuration
    let dispatcher: any CallDispatcher
    /// The dispatcher's method names, for turning Request bytes into strings.
    let methodNames: MethodNameTable
    let limits: ConnectionLimits
    let eventLog: ConnectionEventLog
    /// Written by the listener's loop only.
    let acceptPauses = Atomic<Int>(0)
    var loopContexts: [ServerLoopContext] = []
    private let shutdownState = Mutex<(started: Bool, loopsLeft: Int, finished: Bool, completions: [@Sendable () -> Void])>((false, 0, false, []))
    private let roundRobin = Atomic<Int>(0)

    init(configuration: TransportServer.Configuration, dispatcher: any CallDispatcher) {
        self.configuration = configuration
        self.dispatcher = dispatcher
        self.methodNames = MethodNameTable(dispatcher.methodNames)
        self.eventLog = ConnectionEventLog(
            sink: configuration.log, linesPerWindow: configuration.logLinesPerWindow, window: configuration.logWindow)
        self.limits = ConnectionLimits(.init(
            maxConnections: configuration.maxConnections,
            maxPendingHandshakes: configuration.maxPendingHandshakes,
            maxPendingHandshakesPerAddress: configuration.maxPendingHandshakesPerAddress,
            maxConnectionsPerAddress: configuration.maxConnectionsPerAddress,
            maxConnectionsPerPrincipal: configuration.maxConnectionsPerPrincipal,
            maxCallsPerSecondPerPrincipal: configuration.maxCallsPerSecondPerPrincipal,
            maxConcurrentCallsPerPrincipal: configuration.maxConcurrentCallsPerPrincipal))
    }

    var isShuttingDown: Bool { shutdownState.withLock { $0.started } }

    /// Every loop has finished its part of the shutdown.
    var isShutDown: Bool { shutdownState.withLock { $0.finished } }

    /// - Returns: false when shutdown had already begun; `completion` then
    ///   runs when that shutdown is over (at once if it is).
    func beginShutdown(completion: @escaping @Sendable () -> Void) -> Bool {
        let (first, runNow) = shutdownState.withLock { state -> (Bool, Bool) in
            if state.finished { return (false, true) }
            state.completions.append(completion)
            if state.started { return (false, false) }
            state.started = true
            state.loopsLeft = loopContexts.count
            return (true, false)
        }
        if runNow { completion() }
        return first
    }

    /// A loop has no connection left after shutdown began.
    func loopFinished() {
        let completions = shutdownState.withLock { state -> [@Sendable () -> Void] in
            state.loopsLeft -= 1
            guard state.loopsLeft == 0 else { return [] }
            state.finished = true
            let c = state.completions
            state.completions = []
            return c
        }
        for completion in completions { completion() }
    }

    func nextLoopContext() -> ServerLoopContext {
        let i = roundRobin.wrappingAdd(1, ordering: .relaxed).oldValue
        return loopContexts[i % loopContexts.count]
    }
}

/// A server's state on one loop: its connections and counters. Touched only
/// on that loop's thread (the stats are atomics so other threads can read them).
final class ServerLoopContext: @unchecked Sendable {
    let loop: EventLoop
    // Strong on purpose: a server dropped without shutdown keeps running (leaks) rather than crashing its loops.
    let shared: ServerShared
    let stats = LoopStats()
    private var connections: [ObjectIdentifier: ServerConnection] = [:]
    private var shuttingDown = false
    private var reportedFinished = false

    init(loop: EventLoop, shared: ServerShared) {
        self.loop = loop
        self.shared = shared
    }

    /// Takes an accepted socket (on this loop), counted in the limits as `ticket`.
    func adopt(fd: Int32, remote: String, ticket: ConnectionLimits.Ticket) {
        LoopStats.bump(stats.connectionsAccepted)
        if shuttingDown {
            Posix.close(fd)
            shared.limits.closed(ticket)
            return
        }
        let tls: TLSConnection
        do {
            tls = try TLSConnection(context: shared.configuration.tls, fileDescriptor: fd)
        } catch {
            shared.eventLog.write(.io, "connection \(remote): \(error)", loop: loop)
            Posix.close(fd)
            shared.limits.closed(ticket)
            return
        }
        let connection = ServerConnection(fd: fd, tls: tls, remoteAddress: remote, ticket: ticket, loopContext: self)
        connections[ObjectIdentifier(connection)] = connection
        LoopStats.bump(stats.connectionsOpen)
        connection.start()
    }

    func connectionClosed(_ connection: ServerConnection) {
        guard connections.removeValue(forKey: ObjectIdentifier(connection)) != nil else { return }
        shared.limits.closed(connection.ticket)
        LoopStats.bump(stats.connectionsOpen, by: -1)
        checkFinished()
    }

    func beginShutdown(forceAfterNanoseconds: UInt64) {
        shuttingDown = true
        let deadline = MonotonicInstant.now().adding(nanoseconds: forceAfterNanoseconds)
        for connection in Array(connections.values) { connection.drain(until: deadline) }
        loop.schedule(after: .nanoseconds(Int64(clamping: forceAfterNanoseconds))) { [self] in
            for connection in Array(self.connections.values) { connection.forceClose() }
        }
        checkFinished()
    }

    private func checkFinished() {
        guard shuttingDown, connections.isEmpty, !reportedFinished else { return }
        reportedFinished = true
        shared.loopFinished()
    }
}

/// The listening socket, on the first loop. It accepts everything pending
/// (accept4, non-blocking, close-on-exec), sets TCP_NODELAY and deals the
/// connections to the loops in turn through their inboxes.
///
/// Why one acceptor and not an SO_REUSEPORT listener per loop: the kernel
/// spreads REUSEPORT connections by a hash of the address pair, and a bank
/// keeps only a handful of long-lived connections, so two connections can
/// easily land on one loop while another idles. Round-robin puts N
/// connections on N loops exactly; the cost, one inbox post per *connection*,
/// is nothing next to its TLS handshake.
final class Listener: Selectable, @unchecked Sendable {  // used only on `loop`'s thread after start()
    let fd: Int32
    let loop: EventLoop
    private let server: ServerShared
    private var open = true
    private var paused = false
    private var handshakes: HandshakeBudget

    init(fd: Int32, server: ServerShared, loop: EventLoop) {
        self.fd = fd
        self.server = server
        self.loop = loop
        self.handshakes = HandshakeBudget(perSecond: server.configuration.handshakesPerSecond)
    }

    func start() {
        do {
            try loop.register(fd, events: Linux.EPOLLIN, handler: self)
        } catch {
            server.eventLog.write(.listener, "listener: \(error)", loop: loop)
        }
    }

    func handleEvents(_ events: UInt32) {
        for _ in 0..<256 {
            guard open, !paused else { return }
            if server.limits.atCapacity {
                // Every connection slot is taken: new clients wait in the
                // backlog until one closes (looked at again every 100 ms).
                server.eventLog.write(.listener, "listener: \(server.limits.limits.maxConnections) connections open (max-connections); pausing accepts for 100 ms", loop: loop)
                pause(for: .milliseconds(100))
                return
            }
            if let wait = handshakes.take() {
                pause(for: wait)  // the handshake rate: sockets queue in the backlog meanwhile
                return
            }
            let result: IOResult<Int32>
            do {
                result = try Posix.accept(fd)
            } catch {
                handshakes.giveBack()
                switch error.errnoCode {
                case ECONNABORTED, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: the pending connection stays
                    // queued and level-triggered epoll would spin; pause 100 ms.
                    server.eventLog.write(.listener, "listener: \(error); pausing accepts for 100 ms", loop: loop)
                    pause(for: .milliseconds(100))
                    return
                default:
                    server.eventLog.write(.listener, "listener: \(error)", loop: loop)
                    return
                }
            }
            guard case .processed(let client) = result else {
                handshakes.giveBack()
                return
            }
            let peerAddress = Posix.remoteAddress(client)
            let ticket: ConnectionLimits.Ticket
            switch server.limits.accepted(address: peerAddress?.host ?? "?") {
            case .admit(let admitted):
                ticket = admitted
            case .refuse(let reason):
                server.eventLog.write(.refused, "connection \(peerAddress?.description ?? "?"): closed at accept: \(reason)", loop: loop)
                Posix.close(client)
                continue
            }
            try? Posix.setOption(client, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
            // An open WatchEvents stream keeps a connection out of the idle
            // timeout; keepalive finds the peer that vanished without FIN or RST
            // (about 2 minutes: 60 s idle, then 6 probes 10 s apart).
            try? Posix.setOption(client, level: SOL_SOCKET, name: SO_KEEPALIVE, value: 1)
            try? Posix.setOption(client, level: Int32(IPPROTO_TCP), name: TCP_KEEPIDLE, value: 60)
            try? Posix.setOption(client, level: Int32(IPPROTO_TCP), name: TCP_KEEPINTVL, value: 10)
            try? Posix.setOption(client, level: Int32(IPPROTO_TCP), name: TCP_KEEPCNT, value: 6)
            let remote = peerAddress?.description ?? "?"
            let context = server.nextLoopContext()
            if context.loop === loop {
                context.adopt(fd: client, remote: remote, ticket: ticket)
            } else if !context.loop.submit({ context.adopt(fd: client, remote: remote, ticket: ticket) }) {
                Posix.close(client)  // that loop has stopped
                server.limits.closed(ticket)
            }
        }
    }

    private func pause(for delay: Duration) {
        paused = true
        LoopStats.bump(server.acceptPauses)
        try? loop.modify(fd, events: 0)
        loop.schedule(after: delay) { [self] in
            guard self.open else { return }
            self.paused = false
            try? self.loop.modify(self.fd, events: Linux.EPOLLIN)
        }
    }

    func close() {
        guard open else { return }
        open = false
        loop.deregister(fd)
        Posix.close(fd)
    }

    /// `close` when the loop has stopped: nothing runs on it any more, so the
    /// socket is closed from the calling thread (epoll went with the loop).
    func closeAfterLoopStopped() {
        guard open else { return }
        open = false
        Posix.close(fd)
    }
}

/// Runs `body` on a new detached thread.
private func runOnDetachedThread(_ body: @escaping @Sendable () -> Void) {
    let box = Unmanaged.passRetained(DetachedThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { arg in
        Unmanaged<DetachedThreadBody>.fromOpaque(arg!).takeRetainedValue().body()
        return nil
    }, box)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    pthread_detach(thread)
}

private final class DetachedThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
