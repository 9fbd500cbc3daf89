/// The answer to an accept or reject, with what the server needs to send the
/// user back to the consumer.
///
/// The redirect follows Altinn 2 so that consumers' handlers work unchanged
/// (`RedirectURL.answer`, in Requests/RedirectURL.swift, spells it out).
///
/// ConsentCore never sees the code, only its hash, so the server inserts it
/// with ``redirectURL(authorizationCode:)``.
public struct ConsentAnswer: Hashable, Sendable {
    /// The request after the answer.
    public var request: RequestView
    /// Whether the consent was given.
    public var accepted: Bool
    /// True when the request had already been answered the same way: no new
    /// transition happened and no code was recorded (Altinn 3 returns the current state).
    public var isRepeat: Bool

    /// The text sent as `ErrorMessage` when the user rejects.
    public static let rejectionMessage = "The user did not give consent"

    /// Creates an answer.
    public init(request: RequestView, accepted: Bool, isRepeat: Bool) {
        self.request = request
        self.accepted = accepted
        self.isRepeat = isRepeat
    }

    /// Whether the server must draw a code and put it in the redirect: a new acceptance.
    public var needsAuthorizationCode: Bool { accepted && !isRepeat }

    /// The redirect URL for the user's browser.
    /// - Parameter code: the authorization code, for a new acceptance; `nil` otherwise
    ///   (then `AuthorizationCode` is left out, and the consumer may fetch a
    ///   token by consent id instead).
    public func redirectURL(authorizationCode code: String?) -> String {
        RedirectURL.answer(to: request.redirectURL, request: request.id, accepted: accepted,
                           code: code, rejectionMessage: ConsentAnswer.rejectionMessage)
    }
}
