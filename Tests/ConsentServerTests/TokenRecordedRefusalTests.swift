import ConsentProto
import ConsentRPC
import Testing
@testable import ConsentServer

/// A refusal the ledger recorded (a reused authorization code) is answered,
/// like a success, only once its event is durable: nobody is told of an
/// attempt that a crash could erase from the record.
@Suite struct TokenRecordedRefusalTests {
    static let method = ProtoMethod<Consent_V1_ExchangeCodeRequest, Consent_V1_ExchangeCodeResponse>(fullName: "/test.Token/Reuse", kind: .unary)

    func router(_ commits: ManualCommits) -> Router {
        var builder = RouterBuilder(commits: commits)
        builder.unary(Self.method, roles: [.consumer]) { _, _ throws(RPCError) in
            throw RPCError(.failedPrecondition, "The authorization code has already been exchanged.").answered(afterDurable: 7)
        }
        return Router(builder, principals: ReloadableValue(PrincipalDirectory([Principal(id: "910203045", name: "BANKEN AS", roles: [.consumer])])))
    }

    func call(_ router: Router, _ sink: RecordingSink, id: UInt32) {
        let call = IncomingCall(method: Self.method.fullName, metadata: [:], deadline: nil, payload: [], peer: PeerIdentity(principalID: "910203045"))
        router.dispatch(call, responder: CallResponder(sink: sink, token: CallToken(callID: id, sequence: UInt64(id))))
    }

    @Test func refusalWaitsForItsRecordToBeDurable() {
        let commits = ManualCommits()
        let router = router(commits)
        let sink = RecordingSink()
        call(router, sink, id: 1)
        #expect(sink.result(1) == nil, "not answered before the log is durable")
        #expect(commits.pending.withLock { $0.map(\.0) } == [7])
        commits.release(.success(()))
        #expect(sink.result(1)?.code == .failedPrecondition)
        #expect(sink.result(1)?.message == "The authorization code has already been exchanged.")
    }

    @Test func refusalThatCouldNotBeRecordedIsUnavailable() {
        let commits = ManualCommits()
        let router = router(commits)
        let sink = RecordingSink()
        call(router, sink, id: 2)
        commits.release(.failure(RPCError(.unavailable, "not recorded durably: disk full")))
        #expect(sink.result(2)?.code == .unavailable)
    }
}
