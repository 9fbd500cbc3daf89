#if canImport(Glibc)
import Glibc
#endif
import ConsentStore
import Synchronization

/// The HTTP endpoint of `--metrics-listen`: answers `GET /metrics` with the
/// Prometheus text format, on a thread of its own that serves every client
/// at once with `poll` (a scrape every few seconds needs no event loop of
/// the hub's). One client cannot hold the endpoint: sockets are
/// non-blocking, a client gets 2 s for the whole exchange (request and
/// answer), and at most 64 are served at once (more wait in the listen
/// queue). Anything but `GET /metrics` gets 404 or 405. No TLS and no
/// authentication: bind it to loopback (the default host) or a management
/// network. It shows counts and roles, never personal data.
public final class MetricsEndpoint: Sendable {
    private let socket: Int32
    /// The address it listens on (the real port when 0 was asked).
    public let address: String
    private let stopped = Atomic<Bool>(false)
    private let render: @Sendable () -> String

    /// Binds and starts serving.
    /// - Throws: `ConfigurationError` when the address cannot be bound.
    public init(host: String, port: UInt16, render: @escaping @Sendable () -> String) throws(ConfigurationError) {
        self.render = render
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let info = found else {
            throw ConfigurationError("--metrics-listen: cannot resolve '\(host)'")
        }
        defer { freeaddrinfo(found) }
        let fd = Glibc.socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { throw ConfigurationError("--metrics-listen: socket failed (errno \(errno))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw ConfigurationError("--metrics-listen: cannot listen on \(host):\(port): \(String(cString: strerror(code)))")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let boundPort: UInt16 = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
            if Int32(pointer.pointee.ss_family) == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        socket = fd
        address = host.contains(":") ? "[\(host)]:\(boundPort)" : "\(host):\(boundPort)"
        PosixThread.spawn { [self] in serve() }.detach()
    }

    /// Stops serving; the serving thread closes the socket and every client
    /// (closing it here could close a descriptor number the process reused).
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(socket, Int32(SHUT_RDWR))
    }

    /// How long a client has for its whole exchange, and how many are served at once.
    static let exchangeTime: Duration = .seconds(2)
    static let maxClients = 64
    static let maxRequestBytes = 16 << 10

    /// One client's exchange: the request read so far, then the answer left to send.
    private struct Exchange {
        let fd: Int32
        let deadline: ContinuousClock.Instant
        var request: [UInt8] = []
        var answer: ArraySlice<UInt8>?
    }

    private func serve() {
        var exchanges: [Exchange] = []
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        while !stopped.load(ordering: .acquiring) {
            let now = ContinuousClock.now
            // Clients past their time are dropped, whatever they were doing.
            exchanges.removeAll { exchange in
                guard exchange.deadline <= now else { return false }
                close(exchange.fd)
                return true
            }
            var descriptors = exchanges.map { pollfd(fd: $0.fd, events: Int16($0.answer == nil ? POLLIN : POLLOUT), revents: 0) }
            let accepting = exchanges.count < Self.maxClients
            if accepting { descriptors.append(pollfd(fd: socket, events: Int16(POLLIN), revents: 0)) }
            let soonest = exchanges.map(\.deadline).min().map { now.duration(to: $0) } ?? .milliseconds(500)
            let wait = min(soonest, .milliseconds(500))
            let milliseconds = Int32(clamping: wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000 + 1)
            guard poll(&descriptors, nfds_t(descriptors.count), milliseconds) > 0 else { continue }
            var finished: Set<Int32> = []
            for index in exchanges.indices where descriptors[index].revents != 0 {
                if step(&exchanges[index]) { finished.insert(exchanges[index].fd) }
            }
            exchanges.removeAll { exchange in
                guard finished.contains(exchange.fd) else { return false }
                close(exchange.fd)
                return true
            }
            if accepting, descriptors[descriptors.count - 1].revents != 0 {
                while exchanges.count < Self.maxClients {
                    let client = accept(socket, nil, nil)
                    guard client >= 0 else { break }
                    _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                    _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                    exchanges.append(Exchange(fd: client, deadline: .now + Self.exchangeTime))
                }
            }
        }
        for exchange in exchanges { close(exchange.fd) }
        close(socket)
    }

    /// Reads what the client sent, or sends what it can of the answer,
    /// without blocking. Returns true when the exchange is over.
    private func step(_ exchange: inout Exchange) -> Bool {
        if var answer = exchange.answer {
            let n = answer.withUnsafeBytes { send(exchange.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 { return errno != EAGAIN && errno != EINTR }
            answer = answer.dropFirst(n)
            exchange.answer = answer
            return answer.isEmpty
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(exchange.fd, &buffer, buffer.count)
        if n < 0 { return errno != EAGAIN && errno != EINTR }
        exchange.request += buffer[..<n]
        let request = exchange.request
        let complete = n == 0 || request.count >= Self.maxRequestBytes
            || (request.count >= 4 && request.suffix(4).elementsEqual([13, 10, 13, 10]))
            || (request.contains(10) && !request.contains(13))  // a bare-LF client
        guard complete else { return false }
        exchange.answer = ArraySlice(respond(to: request))
        return step(&exchange)
    }

    private func respond(to request: [UInt8]) -> [UInt8] {
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let status: String
        var body: String
        var type = "text/plain; charset=utf-8"
        if parts.count < 2 {
            status = "400 Bad Request"
            body = "expected: GET /metrics\n"
        } else if parts[0] != "GET" && parts[0] != "HEAD" {
            status = "405 Method Not Allowed"
            body = "only GET /metrics\n"
        } else if parts[1] != "/metrics" {
            status = "404 Not Found"
            body = "the metrics are at /metrics\n"
        } else {
            status = "200 OK"
            body = render()
            type = "text/plain; version=0.0.4; charset=utf-8"
        }
        if parts.first == "HEAD" { body = "" }
        let response = "HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        return Array(response.utf8)
    }
}
