import ConsentRPC

/// Lets calls through to the router only while this node serves: a node of
/// a shared store (PostgreSQL) that is not the active one answers every call
/// but `Health`'s UNAVAILABLE, naming the active node in the trailer
/// `x-consent-leader` when it knows it, so clients can follow the hint.
/// With a store of its own the node always serves, and this costs one
/// atomic load per call.
final class ActiveNodeGate: CallDispatcher {
    private let next: any CallDispatcher
    private let ledger: ConsentLedger

    init(next: any CallDispatcher, ledger: ConsentLedger) {
        self.next = next
        self.ledger = ledger
    }

    /// Health answers on every node: a load balancer asks it which node is active.
    static let alwaysServed = "/consent.v1.Health/"

    func dispatch(_ call: IncomingCall, responder: CallResponder) {
        if !ledger.servesCalls, !call.method.hasPrefix(Self.alwaysServed) {
            responder.fail(ledger.notServing())
            return
        }
        next.dispatch(call, responder: responder)
    }
}
