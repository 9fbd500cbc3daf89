#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import ConsentRPC

/// Something registered with an event loop for readiness events on one fd.
protocol Selectable: AnyObject {
    /// `events` is the epoll mask (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP).
    func handleEvents(_ events: UInt32)
}

/// Work a loop runs after every ready event, the inbox and the timers of a
/// turn: the place where a connection writes what the turn produced.
protocol EndOfTurnWork: AnyObject {
    func endOfTurn()
}

/// Messages from other threads to an object living on a loop. An enum, not a
/// closure, so that finishing a call from a storage thread allocates nothing.
protocol InboxTarget: AnyObject, Sendable {
    func receive(_ message: InboxMessage)
}

enum InboxMessage: @unchecked Sendable {  // the closures it carries are @Sendable
    case finish(CallToken, CallResult)
    case send(CallToken, [UInt8])
    case onTermination(CallToken, @Sendable (StatusCode) -> Void)
    case onWritable(CallToken, @Sendable () -> Void)
    /// Client side: calls were queued by other threads; start them.
    case startQueuedCalls
    /// Client side: cancel the call with this ticket.
    case cancelCall(UInt64)
    /// Client side: send a Ping with this id; `completion` gets the round trip.
    case ping(UInt64, @Sendable (Result<Duration, RPCError>) -> Void)
    /// Client side: a blocking ping gave up waiting; forget its completion.
    case forgetPing(UInt64)
}

private enum InboxItem {
    case task(@Sendable () -> Void)
    case message(any InboxTarget, InboxMessage)
}

/// One thread running epoll.
///
/// Connections are edge-triggered (EPOLLET): a connection always reads until
/// OpenSSL says WANT_READ anyway (epoll cannot see the bytes OpenSSL has
/// buffered, so level-triggering would not save that loop), and with edges a
/// connection that stops reading for backpressure needs no epoll_ctl to stop
/// being woken. The listener and the wake-up eventfd are level-triggered.
///
/// Work from other threads arrives through the inbox: a vector under a short
/// lock, swapped out whole once per turn; the eventfd is written only when the
/// inbox goes from empty to non-empty, so a burst of a thousand posts costs one
/// write(2) and one wake. The eventfd is written under the inbox lock and only
/// while the inbox is open; the loop closes the inbox (under that lock) before
/// it closes the eventfd, so no thread can write to a descriptor number the
/// process has meanwhile reused for a socket or a log segment.
///
/// Once the loop has ended its inbox is closed: `post` and `submit` return
/// false and run nothing, and every sender decides what a dead loop means for
/// its message (a late answer is dropped, a ping fails, a termination handler
/// runs with CANCELLED). Nothing is ever re-posted from the caller's thread,
/// which is what made a late answer recurse until the stack overflowed.
///
/// A turn: epoll_wait → every ready event → the inbox → due timers → the
/// end-of-turn work (each connection writes once).
///
/// `@unchecked Sendable`: everything but `inbox` (a Mutex), `stopRequested`
/// (an Atomic) and the immutable descriptors is touched only on the loop's
/// own thread; `inEventLoop` guards the entry points that must run there.
public final class EventLoop: @unchecked Sendable {
    public let index: Int
    let epfd: Int32
    private let wakeFD: Int32
    private static let wakeToken = UInt64.max

    /// Work from other threads; `closed` once the loop has ended, after which
    /// nothing is queued any more (see `post`, `submit`, `execute`).
    private let inbox = Mutex<(items: [InboxItem], closed: Bool)>(([], false))
    // The hot state below is confined to the loop thread and never borrowed
    // across a call out (handlers run after each access ends), so the dynamic
    // exclusivity checks Swift would do on every class-property access (15 %
    // of a server's CPU in a profile at 256 calls in flight) are turned off
    // for these properties only.
    @exclusivity(unchecked) private var inboxSpare: [InboxItem] = []
    @exclusivity(unchecked) private var localTasks: [() -> Void] = []
    private let stopRequested = Atomic<Bool>(false)

    @exclusivity(unchecked) private var registrations: [(generation: UInt32, handler: (any Selectable)?)] = []
    private var nextGeneration: UInt32 = 1

    @exclusivity(unchecked) private var timers = TimerHeap()

    @exclusivity(unchecked) private var endOfTurn: [any EndOfTurnWork] = []
    @exclusivity(unchecked) private var endOfTurnSpare: [any EndOfTurnWork] = []

    /// Run before the loop blocks after a turn that did something (see `whenIdle`).
    @exclusivity(unchecked) private var idleHook: (@Sendable () -> Void)?

    /// The monotonic time at the start of this turn's event processing, and
    /// again at the start of its timers (so a timer's handler never sees a
    /// time before its deadline).
    private(set) var now = MonotonicInstant.now()

    private let threadBox = Mutex<pthread_t?>(nil)
    /// Written once by the loop thread before anything is posted to it.
    nonisolated(unsafe) private var threadID: pthread_t? = nil
    private let started = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    /// Starts a loop on a new thread.
    public init(index: Int = 0, name: String = "consent-loop") throws(IOError) {
        _ = Posix.ignoreSIGPIPE
        self.index = index
        epfd = try Posix.epollCreate()
        do {
            wakeFD = try Posix.eventFD()
        } catch {
            Posix.close(epfd)
            throw error
        }
        do {
            try Posix.epollControl(epfd, Linux.EPOLL_CTL_ADD, wakeFD, events: Linux.EPOLLIN, data: Self.wakeToken)
        } catch {
            Posix.close(epfd)
            Posix.close(wakeFD)
            throw error
        }
        inboxSpare.reserveCapacity(256)
        registrations.reserveCapacity(1024)
        startThread(name: name)
    }

    private func startThread(name: String) {
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { arg in
            let loop = Unmanaged<EventLoop>.fromOpaque(arg!).takeRetainedValue()
            loop.run()
            return nil
        }, box.toOpaque())
        precondition(rc == 0, "pthread_create failed: \(rc)")
        threadBox.withLock { $0 = thread }
        // Wait until the thread has recorded its id, so inEventLoop is exact from now on.
        while !started.load(ordering: .acquiring) { sched_yield() }
    }

    /// Whether the caller runs on this loop's thread. False everywhere once the
    /// loop's thread has ended: a new thread may be given the same pthread_t.
    public var inEventLoop: Bool {
        guard let threadID, !finished.load(ordering: .relaxed) else { return false }
        return pthread_equal(pthread_self(), threadID) != 0
    }

    /// Runs `task` on the loop: in this turn if called on the loop (after the
    /// current event), otherwise as soon as the loop wakes.
    ///
    /// - Important: once the loop has stopped, `task` runs at once on the
    ///   caller's thread (so that a thread waiting for it is not left hanging).
    ///   Work that touches state confined to the loop must use `submit`, which
    ///   reports a stopped loop instead.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        if !submit(task) { task() }
    }

    /// Runs `task` on the loop, like `execute`.
    /// - Returns: false, without running `task`, when the loop has stopped.
    @discardableResult
    public func submit(_ task: @escaping @Sendable () -> Void) -> Bool {
        if inEventLoop && !stopRequested.load(ordering: .relaxed) {
            localTasks.append(task)
            return true
        }
        if enqueue(.task(task)) { return true }
        // The inbox closed; on the loop's own thread during its last turn the
        // task can still run here, where the loop's state may be touched.
        guard inEventLoop else { return false }
        task()
        return true
    }

    /// Delivers `message` to `target` on the loop (from any thread).
    /// - Returns: false when the loop has stopped: the message was not queued
    ///   and `target.receive` will not run; the sender completes it itself
    ///   without touching loop-confined state (and must never post it again).
    func post(_ target: any InboxTarget, _ message: InboxMessage) -> Bool {
        enqueue(.message(target, message))
    }

    private func enqueue(_ item: InboxItem) -> Bool {
        inbox.withLock { inbox -> Bool in
            if inbox.closed { return false }
            let wasEmpty = inbox.items.isEmpty
            inbox.items.append(item)
            // Signalled under the lock: the loop closes wakeFD only after it
            // has closed the inbox under this lock (L1).
            if wasEmpty { Posix.eventFDSignal(wakeFD) }
            return true
        }
    }

    private static func run(_ item: InboxItem) {
        switch item {
        case .task(let task): task()
        case .message(let target, let message): target.receive(message)
        }
    }

    /// Runs `task` on the loop after `delay`; never if the loop stops first.
    public func schedule(after delay: Duration, _ task: @escaping @Sendable () -> Void) {
        let nanos = delay.nanosecondsClamped
        submit { [self] in
            self.timers.addTask(task, deadline: MonotonicInstant.now().nanoseconds &+ nanos)
        }
    }

    // MARK: Loop-thread API

    /// Registers `fd` for `events`; `handler` is held until `deregister`.
    func register(_ fd: Int32, events: UInt32, handler: any Selectable) throws(IOError) {
        assert(inEventLoop)
        let slot = Int(fd)
        if slot >= registrations.count {
            registrations.append(contentsOf: repeatElement((generation: 0, handler: nil), count: slot + 1 - registrations.count))
        }
        let generation = nextGeneration
        nextGeneration &+= 1
        registrations[slot] = (generation, handler)
        try Posix.epollControl(epfd, Linux.EPOLL_CTL_ADD, fd, events: events, data: UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd)))
    }

    func modify(_ fd: Int32, events: UInt32) throws(IOError) {
        assert(inEventLoop)
        let generation = registrations[Int(fd)].generation
        try Posix.epollControl(epfd, Linux.EPOLL_CTL_MOD, fd, events: events, data: UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd)))
    }

    /// Removes `fd` (call before closing it). Events already fetched for it in
    /// this turn are dropped by the generation check.
    func deregister(_ fd: Int32) {
        assert(inEventLoop)
        _ = try? Posix.epollControl(epfd, Linux.EPOLL_CTL_DEL, fd, events: 0, data: 0)
        if Int(fd) < registrations.count { registrations[Int(fd)] = (0, nil) }
    }

    /// Arms a timer for `target` at `deadline`.
    func scheduleTimer(at deadline: MonotonicInstant, target: any TimerTarget, payload: UInt64) {
        assert(inEventLoop)
        timers.addTarget(target, payload: payload, deadline: deadline.nanoseconds)
    }

    /// Tells the loop a target timer will be ignored when it fires, so the heap
    /// can be compacted once dead entries dominate. Call it exactly once per
    /// armed timer that is given up before it fires, after its `isTimerLive`
    /// has started to say false; a timer that fired while live is accounted
    /// by the loop.
    func timerCancelled() {
        assert(inEventLoop)
        timers.timerCancelled()
    }

    /// For tests (on the loop): entries in the timer heap, the live target
    /// timers the loop counts, and those whose target says they are live.
    func timerCounts() -> (entries: Int, counted: Int, live: Int) {
        assert(inEventLoop)
        return (timers.count, timers.liveTargetTimers, timers.liveEntryCount)
    }

    /// For tests (on the loop): drops dead entries now.
    func compactTimersForTesting() {
        assert(inEventLoop)
        timers.compact()
    }

    /// Runs `hook` on the loop each time it is about to block with nothing
    /// left to do after a turn that did something: the moment when whatever
    /// this loop's calls appended is all there will be for a while (the
    /// server tells the log to stop holding its batch back for more). A busy
    /// loop never runs it. Replaces an earlier hook.
    public func whenIdle(_ hook: @escaping @Sendable () -> Void) {
        execute { [self] in idleHook = hook }
    }

    /// Runs `work.endOfTurn()` once at the end of this turn. The caller keeps
    /// its own flag so that it is added only once per turn.
    func runAtEndOfTurn(_ work: any EndOfTurnWork) {
        endOfTurn.append(work)
    }

    // MARK: The loop

    private func run() {
        threadID = pthread_self()
        started.store(true, ordering: .releasing)
        let capacity: Int32 = 256
        let events = UnsafeMutableRawPointer.allocate(byteCount: Int(capacity) * Linux.epollEventSize, alignment: 16)
        defer { events.deallocate() }
        var busy = false
        while !stopRequested.load(ordering: .relaxed) {
            let timeout = nextTimeout()
            var count: Int
            do {
                if busy, timeout != 0, let idleHook {
                    // Look first without blocking: only a loop about to sleep is idle.
                    count = try Posix.epollWait(epfd, events, capacity, timeoutMilliseconds: 0)
                    if count == 0 {
                        idleHook()
                        count = try Posix.epollWait(epfd, events, capacity, timeoutMilliseconds: nextTimeout())
                    }
                } else {
                    count = try Posix.epollWait(epfd, events, capacity, timeoutMilliseconds: timeout)
                }
                // A turn with events, or with local work (a zero timeout), may
                // have appended: the next time the loop would block, it is idle.
                busy = count > 0 || timeout == 0
            } catch {
                // EBADF/EINVAL cannot happen on our own epoll fd; stop rather than spin.
                print("consent event loop \(index): \(error)")
                break
            }
            now = .now()
            for i in 0..<count {
                let event = Linux.event(events, i)
                let data = event.data
                if data == Self.wakeToken {
                    Posix.eventFDDrain(wakeFD)
                    continue
                }
                let fd = Int(UInt32(truncatingIfNeeded: data))
                let generation = UInt32(truncatingIfNeeded: data >> 32)
                guard fd < registrations.count else { continue }
                let registration = registrations[fd]
                guard registration.generation == generation, let handler = registration.handler else { continue }
                handler.handleEvents(event.events)
            }
            runInbox()
            runLocalTasks()
            runTimers()
            runEndOfTurn()
        }
        // Shut down: whatever is still queued runs, so nothing waits forever;
        // from the moment the inbox is closed, posts are refused (their
        // senders complete them) and nobody writes to wakeFD any more.
        drainLocalWork()
        let last = inbox.withLock { inbox -> [InboxItem] in
            inbox.closed = true
            let items = inbox.items
            inbox.items = []
            return items
        }
        for item in last { Self.run(item) }
        drainLocalWork()
        Posix.close(wakeFD)
        Posix.close(epfd)
        finished.store(true, ordering: .releasing)
        // Let go of the handlers and timer targets still here: each holds its
        // loop (a connection keeps its loop context), so keeping them would
        // keep a stopped server or client alive. Emptied first, released
        // after, so a handler's deinit finds the tables empty.
        var held = (registrations, timers.removeAll(), endOfTurn, endOfTurnSpare)
        registrations = []
        endOfTurn = []
        endOfTurnSpare = []
        held = ([], [], [], [])
        _ = held
    }

    /// Local tasks and end-of-turn work may add more of each; run them until
    /// none is left (bounded, in case something keeps rescheduling itself).
    private func drainLocalWork() {
        for _ in 0..<1000 where !localTasks.isEmpty || !endOfTurn.isEmpty {
            runLocalTasks()
            runEndOfTurn()
        }
    }

    private func nextTimeout() -> Int32 {
        if !localTasks.isEmpty || !endOfTurn.isEmpty { return 0 }
        guard let deadline = timers.nextDeadline else { return -1 }
        let nowNanos = MonotonicInstant.now().nanoseconds
        if deadline <= nowNanos { return 0 }
        let ms = (deadline - nowNanos + 999_999) / 1_000_000
        return Int32(clamping: ms)
    }

    private func runInbox() {
        // Swap the queue out whole under the lock; the spare (empty, with
        // capacity) goes in, so neither side allocates in steady state.
        var items = inboxSpare
        inboxSpare = []
        inbox.withLock { swap(&$0.items, &items) }
        guard !items.isEmpty else {
            inboxSpare = items
            return
        }
        for item in items { Self.run(item) }
        items.removeAll(keepingCapacity: true)
        inboxSpare = items
    }

    private func runLocalTasks() {
        // Tasks may add tasks; those run next turn (the timeout is then 0).
        guard !localTasks.isEmpty else { return }
        let tasks = localTasks
        localTasks = []
        for task in tasks { task() }
    }

    private func runTimers() {
        guard !timers.isEmpty else { return }
        // Handlers judge by `now`: it must not lag behind the time the heap is
        // compared with. A handler that saw a stale `now` (the turn's start)
        // thought its deadline not yet reached and re-armed it at that same
        // deadline, which this loop then popped again at once, for ever.
        now = .now()
        let nowNanos = now.nanoseconds
        while let action = timers.popDue(now: nowNanos) {
            switch action {
            case .task(let task): task()
            case .target(let target, let payload): target.timerFired(payload)
            }
        }
    }

    private func runEndOfTurn() {
        while !endOfTurn.isEmpty {
            swap(&endOfTurn, &endOfTurnSpare)
            for work in endOfTurnSpare { work.endOfTurn() }
            endOfTurnSpare.removeAll(keepingCapacity: true)
        }
    }

    // MARK: Stopping

    /// Stops the loop after its current turn and waits for its thread to end
    /// (unless called on the loop itself). Idempotent.
    public func stop() {
        if stopRequested.exchange(true, ordering: .acquiringAndReleasing) == false {
            // Under the inbox lock and only while it is open: the loop may have
            // ended (and closed wakeFD) on its own already (L1).
            inbox.withLock { inbox in
                if !inbox.closed { Posix.eventFDSignal(wakeFD) }
            }
        }
        guard !inEventLoop else { return }
        let thread = threadBox.withLock { box -> pthread_t? in
            let t = box
            box = nil
            return t
        }
        if let thread { pthread_join(thread, nil) }
    }

    /// Once the loop is gone nobody can join its thread. A loop stopped from
    /// its own thread (a ClientConnection released on the loop it owns stops
    /// it there) was never joined, so each one kept its ended thread's stack
    /// until the process exited (ThreadSanitizer's "thread leak"): detach it.
    deinit {
        if let thread = threadBox.withLock({ $0 }) { pthread_detach(thread) }
    }
}

/// N event loops, one thread each.
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]
    private let cursor = Atomic<Int>(0)

    /// - Parameter threads: the number of loops; nil means one per core.
    public init(threads: Int? = nil, name: String = "consent-loop") throws(IOError) {
        let count = max(1, threads ?? Posix.coreCount)
        var loops: [EventLoop] = []
        for i in 0..<count {
            do {
                loops.append(try EventLoop(index: i, name: "\(name)-\(i)"))
            } catch {
                for loop in loops { loop.stop() }
                throw error
            }
        }
        self.loops = loops
    }

    /// The number of online cores.
    public static var coreCount: Int { Posix.coreCount }

    /// The loops in turn.
    public func next() -> EventLoop {
        let i = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
        return loops[i % loops.count]
    }

    /// Stops every loop and waits for their threads.
    public func shutdown() {
        for loop in loops { loop.stop() }
    }
}
