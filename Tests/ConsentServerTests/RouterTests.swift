import ConsentProto
import ConsentRPC
import Foundation
import Synchronization
import Testing
@testable import ConsentServer

/// Records what a router answers, without a network.
final class RecordingSink: CallSink {
    let results = Mutex<[CallToken: CallResult]>([:])

    func finish(call: CallToken, result: CallResult) {
        results.withLock { if $0[call] == nil { $0[call] = result } }
    }
    func send(call: CallToken, message: [UInt8]) -> Bool { true }
    func onTermination(call: CallToken, _ handler: @escaping @Sendable (StatusCode) -> Void) {}
    func onWritable(call: CallToken, _ handler: @escaping @Sendable () -> Void) { handler() }

    func result(_ id: UInt32) -> CallResult? { results.withLock { $0[CallToken(callID: id, sequence: UInt64(id))] } }
}

/// Holds completions until the test releases them, like a log waiting for fdatasync.
final class ManualCommits: CommitTracker {
    let pending = Mutex<[(UInt64, @Sendable (Result<Void, RPCError>) -> Void)]>([])
    func whenDurable(_ sequence: UInt64, _ completion: @escaping @Sendable (Result<Void, RPCError>) -> Void) {
        pending.withLock { $0.append((sequence, completion)) }
    }
    func release(_ result: Result<Void, RPCError>) {
        let waiting = pending.withLock { p in defer { p.removeAll() }; return p }
        for (_, completion) in waiting { completion(result) }
    }
}

struct StaticHealth: HealthReporting {
    var isServing = true
    func serves(service: String) -> Bool { service == "consent.v1.Health" }
    func statistics() -> Consent_V1_HealthStatsResponse { .init(eventLoops: 2, storage: "memory") }
}

@Suite struct RouterTests {
    let principals = ReloadableValue(PrincipalDirectory([
        Principal(id: "910000009", name: "BANKEN AS", roles: [.consumer]),
        Principal(id: "974760673", name: "Portal", roles: [.portal]),
    ]))

    func router(commits: any CommitTracker = ImmediateCommits(), health: StaticHealth = StaticHealth()) -> Router {
        var builder = RouterBuilder(commits: commits)
        HealthService.register(into: &builder, reporter: health)
        // A method only the portal may call, answering once "durable" at sequence 5.
        builder.unary(ProtoMethod<Consent_V1_HealthCheckRequest, Consent_V1_HealthCheckResponse>(fullName: "/test.Portal/Only", kind: .unary), roles: [.portal]) { request, context throws(RPCError) in
            if request.service == "fail" { throw RPCError(.failedPrecondition, "asked to fail by \(context.principal.name)") }
            return Reply(.init(status: .serving), durableAfter: 5)
        }
        return Router(builder, principals: principals)
    }

    func call(_ router: Router, _ sink: RecordingSink, id: UInt32, method: String, from principal: String, payload: [UInt8] = []) {
        let call = IncomingCall(method: method, metadata: [:], deadline: nil, payload: payload, peer: PeerIdentity(principalID: principal))
        router.dispatch(call, responder: CallResponder(sink: sink, token: CallToken(callID: id, sequence: UInt64(id))))
    }

    @Test func unknownCertificateIsUnauthenticatedBeforeAnythingElse() {
        let sink = RecordingSink()
        call(router(), sink, id: 1, method: "/no.Such/Method", from: "123456785")
        #expect(sink.result(1)?.code == .unauthenticated)
        #expect(sink.result(1)?.message.contains("123456785 is not a known principal") == true)
        #expect(sink.result(1)?.trailers[ErrorTrailers.reason] == "principal_unknown", "programs tell it apart by its reason")
    }

    @Test func unknownMethodIsUnimplemented() {
        let sink = RecordingSink()
        call(router(), sink, id: 1, method: "/consent.v1.Health/Nope", from: "910000009")
        #expect(sink.result(1)?.code == .unimplemented)
        #expect(sink.result(1)?.message == "unknown method /consent.v1.Health/Nope")
        #expect(sink.result(1)?.trailers[ErrorTrailers.reason] == "method_unknown")
    }

    @Test func callerWithoutTheRoleIsPermissionDenied() {
        let sink = RecordingSink()
        call(router(), sink, id: 1, method: "/test.Portal/Only", from: "910000009")
        #expect(sink.result(1)?.code == .permissionDenied)
        #expect(sink.result(1)?.message == "BANKEN AS (910000009) has role consumer; /test.Portal/Only requires portal")
        #expect(sink.result(1)?.trailers[ErrorTrailers.reason] == "role_not_allowed", "as ConsentCore names a role refusal")
    }

    @Test func undecodablePayloadIsInvalidArgument() {
        let sink = RecordingSink()
        call(router(), sink, id: 1, method: "/consent.v1.Health/Check", from: "910000009", payload: [0x0A, 0x09])
        #expect(sink.result(1)?.code == .invalidArgument)
        #expect(sink.result(1)?.message == "the payload of /consent.v1.Health/Check is not a valid consent.v1.HealthCheckRequest message")
        #expect(sink.result(1)?.trailers[ErrorTrailers.reason] == "payload_malformed")
    }

    @Test func handlerErrorsKeepTheirCodeAndMessage() {
        let sink = RecordingSink()
        call(router(), sink, id: 1, method: "/test.Portal/Only", from: "974760673", payload: Consent_V1_HealthCheckRequest(service: "fail").serializedBytes())
        #expect(sink.result(1)?.code == .failedPrecondition)
        #expect(sink.result(1)?.message == "asked to fail by Portal")
    }

    @Test func answerWaitsUntilTheLogIsDurable() throws {
        let commits = ManualCommits()
        let sink = RecordingSink()
        let router = router(commits: commits)
        call(router, sink, id: 1, method: "/test.Portal/Only", from: "974760673")
        #expect(sink.result(1) == nil, "answered before the record was durable")
        commits.release(.success(()))
        let result = try #require(sink.result(1))
        #expect(result.code == .ok)
        #expect(try Consent_V1_HealthCheckResponse(serializedBytes: result.payload).status == .serving)
    }

    @Test func failedSyncAnswersUnavailableNeverOK() {
        let commits = ManualCommits()
        let sink = RecordingSink()
        call(router(commits: commits), sink, id: 1, method: "/test.Portal/Only", from: "974760673")
        commits.release(.failure(RPCError(.unavailable, "disk full")))
        #expect(sink.result(1)?.code == .unavailable)
        #expect(sink.result(1)?.message == "disk full")
    }

    @Test func healthCheckReportsServingNotServingAndUnknownServices() throws {
        func check(_ health: StaticHealth, _ service: String) throws -> Consent_V1_HealthCheckResponse.ServingStatus {
            let sink = RecordingSink()
            call(router(health: health), sink, id: 1, method: "/consent.v1.Health/Check", from: "910000009", payload: Consent_V1_HealthCheckRequest(service: service).serializedBytes())
            return try Consent_V1_HealthCheckResponse(serializedBytes: #require(sink.result(1)).payload).status
        }
        #expect(try check(StaticHealth(), "") == .serving)
        #expect(try check(StaticHealth(), "consent.v1.Health") == .serving)
        #expect(try check(StaticHealth(), "consent.v1.Nope") == .serviceUnknown)
        #expect(try check(StaticHealth(isServing: false), "") == .notServing)
    }

    @Test func methodStatsCountCallsAndErrors() {
        let sink = RecordingSink()
        let router = router()
        call(router, sink, id: 1, method: "/consent.v1.Health/Check", from: "910000009")
        call(router, sink, id: 2, method: "/test.Portal/Only", from: "910000009")
        let stats = Dictionary(uniqueKeysWithValues: router.methodStats.map { ($0.method, ($0.calls, $0.errors)) })
        #expect(stats["/consent.v1.Health/Check"]! == (1, 0))
        #expect(stats["/test.Portal/Only"]! == (1, 1))
        #expect(router.serves(service: "consent.v1.Health"))
        #expect(!router.serves(service: "consent.v1.Healt"))
    }
}

@Suite struct PrincipalsAndReloadTests {
    @Test func principalsFileIsParsedAndValidated() throws {
        let good = #"{"principals":[{"id":"910000009","name":"BANKEN AS","roles":["consumer"]},{"id":"974760673","name":"Hub","roles":["portal","admin"]}]}"#
        let directory = try PrincipalDirectory.parse(Data(good.utf8), source: "p.json")
        #expect(directory["974760673"]?.roles == [.portal, .admin])
        #expect(directory["000000000"] == nil)

        let cases: [(String, String)] = [
            (#"{"principals":[{"id":"1","name":"x","roles":["banker"]}]}"#, "is not valid"),
            (#"{"principals":[{"id":"1","name":"x","roles":[]}]}"#, "principal 1 has no roles"),
            (#"{"principals":[{"id":"1","name":"x","roles":["admin"]},{"id":"1","name":"y","roles":["admin"]}]}"#, "principal 1 appears twice"),
            (#"{"principals":[{"id":"","name":"x","roles":["admin"]}]}"#, "empty id"),
            ("not json", "is not valid"),
        ]
        for (text, expected) in cases {
            #expect {
                try PrincipalDirectory.parse(Data(text.utf8), source: "p.json")
            } throws: { error in
                (error as? ConfigurationError)?.message.contains(expected) == true
            }
        }
    }

    @Test func reloadIsSeenByOtherThreads() async {
        let value = ReloadableValue(1)
        #expect(value.value == 1)
        value.replace(with: 2)
        #expect(value.value == 2)
        let seen = await Task.detached { value.value }.value
        #expect(seen == 2)
        value.replace(with: 3)
        #expect(await Task.detached { value.value }.value == 3)
        #expect(value.value == 3)
    }
}

@Suite struct ConfigurationTests {
    @Test func flagsSetEveryOption() throws {
        let command = try ServerOptions.parse([
            "--listen", "0.0.0.0:0", "--data-dir", "/tmp/d", "--cert", "s.pem", "--key", "s.key", "--client-ca", "ca.pem",
            "--principals", "p.json", "--threads", "3", "--max-frame-size=2048", "--idle-timeout", "1.5", "--demo-registry",
        ])
        guard case .serve(let c) = command else { Issue.record("expected serve"); return }
        #expect(c.listenHost == "0.0.0.0" && c.listenPort == 0)
        #expect(c.dataDirectory == "/tmp/d" && c.threads == 3 && c.maxFrameSize == 2048 && c.idleTimeoutSeconds == 1.5 && c.demoRegistry)
        #expect(throws: Never.self) { try c.validated() }
    }

    @Test func configFileIsReadAndFlagsWin() throws {
        let path = NSTemporaryDirectory() + "consentd-\(UInt32.random(in: 0...UInt32.max)).conf"
        try "# dev\nlisten = 127.0.0.1:9000\nthreads = 2  # two loops\ncert = \"a b.pem\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard case .serve(let c) = try ServerOptions.parse(["--config", path, "--threads", "4"]) else { Issue.record("expected serve"); return }
        #expect(c.listenPort == 9000 && c.threads == 4 && c.certificatePath == "a b.pem")
    }

    @Test func badInputNamesTheOptionAndTheProblem() throws {
        let cases: [([String], String)] = [
            (["--listen", "localhost"], "--listen: listen address must be HOST:PORT"),
            (["--listen", "h:70000"], "port from 0 to 65535"),
            (["--threads", "-1"], "--threads: threads must be a whole number from 0 to 1024, not '-1'"),
            (["--idle-timeout", "soon"], "idle-timeout must be a positive number of seconds"),
            (["--nope"], "unknown option --nope"),
            (["--cert"], "--cert needs a FILE"),
            (["serve"], "unexpected argument 'serve'"),
            (["--config", "/nonexistent/x.conf"], "cannot read config file /nonexistent/x.conf"),
            (["--demo-registry=maybe"], "demo-registry must be true or false"),
        ]
        for (arguments, expected) in cases {
            #expect {
                try ServerOptions.parse(arguments)
            } throws: { error in
                let message = (error as? ConfigurationError)?.message ?? ""
                if !message.contains(expected) { Issue.record("\(arguments): got '\(message)', expected '\(expected)'") }
                return true
            }
        }
        #expect(throws: ConfigurationError("--cert is required (see consentd --help)")) { try ServerConfiguration().validated() }
    }

    @Test func helpListsEveryOption() throws {
        #expect(try ServerOptions.parse(["--help"]) == .help)
        let help = ServerOptions.helpText()
        for option in ServerOptions.all { #expect(help.contains("--\(option.name)"), "--help misses --\(option.name)") }
        #expect(help.contains("--config FILE") && help.contains("--verify-data") && help.contains("SIGTERM"))
    }
}

@Suite struct AuthorizationCodeTests {
    @Test func codesAre256RandomBitsStoredOnlyAsTheirHash() {
        let (code, hash) = AuthorizationCode.generate()
        #expect(code.utf8.count == 43 && AuthorizationCode.isWellFormed(code))
        #expect(hash == AuthorizationCode.hash(of: code) && hash.count == 32)
        #expect(AuthorizationCode.generate().code != code)
        for bad in ["", "abc", String(repeating: "A", count: 42), String(repeating: "!", count: 43), code + "A"] {
            #expect(!AuthorizationCode.isWellFormed(bad), "\(bad)")
        }
    }
}
