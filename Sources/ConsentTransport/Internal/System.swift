// Every libc call of ConsentTransport, in the style of swift-nio's
// NIOPosix/System.swift: each wrapper reads `errno` right after the call
// (before anything else can overwrite it), retries EINTR, reports EAGAIN as
// "would block" where the caller is non-blocking, and throws a typed IOError
// naming the call for everything else.
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which one, and its errno.
public struct IOError: Error, Sendable, Hashable, CustomStringConvertible {
    public var call: String
    public var errnoCode: Int32

    public init(call: String, errnoCode: Int32) {
        self.call = call
        self.errnoCode = errnoCode
    }

    /// strerror's text, e.g. "Connection refused".
    public var reason: String {
        guard let text = strerror(errnoCode) else { return "errno \(errnoCode)" }
        return String(cString: text)
    }

    public var description: String { "\(call): \(reason) (errno \(errnoCode))" }
}

/// The result of a non-blocking call.
enum IOResult<T> {
    case processed(T)
    case wouldBlock
}

enum Posix {
    /// Runs `body` until it does not fail with EINTR. A negative result
    /// becomes `.wouldBlock` for EAGAIN/EWOULDBLOCK, or an IOError.
    @inline(__always)
    private static func call(_ name: StaticString, _ body: () -> Int) throws(IOError) -> IOResult<Int> {
        while true {
            let rc = body()
            if rc >= 0 { return .processed(rc) }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            throw IOError(call: "\(name)", errnoCode: code)
        }
    }

    /// For calls that cannot block: a would-block result is an error too.
    @inline(__always)
    private static func blocking(_ name: StaticString, _ body: () -> Int) throws(IOError) -> Int {
        while true {
            let rc = body()
            if rc >= 0 { return rc }
            let code = errno
            if code == EINTR { continue }
            throw IOError(call: "\(name)", errnoCode: code)
        }
    }

    @inline(never)
    static func socket(domain: Int32) throws(IOError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return Int32(try blocking("socket") { Int(Glibc.socket(domain, type, 0)) })
    }

    @inline(never)
    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws(IOError) {
        var value = value
        _ = try blocking("setsockopt") {
            Int(Glibc.setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)))
        }
    }

    @inline(never)
    static func bind(_ fd: Int32, _ address: SocketAddress) throws(IOError) {
        _ = try blocking("bind") { address.withSockAddr { Int(Glibc.bind(fd, $0, $1)) } }
    }

    @inline(never)
    static func listen(_ fd: Int32, backlog: Int32) throws(IOError) {
        _ = try blocking("listen") { Int(Glibc.listen(fd, backlog)) }
    }

    /// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC.
    @inline(never)
    static func accept(_ fd: Int32) throws(IOError) -> IOResult<Int32> {
        let flags = Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let result = try call("accept4") { Int(Linux.accept4(fd, nil, nil, flags)) }
        switch result {
        case .processed(let fd): return .processed(Int32(fd))
        case .wouldBlock: return .wouldBlock
        }
    }

    /// Starts a non-blocking connect. - Returns: true when already connected,
    /// false when in progress (wait for writability, then `socketError`).
    @inline(never)
    static func connect(_ fd: Int32, _ address: SocketAddress) throws(IOError) -> Bool {
        while true {
            let rc = address.withSockAddr { Glibc.connect(fd, $0, $1) }
            if rc == 0 { return true }
            let code = errno
            if code == EINTR { continue }
            if code == EINPROGRESS { return false }
            throw IOError(call: "connect", errnoCode: code)
        }
    }

    /// SO_ERROR: the result of a non-blocking connect; 0 when it succeeded.
    @inline(never)
    static func socketError(_ fd: Int32) throws(IOError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try blocking("getsockopt") { Int(Glibc.getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length)) }
        return value
    }

    @inline(never)
    static func localAddress(_ fd: Int32) throws(IOError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try blocking("getsockname") {
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Int(Glibc.getsockname(fd, $0, &length)) }
            }
        }
        return SocketAddress(storage: storage)
    }

    @inline(never)
    static func remoteAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.getpeername(fd, $0, &length) }
        }
        return rc == 0 ? SocketAddress(storage: storage) : nil
    }

    @inline(never)
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(IOError) -> IOResult<Int> {
        try call("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    @inline(never)
    static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(IOError) -> IOResult<Int> {
        try call("write") { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    @inline(never)
    static func shutdownWrite(_ fd: Int32) {
        // Best effort: ENOTCONN when the peer has already gone is not an error here.
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes `fd`. EINTR is not retried: on Linux the descriptor is released
    /// even then, and retrying could close a descriptor another thread just got.
    @inline(never)
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    @inline(never)
    static func epollCreate() throws(IOError) -> Int32 {
        Int32(try blocking("epoll_create1") { Int(Linux.epollCreate1(Linux.EPOLL_CLOEXEC)) })
    }

    @inline(never)
    static func epollControl(_ epfd: Int32, _ op: Int32, _ fd: Int32, events: UInt32, data: UInt64) throws(IOError) {
        // A 16-byte scratch holds either layout of struct epoll_event.
        var scratch: (UInt64, UInt64) = (0, 0)
        _ = try blocking("epoll_ctl") {
            withUnsafeMutableBytes(of: &scratch) { raw in
                raw.storeBytes(of: events, toByteOffset: 0, as: UInt32.self)
                raw.storeBytes(of: data, toByteOffset: Linux.epollDataOffset, as: UInt64.self)
                return Int(Linux.epollCtl(epfd, op, fd, raw.baseAddress))
            }
        }
    }

    @inline(never)
    static func epollWait(_ epfd: Int32, _ events: UnsafeMutableRawPointer, _ capacity: Int32, timeoutMilliseconds: Int32) throws(IOError) -> Int {
        // EINTR here just means "woken early": report no events rather than retry with a stale timeout.
        let rc = Linux.epollWait(epfd, events, capacity, timeoutMilliseconds)
        if rc >= 0 { return Int(rc) }
        let code = errno
        if code == EINTR { return 0 }
        throw IOError(call: "epoll_wait", errnoCode: code)
    }

    @inline(never)
    static func eventFD() throws(IOError) -> Int32 {
        Int32(try blocking("eventfd") { Int(Linux.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC)) })
    }

    /// Adds 1 to an eventfd's counter, waking whoever polls it. A full counter
    /// (EAGAIN) already means "wake up", so it is not an error.
    @inline(never)
    static func eventFDSignal(_ fd: Int32) {
        var one: UInt64 = 1
        while Glibc.write(fd, &one, 8) < 0 && errno == EINTR {}
    }

    /// Resets an eventfd's counter.
    @inline(never)
    static func eventFDDrain(_ fd: Int32) {
        var value: UInt64 = 0
        while Glibc.read(fd, &value, 8) < 0 && errno == EINTR {}
    }

    /// poll(2) on one descriptor, for the client's blocking connect.
    /// - Returns: the revents, 0 on timeout.
    @inline(never)
    static func pollOne(_ fd: Int32, events: Int16, timeoutMilliseconds: Int32) throws(IOError) -> Int16 {
        var pfd = pollfd(fd: fd, events: events, revents: 0)
        let rc = try blocking("poll") { Int(Glibc.poll(&pfd, 1, timeoutMilliseconds)) }
        return rc == 0 ? 0 : pfd.revents
    }

    /// Writes that would raise SIGPIPE on a socket the peer closed must fail
    /// with EPIPE instead; OpenSSL's socket BIO uses write(2), which cannot ask
    /// for MSG_NOSIGNAL, so the signal is ignored process-wide once.
    static let ignoreSIGPIPE: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    static var coreCount: Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? n : 1
    }
}
