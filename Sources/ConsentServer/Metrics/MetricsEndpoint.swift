#if canImport(Glibc)
import Glibc
#endif
import ConsentStore
import Synchronization

/// The HTTP endpoint of `--metrics-listen`: answers `GET /metrics` with the
/// Prometheus text format, one connection at a time on a thread of its own
/// (a scrape every few seconds needs no event loop). Anything else gets 404
/// or 405; a client gets 2 s to send its request line. No TLS and no
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

    /// Stops serving and closes the socket.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private func serve() {
        while !stopped.load(ordering: .acquiring) {
            var pfd = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 500) > 0 else { continue }
            let client = accept(socket, nil, nil)
            guard client >= 0 else { continue }
            answer(client)
            close(client)
        }
    }

    private func answer(_ client: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 16 << 10 {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { break }
            request += buffer[..<n]
            if request.count >= 4, request.suffix(4).elementsEqual([13, 10, 13, 10]) { break }
            if request.contains(10) && !request.contains(13) { break }  // a bare-LF client
        }
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
        var bytes = Array(response.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes = bytes.dropFirst(n)
        }
    }
}
