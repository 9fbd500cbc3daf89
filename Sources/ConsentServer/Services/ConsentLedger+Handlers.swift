import ConsentCore
import ConsentRPC

extension ConsentLedger {
    /// Executes a command for a handler: its result, or the refusal as an
    /// `RPCError`, and the sequence the answer must be durable up to.
    func run(_ command: Command, by actor: Actor, at now: Timestamp) throws(RPCError) -> (result: CommandResult, durableAfter: UInt64) {
        let outcome = execute(command, by: actor, at: now)
        switch outcome.result {
        case .success(let result): return (result, outcome.durableAfter)
        case .failure(let error): throw error
        }
    }

    /// The error for a command result of a shape its command never produces.
    static func unexpected(_ result: CommandResult, for command: String) -> RPCError {
        ServerLog.warning("\(command): unexpected command result \(result.caseName)")
        return RPCError(
            .internalError, "the hub produced an unexpected result for \(command); this is a bug, reported in the server log",
            trailers: [ErrorTrailers.reason: "internal_error"])
    }
}

extension CommandResult {
    /// The case name only, safe for logs (no personal data).
    var caseName: String {
        switch self {
        case .resource: "resource"
        case .authorisation: "authorisation"
        case .template: "template"
        case .deauthorised: "deauthorised"
        case .request: "request"
        case .answer: "answer"
        case .revoked: "revoked"
        case .deleted: "deleted"
        case .vendorAuthorisation: "vendorAuthorisation"
        case .vendorDeauthorised: "vendorDeauthorised"
        case .tokenFacts: "tokenFacts"
        case .tokenFactsBatch: "tokenFactsBatch"
        case .used: "used"
        case .usedBatch: "usedBatch"
        case .expired: "expired"
        }
    }
}
