import ConsentProto
import ConsentRPC
import Synchronization

/// One registered method: who may call it, how to run it, and its counters.
final class MethodEntry: Sendable {
    let name: String
    let kind: MethodKind
    let roles: Set<Role>
    /// Decodes the request, runs the handler, answers through the responder.
    let invoke: @Sendable (IncomingCall, CallContext, CallResponder, MethodEntry) -> Void
    private let calls = Atomic<UInt64>(0)
    private let errors = Atomic<UInt64>(0)

    init(
        name: String, kind: MethodKind, roles: Set<Role>,
        invoke: @escaping @Sendable (IncomingCall, CallContext, CallResponder, MethodEntry) -> Void
    ) {
        self.name = name
        self.kind = kind
        self.roles = roles
        self.invoke = invoke
    }

    func record(_ code: StatusCode) {
        calls.add(1, ordering: .relaxed)
        if code != .ok { errors.add(1, ordering: .relaxed) }
    }

    var counts: (calls: UInt64, errors: UInt64) {
        (calls.load(ordering: .relaxed), errors.load(ordering: .relaxed))
    }
}

/// Collects the methods of every service before the server starts; the table
/// is immutable afterwards, so lookups on the call path take no lock.
public struct RouterBuilder: Sendable {
    var entries: [String: MethodEntry] = [:]
    let commits: any CommitTracker
    /// The most elements one repeated field of a request may hold (a batch,
    /// a list): counted on the wire before the request is decoded, so a
    /// frame of millions of empty entries costs a thousand tags, not
    /// millions of strings. Set before registering methods.
    public var maximumElementsPerField = 1000

    public init(commits: any CommitTracker = ImmediateCommits()) {
        self.commits = commits
    }

    /// Registers a unary method.
    /// - Parameters:
    ///   - roles: the roles allowed to call it (DESIGN §6); checked before the handler runs.
    ///   - handler: runs on the connection's event loop and must not block.
    public mutating func unary<Request, Response>(
        _ method: ProtoMethod<Request, Response>,
        roles: Set<Role>,
        _ handler: @escaping @Sendable (Request, CallContext) throws(RPCError) -> Reply<Response>
    ) {
        precondition(method.kind == .unary, "\(method.fullName) is not unary")
        let commits = self.commits
        let elementLimit = Self.elementLimit(for: Request.self, maximum: maximumElementsPerField)
        add(MethodEntry(name: method.fullName, kind: .unary, roles: roles) { call, context, responder, entry in
            if let elementLimit, let refusal = Router.tooManyElements(call.payload, as: Request.self, limit: elementLimit) {
                entry.record(refusal.code)
                responder.fail(refusal)
                return
            }
            let request: Request
            do {
                request = try Request(serializedBytes: call.payload)
            } catch {
                entry.record(.invalidArgument)
                responder.fail(Router.malformedRequest(Request.self, method: method.fullName))
                return
            }
            let reply: Reply<Response>
            do throws(RPCError) {
                reply = try handler(request, context)
            } catch {
                if let recorded = error.cause as? RecordedRefusal {
                    commits.whenDurable(recorded.durableAfter) { result in
                        let answer: RPCError
                        switch result {
                        case .success: answer = error
                        case .failure(let notRecorded): answer = notRecorded
                        }
                        entry.record(answer.code)
                        responder.fail(answer)
                    }
                    return
                }
                entry.record(error.code)
                responder.fail(error)
                return
            }
            // Serialise here, on the loop, so the completion only moves bytes.
            let payload = reply.response.serializedBytes()
            if reply.durableAfter == 0 {
                entry.record(.ok)
                responder.succeed(payload)
                return
            }
            commits.whenDurable(reply.durableAfter) { result in
                switch result {
                case .success:
                    entry.record(.ok)
                    responder.succeed(payload)
                case .failure(let error):
                    entry.record(error.code)
                    responder.fail(error)
                }
            }
        })
    }

    /// Registers a server-streaming method. The handler sends through the
    /// stream and ends it with `finish` or `fail`, now or later, from any thread.
    public mutating func serverStreaming<Request, Response>(
        _ method: ProtoMethod<Request, Response>,
        roles: Set<Role>,
        _ handler: @escaping @Sendable (Request, CallContext, ServerStream<Response>) -> Void
    ) {
        precondition(method.kind == .serverStreaming, "\(method.fullName) is not server-streaming")
        let elementLimit = Self.elementLimit(for: Request.self, maximum: maximumElementsPerField)
        add(MethodEntry(name: method.fullName, kind: .serverStreaming, roles: roles) { call, context, responder, entry in
            if let elementLimit, let refusal = Router.tooManyElements(call.payload, as: Request.self, limit: elementLimit) {
                entry.record(refusal.code)
                responder.fail(refusal)
                return
            }
            let request: Request
            do {
                request = try Request(serializedBytes: call.payload)
            } catch {
                entry.record(.invalidArgument)
                responder.fail(Router.malformedRequest(Request.self, method: method.fullName))
                return
            }
            handler(request, context, ServerStream(responder: responder, entry: entry))
        })
    }

    /// The element limit to apply to requests of `type`; nil when it has no
    /// repeated field at any depth (nothing to count).
    private static func elementLimit<M: ProtoMessage>(for type: M.Type, maximum: Int) -> Int? {
        ProtoWireCheck.hasRepeatedFields(type) ? maximum : nil
    }

    private mutating func add(_ entry: MethodEntry) {
        precondition(entries[entry.name] == nil, "\(entry.name) registered twice")
        entries[entry.name] = entry
    }
}

/// The server's `CallDispatcher`: authenticates the caller, finds the method,
/// checks the caller's roles, and runs the handler.
///
/// Order of checks: an unknown caller learns nothing about the methods
/// (UNAUTHENTICATED first), then UNIMPLEMENTED, then PERMISSION_DENIED.
public final class Router: CallDispatcher {
    private let entries: [String: MethodEntry]
    private let principals: ReloadableValue<PrincipalDirectory>
    private let unknownMethods = Atomic<UInt64>(0)

    public init(_ builder: RouterBuilder, principals: ReloadableValue<PrincipalDirectory>) {
        self.entries = builder.entries
        self.principals = principals
    }

    public func dispatch(_ call: IncomingCall, responder: CallResponder) {
        guard let principal = principals.value[call.peer.principalID] else {
            responder.fail(Self.unknownPrincipal(call.peer))
            return
        }
        guard let entry = entries[call.method] else {
            unknownMethods.add(1, ordering: .relaxed)
            // A name is at most a frame long: quote only its start.
            let name = call.method.unicodeScalars.count > 200 ? String(call.method.unicodeScalars.prefix(200)) + "…" : call.method
            responder.fail(RPCError(.unimplemented, "unknown method \(name)", trailers: [ErrorTrailers.reason: "method_unknown"]))
            return
        }
        guard !entry.roles.isDisjoint(with: principal.roles) else {
            entry.record(.permissionDenied)
            let has = principal.roles.sorted().map(\.rawValue).joined(separator: ", ")
            let needs = entry.roles.sorted().map(\.rawValue).joined(separator: " or ")
            // The reason ConsentCore gives a role refusal too: one name for one rule.
            responder.fail(RPCError(
                .permissionDenied,
                "\(principal.name) (\(principal.id)) has role \(has); \(call.method) requires \(needs)",
                trailers: [ErrorTrailers.reason: "role_not_allowed"]
            ))
            return
        }
        let context = CallContext(
            principal: principal, metadata: call.metadata, deadline: call.deadline, peer: call.peer, method: call.method
        )
        entry.invoke(call, context, responder, entry)
    }

    /// The transport answers an unknown certificate's calls with this before
    /// reading them (`dispatch` checks again: a reload may come in between).
    public func admission(of peer: PeerIdentity) -> CallResult? {
        principals.value[peer.principalID] == nil ? CallResult(Self.unknownPrincipal(peer)) : nil
    }

    public var admissionEpoch: UInt64 { principals.version }

    static func unknownPrincipal(_ peer: PeerIdentity) -> RPCError {
        RPCError(
            .unauthenticated,
            "client certificate \(peer.principalID) is not a known principal of this hub; ask the operator to add it to the principals file",
            trailers: [ErrorTrailers.reason: "principal_unknown"])
    }

    /// Every registered method name, sorted.
    public var methodNames: [String] { entries.keys.sorted() }

    /// Whether a service (e.g. `consent.v1.TokenService`) has any method here.
    public func serves(service: String) -> Bool {
        entries.keys.contains { $0.hasPrefix("/\(service)/") }
    }

    /// Calls and errors per method since start, for `Health.Stats`.
    public var methodStats: [(method: String, calls: UInt64, errors: UInt64)] {
        entries.values.map { ($0.name, $0.counts.calls, $0.counts.errors) }.sorted { $0.method < $1.method }
    }

    /// RESOURCE_EXHAUSTED `batch_too_large` when a repeated field of the
    /// payload holds more than `limit` elements (counted, not decoded).
    static func tooManyElements<M: ProtoMessage>(_ payload: [UInt8], as type: M.Type, limit: Int) -> RPCError? {
        guard case .tooManyElements(let field, _)? = ProtoWireCheck.check(payload, as: type, strict: false, maxElements: limit)
        else { return nil }
        return RPCError(
            .resourceExhausted,
            "A batch holds at most \(limit) items; field \(field) of this \(protoName(of: type)) has more than \(limit). Split it.",
            trailers: [ErrorTrailers.reason: "batch_too_large"])
    }

    static func malformedRequest<M>(_ type: M.Type, method: String) -> RPCError {
        RPCError(.invalidArgument, "the payload of \(method) is not a valid \(protoName(of: type)) message",
                 trailers: [ErrorTrailers.reason: "payload_malformed"])
    }

    /// `Consent_V1_HealthCheckRequest` → `consent.v1.HealthCheckRequest`.
    static func protoName<M>(of type: M.Type) -> String {
        let swiftName = String(describing: type)
        guard swiftName.hasPrefix("Consent_V1_") else { return swiftName }
        return "consent.v1." + swiftName.dropFirst("Consent_V1_".count)
    }
}
