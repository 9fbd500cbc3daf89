#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address and port.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// The numeric host, e.g. "127.0.0.1" or "::1".
    public let host: String
    public let port: Int
    let isIPv6: Bool

    init(storage: sockaddr_storage) {
        var storage = storage
        if Int32(storage.ss_family) == AF_INET6 {
            let (host, port) = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 -> (String, Int) in
                    var addr = sin6.pointee.sin6_addr
                    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                    inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
                    return (String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), Int(UInt16(bigEndian: sin6.pointee.sin6_port)))
                }
            }
            self.host = host
            self.port = port
            self.isIPv6 = true
        } else {
            let (host, port) = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin -> (String, Int) in
                    var addr = sin.pointee.sin_addr
                    var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                    inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
                    return (String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), Int(UInt16(bigEndian: sin.pointee.sin_port)))
                }
            }
            self.host = host
            self.port = port
            self.isIPv6 = false
        }
    }

    /// A numeric address: "127.0.0.1", "::1". Nil when `host` is not an IP literal.
    public init?(ipAddress host: String, port: Int) {
        guard (0...65535).contains(port) else { return nil }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            self.isIPv6 = false
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            self.isIPv6 = true
        } else {
            return nil
        }
        self.host = host
        self.port = port
    }

    /// Resolves `host` (a literal or a name, e.g. "localhost") with getaddrinfo.
    /// - Throws: `IOError` with call "getaddrinfo" when the name does not resolve.
    public static func resolve(host: String, port: Int) throws(IOError) -> [SocketAddress] {
        if let literal = SocketAddress(ipAddress: host, port: port) { return [literal] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let list else { throw IOError(call: "getaddrinfo(\(host))", errnoCode: rc == EAI_SYSTEM ? errno : ENOENT) }
        defer { freeaddrinfo(list) }
        var result: [SocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = list
        while let n = node {
            if let addr = n.pointee.ai_addr, n.pointee.ai_family == AF_INET || n.pointee.ai_family == AF_INET6 {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(start: addr, count: Int(n.pointee.ai_addrlen)))
                }
                result.append(SocketAddress(storage: storage))
            }
            node = n.pointee.ai_next
        }
        if result.isEmpty { throw IOError(call: "getaddrinfo(\(host))", errnoCode: ENOENT) }
        return result
    }

    var family: Int32 { isIPv6 ? AF_INET6 : AF_INET }

    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if isIPv6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = UInt16(port).bigEndian
            inet_pton(AF_INET6, host, &sin6.sin6_addr)
            return withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(port).bigEndian
            inet_pton(AF_INET, host, &sin.sin_addr)
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
