import ConsentOpenSSL
import ConsentRPC

/// What a `FramedChannel` asks of the connection that owns it (the server's
/// `ServerConnection`, the client's `ClientConnection`): the owner decides
/// what a frame means and what the end of the socket means, the channel moves
/// the bytes.
///
/// The channel's methods take the owner as a generic argument instead of
/// keeping a reference to it: no cycle, no unowned pointer, and the calls are
/// specialised into direct calls on the two final classes.
protocol FramedChannelOwner: EndOfTurnWork, Sendable {
    /// Whether frames are read and handled now (the owner's state machine;
    /// backpressure is the channel's own `readPaused`).
    var acceptsInput: Bool { get }
    /// Whether output may be written now.
    var acceptsOutput: Bool { get }
    /// Bytes the owner will add to the output soon (answers posted from other
    /// threads), counted against the high-water mark like the output itself.
    var pendingOutputBytes: Int { get }
    /// A read is about to start after `releaseIdleBuffers`.
    func buffersReacquired()
    /// `count` bytes arrived (before their frames are handled).
    func bytesArrived(_ count: Int)
    /// One whole frame; the bytes are valid during the call only.
    func handleFrame(_ bytes: UnsafeRawBufferPointer)
    /// The decoder refused a frame (its announced length is over the limit).
    func frameRefused(_ error: FrameError)
    /// A read pass ended (its budget spent, the socket empty, or the input stopped).
    func readPassEnded()
    /// The socket is full and the output is still there; write interest is on.
    func outputBlocked()
    /// The socket is full and the output over `outputLimit`: the peer does not read.
    func outputOverLimit()
    /// Every byte of the output was written; write interest is off.
    func outputFlushed()
    /// The peer closed the connection or the socket failed, while reading or writing.
    func channelEnded(_ end: FramedChannelEnd)
    /// `epoll_ctl` refused to change the write interest.
    func writeInterestFailed(_ error: IOError)
}

/// Why a channel can move no more bytes.
enum FramedChannelEnd {
    case closedByPeer(whileWriting: Bool)
    case failed(OpenSSLError, whileWriting: Bool)
}

/// The framed TLS connection under both ends of the protocol: the TLS read
/// loop with a read budget per readiness event, the frame decoder, the output
/// buffer written once per loop turn, write interest, and giving the buffers
/// back while the connection is quiet.
///
/// Fairness: a readable event reads at most `readBudget` TLS records, then the
/// channel queues the rest of its reading as a task on the loop (edge-triggered
/// epoll will not report the socket again) and the loop's other connections,
/// its inbox and timers have their turn first. Without it one connection that
/// is sent faster than it handles frames keeps its loop for as long as that
/// lasts: on a server the other clients' calls wait, on a client loop shared
/// by several connections (a load generator, a gateway) the other connections'
/// answers and every call queued from other threads wait.
///
/// `@unchecked Sendable`: everything is touched only on `loop`'s thread (the
/// budget's task captures it to run there).
final class FramedChannel: @unchecked Sendable {
    let loop: EventLoop
    let fd: Int32
    let tls: TLSConnection
    private let stats: LoopStats?

    // The hot state below is confined to the loop thread and never borrowed
    // across a call out (owners' handlers run after each access ends), so the
    // dynamic exclusivity checks Swift would do on every class-property access
    // (15 % of a server's CPU in a profile at 256 calls in flight) are turned
    // off for these properties only.
    @exclusivity(unchecked) var decoder: FrameDecoder
    @exclusivity(unchecked) var output: ByteBuffer
    @exclusivity(unchecked) private var flushScheduled = false
    @exclusivity(unchecked) private(set) var writeInterest = false
    /// Reading stopped for backpressure (output over the high-water mark).
    @exclusivity(unchecked) private(set) var readPaused = false
    /// The buffers were given back while the connection was quiet; the next
    /// read allocates them again (and tells the owner).
    private var buffersReleased = false

    /// Output (with the owner's pending bytes) above which reading pauses.
    let outputHighWaterMark: Int
    /// Output above which, with the socket full, the peer is cut off; nil: no limit.
    let outputLimit: Int?

    /// SSL_reads per readable event before yielding to the loop's other work.
    static let readBudget = 64
    /// The most an output buffer keeps allocated once it is empty.
    private static let retainedOutputCapacity = 64 * 1024

    init(
        loop: EventLoop, fd: Int32, tls: TLSConnection, stats: LoopStats?, maxFrameSize: Int, initialInputCapacity: Int? = nil,
        outputHighWaterMark: Int = .max, outputLimit: Int? = nil
    ) {
        self.loop = loop
        self.fd = fd
        self.tls = tls
        self.stats = stats
        if let initialInputCapacity {
            decoder = FrameDecoder(maxFrameSize: maxFrameSize, initialCapacity: initialInputCapacity)
        } else {
            decoder = FrameDecoder(maxFrameSize: maxFrameSize)
        }
        output = ByteBuffer(capacity: 16 * 1024)
        self.outputHighWaterMark = outputHighWaterMark
        self.outputLimit = outputLimit
    }

    /// The epoll interest of a registered channel.
    static func events(writeInterest: Bool) -> UInt32 {
        Linux.EPOLLIN | Linux.EPOLLRDHUP | Linux.EPOLLET | (writeInterest ? Linux.EPOLLOUT : 0)
    }

    // MARK: Reading

    /// Reads until OpenSSL wants more from the socket, the owner stops taking
    /// input, backpressure pauses reading, or the budget is spent (then the
    /// rest runs as a task later in this loop turn, after the other ready
    /// connections).
    func readAll<Owner: FramedChannelOwner>(_ owner: Owner) {
        defer { owner.readPassEnded() }
        if buffersReleased {
            buffersReleased = false
            owner.buffersReacquired()
        }
        var reads = 0
        while owner.acceptsInput && !readPaused {
            if reads == Self.readBudget {
                // Edge-triggered epoll will not tell us again: come back ourselves.
                loop.execute { [self, owner] in self.readAll(owner) }
                return
            }
            reads += 1
            switch tls.read(into: decoder.writableSpace(minimum: 4096)) {
            case .bytes(let n):
                decoder.didWrite(n)
                if let stats { LoopStats.bump(stats.bytesRead, by: n) }
                owner.bytesArrived(n)
                processFrames(owner)
            case .wantRead:
                return
            case .wantWrite:
                setWriteInterest(true, owner)
                return
            case .closed:
                owner.channelEnded(.closedByPeer(whileWriting: false))
                return
            case .error(let error):
                owner.channelEnded(.failed(error, whileWriting: false))
                return
            }
        }
    }

    /// Hands every whole frame in the decoder to the owner, unless output
    /// backpressure or the owner's state stops it first.
    func processFrames<Owner: FramedChannelOwner>(_ owner: Owner) {
        while owner.acceptsInput && !readPaused {
            let frame: UnsafeRawBufferPointer?
            do {
                frame = try decoder.nextFrame()
            } catch {
                owner.frameRefused(error)
                return
            }
            guard let frame else { return }
            owner.handleFrame(frame)
            // Bytes the owner is about to add count too: they land in `output`
            // as soon as the loop takes its inbox.
            if output.readableBytes + owner.pendingOutputBytes > outputHighWaterMark {
                readPaused = true
                if let stats { LoopStats.bump(stats.readPauses) }
                scheduleFlush(owner)
            }
        }
    }

    /// Takes up reading after a backpressure pause: the frames already
    /// buffered first, then the socket.
    func resumeReading<Owner: FramedChannelOwner>(_ owner: Owner) {
        guard readPaused else { return }
        readPaused = false
        processFrames(owner)
        readAll(owner)
    }

    // MARK: Writing

    /// Writes the output at the end of this loop turn (once, whatever was added).
    @inline(__always)
    func scheduleFlush<Owner: FramedChannelOwner>(_ owner: Owner) {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.runAtEndOfTurn(owner)
    }

    /// The owner's `endOfTurn`.
    func endOfTurn<Owner: FramedChannelOwner>(_ owner: Owner) {
        flushScheduled = false
        flush(owner)
    }

    /// Writes the output: one SSL_write for all of it (more only when it is
    /// over a TLS record or the socket takes it in parts).
    func flush<Owner: FramedChannelOwner>(_ owner: Owner) {
        guard owner.acceptsOutput else { return }
        while !output.isEmpty {
            switch tls.write(output.readable) {
            case .bytes(let n):
                output.moveReaderIndex(forwardBy: n)
                if let stats { LoopStats.bump(stats.bytesWritten, by: n) }
            case .wantWrite, .wantRead:
                if let outputLimit, output.readableBytes > outputLimit {
                    owner.outputOverLimit()
                    return
                }
                setWriteInterest(true, owner)
                owner.outputBlocked()
                return
            case .closed:
                owner.channelEnded(.closedByPeer(whileWriting: true))
                return
            case .error(let error):
                owner.channelEnded(.failed(error, whileWriting: true))
                return
            }
        }
        output.shrinkIfEmpty(to: Self.retainedOutputCapacity)
        setWriteInterest(false, owner)
        owner.outputFlushed()
    }

    /// Asks epoll for writability (the socket was full) or stops asking.
    func setWriteInterest<Owner: FramedChannelOwner>(_ on: Bool, _ owner: Owner) {
        guard on != writeInterest else { return }
        writeInterest = on
        do {
            try loop.modify(fd, events: Self.events(writeInterest: on))
        } catch {
            owner.writeInterestFailed(error)
        }
    }

    // MARK: Memory

    /// Nothing read and unhandled, nothing unwritten, not waiting to write.
    var isQuiet: Bool { output.isEmpty && decoder.bufferedByteCount == 0 && !writeInterest }

    /// The capacity of the input and output buffers.
    var bufferCapacity: Int { decoder.capacityBytes + output.capacity }

    /// Gives the buffers (ours and OpenSSL's) back while the connection is
    /// quiet; the next read allocates them again.
    func releaseIdleBuffers() {
        decoder.releaseMemory()
        output.releaseMemory()
        _ = tls.releaseIdleBuffers()
        buffersReleased = true
    }

    /// The socket is closed: let go of every buffer (the object may live on,
    /// held by a dead timer entry or a responder).
    func releaseAll() {
        decoder.releaseMemory()
        output.releaseMemory()
        tls.release()
    }
}
