import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentToken

/// TokenService's own refusals (those the domain cannot give: it never sees a
/// code or a token), in the same form as the domain's: a status, a message
/// for people, and a stable reason in the trailer `x-consent-reason`.
///
/// - Important: no message contains a code, a token or a national id.
enum TokenRefusal {
    static func make(_ code: StatusCode, _ reason: String, _ message: String) -> RPCError {
        RPCError(code, message, trailers: [DomainErrorMapping.reasonKey: reason])
    }

    static func codeMalformed(length: Int) -> RPCError {
        make(.invalidArgument, "code_malformed",
             "An authorization code is 43 base64url characters, as in the redirect's AuthorizationCode; \(length) bytes were given.")
    }

    static let tokenMissing = make(.invalidArgument, "token_missing", "No token was given.")

    static let consentMissing = make(.invalidArgument, "consent_missing", "Name the consent used: give consent_id or token.")

    static let resourceMissing = make(.invalidArgument, "resource_missing", "Name the resource whose data was fetched, e.g. 5252_1.")

    static func batchTooLarge(_ count: Int, maximum: Int) -> RPCError {
        make(.resourceExhausted, "batch_too_large", "A batch holds at most \(maximum) items; \(count) were given. Split it.")
    }

    static func notAnOrganisation(_ principal: Principal) -> RPCError {
        make(.permissionDenied, "principal_not_organisation",
             "The client certificate names \(principal.id), which is not an organisation number; token calls are made by organisations.")
    }

    static func signingFailed(consent: String, codeUsed: Bool) -> RPCError {
        make(.internalError, "token_signing_failed",
             "The token could not be signed (see the hub's log)."
                + (codeUsed ? " The code has been exchanged: get a token for consent \(consent) with IssueToken." : ""))
    }

    /// A token that is not a consent token this hub issued: INVALID_ARGUMENT
    /// when it is not a token at all, UNAUTHENTICATED when it is one that
    /// proves nothing (bad signature, unknown key, expired, another issuer).
    static func token(_ error: TokenError) -> RPCError {
        switch error {
        case .malformed(let reason): make(.invalidArgument, "token_malformed", "The token is malformed: \(reason).")
        case .unsupportedAlgorithm: make(.unauthenticated, "token_algorithm_unsupported", "The token is refused: \(error).")
        case .unknownKeyID: make(.unauthenticated, "token_key_unknown", "The token is refused: \(error). Fetch the keys with GetSigningKeys.")
        case .badSignature: make(.unauthenticated, "token_signature_invalid", "The token is refused: its signature does not verify (it was changed, or not issued by this hub).")
        case .expired(let expiresAt, _): make(.unauthenticated, "token_expired", "The token expired at \(Timestamp(secondsSinceEpoch: expiresAt)); the consumer can get a new one with IssueToken while the consent lives.")
        case .notYetValid(let validFrom, _): make(.unauthenticated, "token_not_yet_valid", "The token is not valid before \(Timestamp(secondsSinceEpoch: validFrom)).")
        case .wrongIssuer: make(.unauthenticated, "token_issuer_wrong", "The token is refused: \(error).")
        }
    }

    /// A token that verified but names no consent id this hub could have made.
    static let tokenConsentMalformed = make(.invalidArgument, "token_malformed", "The token's authorization_details id is not a consent id.")
}

extension Consent_V1_TokenItemStatus {
    /// An item that succeeded.
    static let ok = Consent_V1_TokenItemStatus()

    /// An item refused with `error`: its status, message and reason.
    init(_ error: RPCError) {
        self.init(code: error.code.rawValue, message: error.message, reason: error.trailers[DomainErrorMapping.reasonKey] ?? "")
    }
}

extension CallContext {
    /// The caller's organisation number, from its client certificate.
    /// - Throws: PERMISSION_DENIED when the principal is not an organisation number.
    func organisation() throws(RPCError) -> OrganisationNumber {
        do {
            return try OrganisationNumber(validating: principal.id)
        } catch {
            throw TokenRefusal.notAnOrganisation(principal)
        }
    }
}
