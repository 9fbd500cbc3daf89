import Synchronization

/// The server's current `TokenSigner`, replaceable while requests run.
///
/// On SIGHUP the server loads a new `TokenKeySet`, builds a new signer, and
/// calls `rotate(to:)`. Calls already signing finish with the old signer;
/// every later call uses the new one. The lock is held only to copy the
/// signer out (a few reference-count operations), never while signing.
public final class RotatingTokenSigner: Sendable {
    private let state: Mutex<TokenSigner>

    public init(_ signer: TokenSigner) {
        state = Mutex(signer)
    }

    /// The signer in force now.
    public var current: TokenSigner {
        state.withLock { $0 }
    }

    /// Replaces the signer for every later call.
    public func rotate(to signer: TokenSigner) {
        state.withLock { $0 = signer }
    }

    /// Signs with the current signer; see `TokenSigner.sign(_:)`.
    /// - Throws: as `TokenSigner.sign(_:)`.
    public func sign(_ claims: ConsentTokenClaims) throws -> String {
        try current.sign(claims)
    }
}
