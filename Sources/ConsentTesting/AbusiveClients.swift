#if canImport(Glibc)
import Glibc
#endif
import ConsentProto
import ConsentRPC

/// What one abusive client saw: how the hub answered each of its attempts
/// (a GoAway code, a status, "closed at accept", "served"…), counted.
public struct AbuseOutcome: Sendable, CustomStringConvertible {
    public let name: String
    public private(set) var answers: [String: Int] = [:]

    public init(_ name: String) {
        self.name = name
    }

    mutating func saw(_ answer: String, times: Int = 1) {
        answers[answer, default: 0] += times
    }

    public subscript(answer: String) -> Int { answers[answer, default: 0] }

    public var description: String {
        "\(name): " + answers.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: ", ")
    }
}

/// The abusive clients of issue 11 (point 4), each run to completion against
/// a hub: for the tests (which check how the hub answered and that a
/// well-behaved client was served meanwhile) and for `consent-abusebench`
/// (which measures what they cost that client). Every function blocks its
/// thread for the abuse's duration; run several on threads of their own.
public enum AbusiveClients {
    static let health = Consent_V1_Health.check.fullName
    static let watch = Consent_V1_ConsentService.watchEvents.fullName

    /// The name of a GoAway code, or "closed" / "open" when none came.
    static func ending(_ read: (frames: [Consent_V1_Frame], closed: Bool)) -> String {
        if let code = RawConnection.goAwayCode(read.frames) { return "GoAway \(code.protoName)" }
        return read.closed ? "closed" : "open"
    }

    /// `count` TCP connections that never start TLS, held for `hold`, then
    /// dropped. Answers: "closed by the server" (at accept, over the pending
    /// cap, or at the handshake timeout) or "still open".
    public static func neverHandshake(_ endpoint: HubEndpoint, count: Int, hold: Duration) -> AbuseOutcome {
        var outcome = AbuseOutcome("never-handshaking connections")
        let connections = (0..<count).compactMap { _ in try? RawConnection(to: endpoint, tls: nil, readTimeout: .milliseconds(1)) }
        outcome.saw("connect refused", times: count - connections.count)
        sleep(hold)
        for connection in connections {
            var byte: UInt8 = 0
            let n = recv(connection.fd, &byte, 1, Int32(MSG_DONTWAIT))
            outcome.saw(n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ? "closed by the server" : "still open")
            connection.close()
        }
        return outcome
    }

    /// `connections` connections that each send one Request a byte every
    /// `interval`, until the server cuts them off or `limit` passes.
    public static func slowloris(_ endpoint: HubEndpoint, connections count: Int, interval: Duration, limit: Duration) -> AbuseOutcome {
        var outcome = AbuseOutcome("slowloris")
        guard let context = try? endpoint.tlsContext() else { return outcome }
        let frame = FrameEncoder.encode(RawConnection.request(1, health, payload: [UInt8](repeating: 0x20, count: 64)))
        var open = (0..<count).compactMap { _ in try? RawConnection(to: endpoint, tls: context, readTimeout: .milliseconds(200)) }
        var sent = 0
        let deadline = ContinuousClock.now + limit
        while !open.isEmpty && ContinuousClock.now < deadline {
            for connection in open { _ = connection.write([frame[sent % frame.count]]) }
            sent += 1
            sleep(interval)
            open.removeAll { connection in
                var poll = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
                guard Glibc.poll(&poll, 1, 0) > 0 else { return false }
                outcome.saw(ending(connection.readUntilClosed()))
                return true
            }
        }
        outcome.saw("still open at the end", times: open.count)
        return outcome
    }

    /// Pipelines up to `calls` Health.Check requests on one connection that
    /// never reads an answer (tiny socket buffers), holds it `hold`, then
    /// drops it. Answer: "server stopped reading" once a write times out (the
    /// server's output went over its high-water mark and it stopped reading
    /// this connection), else "all requests written".
    public static func neverRead(_ endpoint: HubEndpoint, calls: Int, hold: Duration) -> AbuseOutcome {
        var outcome = AbuseOutcome("calls opened and never read")
        guard let context = try? endpoint.tlsContext(),
              let connection = try? RawConnection(to: endpoint, tls: context, readTimeout: .milliseconds(500), receiveBuffer: 4096)
        else { return outcome }
        var small: Int32 = 4096
        setsockopt(connection.fd, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        // One Health.Check over and over under the same call id: each is
        // answered at once, so the id is never open twice.
        let one = FrameEncoder.encode(RawConnection.request(1, health))
        let perChunk = max(1, 64 * 1024 / one.count)
        var chunk: [UInt8] = []
        for _ in 0..<perChunk { chunk += one }
        var sent = 0
        var stopped = false
        while sent < calls {
            guard connection.write(chunk) else {
                stopped = true
                break
            }
            sent += perChunk
        }
        outcome.saw(stopped ? "server stopped reading" : "all requests written")
        sleep(hold)
        connection.close()
        return outcome
    }

    /// `cycles` connections opened and dropped at once: TCP only, or after a
    /// full TLS handshake.
    public static func connectAndDrop(_ endpoint: HubEndpoint, cycles: Int, tls: Bool) -> AbuseOutcome {
        var outcome = AbuseOutcome(tls ? "TLS connect/drop cycles" : "TCP connect/drop cycles")
        let context = tls ? try? endpoint.tlsContext() : nil
        for _ in 0..<cycles {
            do {
                let connection = try RawConnection(to: endpoint, tls: context, readTimeout: .seconds(5))
                connection.close()
                outcome.saw("dropped")
            } catch {
                outcome.saw("refused")
            }
        }
        return outcome
    }

    /// A frame length of 4 GiB − 1, then junk. Answer: the GoAway.
    public static func hugeLength(_ endpoint: HubEndpoint) -> AbuseOutcome {
        var outcome = AbuseOutcome("4 GiB length")
        guard let context = try? endpoint.tlsContext(), let connection = try? RawConnection(to: endpoint, tls: context) else { return outcome }
        connection.write([0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0x41, count: 1000))
        outcome.saw(ending(connection.readUntilClosed()))
        return outcome
    }

    /// Within the 4 MiB frame limit: a request payload nested half a million
    /// levels deep (unknown length-delimited fields), a Health.Check whose
    /// service name is 4 MB, and a Frame whose Request carries a deep unknown
    /// field. Answers: the statuses (the connection stays).
    public static func deepAndHuge(_ endpoint: HubEndpoint) -> AbuseOutcome {
        var outcome = AbuseOutcome("deep and huge messages")
        guard let context = try? endpoint.tlsContext(), let connection = try? RawConnection(to: endpoint, tls: context) else { return outcome }
        let deep = nested(depth: 500_000, field: 15)
        var huge = Consent_V1_HealthCheckRequest()
        huge.service = String(repeating: "x", count: 4 * 1024 * 1024 - 200)
        connection.send(RawConnection.request(1, health, payload: deep))
        connection.send(RawConnection.request(2, health, payload: huge.serializedBytes()))
        var frameWithDeepField = Consent_V1_Frame(callId: 3, kind: .request(Consent_V1_Request(method: health))).serializedBytes()
        frameWithDeepField += nested(depth: 200_000, field: 99)
        connection.write(prefixed(frameWithDeepField))
        let (frames, _) = connection.readFrames(3)
        for frame in frames {
            if case .response(let response)? = frame.kind { outcome.saw(StatusCode(rawValue: response.statusCode).name) }
        }
        return outcome
    }

    /// Calls with a deadline of 0 (none), 1 ms and 2^32 − 1 ms (49.7 days,
    /// the most `deadline_ms` can say): Health.Check answers; WatchEvents
    /// streams stay open until the connection is dropped.
    public static func extremeDeadlines(_ endpoint: HubEndpoint) -> AbuseOutcome {
        var outcome = AbuseOutcome("deadlines of 0 and of years")
        guard let context = try? endpoint.tlsContext(), let connection = try? RawConnection(to: endpoint, tls: context) else { return outcome }
        for (id, deadline) in [(1, 0), (2, 1), (3, UInt32.max)] as [(UInt32, UInt32)] {
            connection.send(RawConnection.request(id, health, deadlineMs: deadline))
        }
        for (id, deadline) in [(11, 0), (12, UInt32.max)] as [(UInt32, UInt32)] {
            connection.send(RawConnection.request(id, watch, payload: Consent_V1_WatchEventsRequest().serializedBytes(), deadlineMs: deadline))
        }
        let (frames, _) = connection.readFrames(3)
        for frame in frames {
            if case .response(let response)? = frame.kind { outcome.saw(StatusCode(rawValue: response.statusCode).name) }
        }
        connection.close()  // with two streams open and a 49-day timer armed
        return outcome
    }

    /// `count` Cancel frames for calls that do not exist, then a Health.Check.
    public static func unknownCancels(_ endpoint: HubEndpoint, count: Int) -> AbuseOutcome {
        var outcome = AbuseOutcome("cancels of unknown calls")
        guard let context = try? endpoint.tlsContext(), let connection = try? RawConnection(to: endpoint, tls: context) else { return outcome }
        var batch: [UInt8] = []
        for i in 0..<count { FrameEncoder.append(Consent_V1_Frame(callId: UInt32(1000 + i), kind: .cancel(Consent_V1_Cancel())), to: &batch) }
        FrameEncoder.append(RawConnection.request(1, health), to: &batch)
        connection.write(batch)
        let (frames, _) = connection.readFrames(1)
        if case .response(let response)? = frames.first?.kind { outcome.saw(StatusCode(rawValue: response.statusCode).name) }
        return outcome
    }

    /// A Request with call id 0. Answer: the GoAway.
    public static func callIDZero(_ endpoint: HubEndpoint) -> AbuseOutcome {
        var outcome = AbuseOutcome("call id 0")
        guard let context = try? endpoint.tlsContext(), let connection = try? RawConnection(to: endpoint, tls: context) else { return outcome }
        connection.send(RawConnection.request(0, health))
        outcome.saw(ending(connection.readUntilClosed()))
        return outcome
    }

    /// Two WatchEvents streams with the same call id. Answer: the GoAway.
    public static func duplicateCallIDs(_ endpoint: HubEndpoint) -> AbuseOutcome {
        var outcome = AbuseOutcome("duplicate call ids")
        guard let context = try? endpoint.tlsContext(), let connection = try? RawConnection(to: endpoint, tls: context) else { return outcome }
        let request = RawConnection.request(5, watch, payload: Consent_V1_WatchEventsRequest().serializedBytes())
        connection.send(request)
        connection.send(request)
        outcome.saw(ending(connection.readUntilClosed()))
        return outcome
    }

    // MARK: Helpers

    /// Length-delimited field `field` nested `depth` times, innermost empty.
    static func nested(depth: Int, field: UInt64) -> [UInt8] {
        // Built from the inside out: each level is tag, length, inner.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(depth * 5)
        var levels: [(tag: [UInt8], length: Int)] = []
        var inner = 0
        for _ in 0..<depth {
            let tag = varint(field << 3 | 2)
            levels.append((tag, inner))
            inner += tag.count + varint(UInt64(inner)).count
        }
        for level in levels.reversed() {
            bytes += level.tag
            bytes += varint(UInt64(level.length))
        }
        return bytes
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        return out + [UInt8(v)]
    }

    static func prefixed(_ body: [UInt8]) -> [UInt8] {
        let n = UInt32(body.count)
        return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + body
    }

    static func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
