// epoll and eventfd for Swift without a C shim target.
//
// Swift's Glibc module does not include <sys/epoll.h> or <sys/eventfd.h>, and
// ConsentTransport has no C target of its own, so the four functions are
// looked up once with dlsym and called through `@convention(c)` function
// pointers: the exact C ABI, no guessing at calling conventions. The
// constants and the layout of `struct epoll_event` come from the kernel ABI
// (include/uapi/linux/eventpoll.h), which is stable.
#if canImport(Glibc)
import Glibc
#endif

enum Linux {
    static let EPOLLIN: UInt32 = 0x001
    static let EPOLLOUT: UInt32 = 0x004
    static let EPOLLERR: UInt32 = 0x008
    static let EPOLLHUP: UInt32 = 0x010
    static let EPOLLRDHUP: UInt32 = 0x2000
    static let EPOLLET: UInt32 = 1 << 31
    static let EPOLL_CTL_ADD: Int32 = 1
    static let EPOLL_CTL_DEL: Int32 = 2
    static let EPOLL_CTL_MOD: Int32 = 3
    static let EPOLL_CLOEXEC: Int32 = 0o2000000  // = O_CLOEXEC
    static let EFD_CLOEXEC: Int32 = 0o2000000
    static let EFD_NONBLOCK: Int32 = 0o4000  // = O_NONBLOCK

    /// `struct epoll_event` is packed on x86-64 (12 bytes) and naturally
    /// aligned elsewhere (16 bytes, data at offset 8).
    #if arch(x86_64)
    static let epollEventSize = 12
    static let epollDataOffset = 4
    #else
    static let epollEventSize = 16
    static let epollDataOffset = 8
    #endif

    typealias EpollCreate1 = @convention(c) (Int32) -> Int32
    typealias EpollCtl = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    typealias EpollWait = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
    typealias EventFD = @convention(c) (UInt32, Int32) -> Int32
    typealias Accept4 = @convention(c) (Int32, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int32) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) -> T {
        // RTLD_DEFAULT: search the process's global symbols (libc is always loaded).
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
            fatalError("libc has no \(name): ConsentTransport needs Linux")
        }
        return unsafeBitCast(pointer, to: type)
    }

    nonisolated(unsafe) static let epollCreate1 = symbol("epoll_create1", as: EpollCreate1.self)
    nonisolated(unsafe) static let epollCtl = symbol("epoll_ctl", as: EpollCtl.self)
    nonisolated(unsafe) static let epollWait = symbol("epoll_wait", as: EpollWait.self)
    nonisolated(unsafe) static let eventfd = symbol("eventfd", as: EventFD.self)
    /// Also _GNU_SOURCE-only in the headers Swift sees.
    nonisolated(unsafe) static let accept4 = symbol("accept4", as: Accept4.self)

    /// Reads event `i` of an epoll_wait result buffer.
    @inline(__always)
    static func event(_ buffer: UnsafeMutableRawPointer, _ i: Int) -> (events: UInt32, data: UInt64) {
        let p = buffer + i * epollEventSize
        return (p.loadUnaligned(as: UInt32.self), p.loadUnaligned(fromByteOffset: epollDataOffset, as: UInt64.self))
    }
}
