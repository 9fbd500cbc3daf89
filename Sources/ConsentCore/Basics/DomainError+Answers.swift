/// Refusals of answers, withdrawals, code exchanges and uses.
extension DomainError {
    static func requestUnknown(_ id: RequestID) -> DomainError {
        DomainError(.notFound, reason: "request_unknown", message: "There is no consent request \(id).")
    }

    static func requestAlreadyRejected(_ id: RequestID) -> DomainError {
        DomainError(.failedPrecondition, reason: "request_already_rejected",
                    message: "Request \(id) was rejected; it cannot be accepted or used. The consumer must create a new request.")
    }

    static func requestAlreadyAccepted(_ id: RequestID) -> DomainError {
        DomainError(.failedPrecondition, reason: "request_already_accepted",
                    message: "Request \(id) was accepted; it cannot be rejected now. Withdraw the consent instead.")
    }

    /// - Parameter byConsumer: it was ended by its consumer rather than withdrawn by the person (same reason).
    static func consentRevoked(_ id: RequestID, byConsumer: Bool = false) -> DomainError {
        DomainError(.failedPrecondition, reason: "consent_revoked",
                    message: byConsumer
                        ? "Consent \(id) was ended by its consumer; it can no longer be used."
                        : "Consent \(id) was withdrawn by the user; it can no longer be used.")
    }

    static func consentUsedUp(_ id: RequestID) -> DomainError {
        DomainError(.failedPrecondition, reason: "consent_used_up",
                    message: "Consent \(id) was a one-time consent and has been used; it has ended. Ask the user for a new consent.")
    }

    static func requestExpired(_ id: RequestID) -> DomainError {
        DomainError(.failedPrecondition, reason: "request_expired",
                    message: "Request \(id) expired before it was answered. The consumer must create a new request.")
    }

    static func consentExpired(_ id: RequestID) -> DomainError {
        DomainError(.failedPrecondition, reason: "consent_expired",
                    message: "Consent \(id) has expired (its end date has passed).")
    }

    static func requestDeleted(_ id: RequestID) -> DomainError {
        DomainError(.failedPrecondition, reason: "request_deleted",
                    message: "Request \(id) was deleted by its consumer before it was answered; it can no longer be answered or used.")
    }

    static func acceptedNotDeletable(_ id: RequestID) -> DomainError {
        DomainError(.failedPrecondition, reason: "request_already_accepted",
                    message: "Request \(id) was accepted, so it is a consent and cannot be deleted. End the consent instead (RevokeConsent).")
    }

    static func consentNotGiven(_ id: RequestID) -> DomainError {
        DomainError(.failedPrecondition, reason: "consent_not_given",
                    message: "Request \(id) has not been accepted yet; there is no consent to use.")
    }

    static func userTokenMismatch() -> DomainError {
        DomainError(.unauthenticated, reason: "user_token_mismatch",
                    message: "This request is meant for another person (its UserToken does not match the logged-in user). Log out and log in as the person the request is for.")
    }

    static func offeredByMismatch(_ party: PartyID) -> DomainError {
        switch party {
        case .person:
            return DomainError(.permissionDenied, reason: "offered_by_mismatch",
                               message: "This request asks for another person's consent (OfferedBy is not the logged-in user).")
        case .organisation(let org):
            return DomainError(.permissionDenied, reason: "offered_by_mismatch",
                               message: "This request asks for the consent of organisation \(org), and the logged-in user may not sign for it.")
        }
    }

    static func notSignatory(_ org: OrganisationNumber) -> DomainError {
        DomainError(.permissionDenied, reason: "not_signatory",
                    message: "The logged-in user may not sign for organisation \(org).")
    }

    static func onBehalfOfConflicts(_ org: OrganisationNumber) -> DomainError {
        DomainError(.invalidArgument, reason: "on_behalf_of_conflicts",
                    message: "The answer is given on behalf of organisation \(org), but the request asks for another party's consent.")
    }

    static func assuranceLevelTooLow(_ required: AssuranceLevel, actual: AssuranceLevel) -> DomainError {
        DomainError(.permissionDenied, reason: "assurance_level_too_low",
                    message: "Giving this consent requires login at security \(required); the user is logged in at \(actual). Log in again with a stronger method (e.g. BankID).")
    }

    static func codeHashInUse() -> DomainError {
        DomainError(.alreadyExists, reason: "code_hash_in_use",
                    message: "An authorization code with this hash is already issued; draw a new random code.")
    }

    static func codeExpiryOutOfRange(_ expiresAt: Timestamp, maximum: Duration) -> DomainError {
        DomainError(.outOfRange, reason: "code_expiry_out_of_range",
                    message: "The authorization code's expiry \(expiresAt) must be in the future and at most \(maximum.wholeMilliseconds / 1000) seconds ahead.")
    }

    static func oneTimeCannotBeRevoked(_ id: RequestID, usedUp: Bool) -> DomainError {
        DomainError(.failedPrecondition, reason: "one_time_consent_not_revocable",
                    message: usedUp
                        ? "Consent \(id) is a one-time consent (engangssamtykke) and has already ended at its use; there is nothing to withdraw."
                        : "Consent \(id) is a one-time consent (engangssamtykke); it cannot be withdrawn, and ends at its first use or when it expires.")
    }

    static func revokeNotAccepted(_ id: RequestID) -> DomainError {
        DomainError(.failedPrecondition, reason: "request_not_accepted",
                    message: "Request \(id) has not been accepted, so there is no consent to withdraw; reject the request instead.")
    }

    static func codeUnknown() -> DomainError {
        DomainError(.notFound, reason: "code_unknown",
                    message: "The authorization code is not known: it was never issued or expired more than an hour ago. Send the user through the consent page again.")
    }

    static func codeNotYours(_ consumer: OrganisationNumber) -> DomainError {
        DomainError(.permissionDenied, reason: "code_not_yours",
                    message: "The authorization code was issued to another consumer than organisation \(consumer).")
    }

    static func codeAlreadyUsed() -> DomainError {
        DomainError(.failedPrecondition, reason: "code_already_used",
                    message: "The authorization code has already been exchanged; a code works once. The attempt has been recorded. Get a new token by consent id instead.")
    }

    static func codeExpired(_ expiredAt: Timestamp) -> DomainError {
        DomainError(.failedPrecondition, reason: "code_expired",
                    message: "The authorization code expired at \(expiredAt); exchange codes within minutes, or get a token by consent id.")
    }

    static func metadataWithoutResource() -> DomainError {
        DomainError(.invalidArgument, reason: "metadata_without_resource",
                    message: "Metadata to check was given without the resource it belongs to.")
    }

    static func resourceNotInConsent(_ resource: ResourceID, consent: RequestID) -> DomainError {
        DomainError(.permissionDenied, reason: "resource_not_in_consent",
                    message: "Consent \(consent) does not cover resource \(resource).")
    }

    static func metadataNotCovered(_ resource: ResourceID, key: String) -> DomainError {
        DomainError(.permissionDenied, reason: "metadata_not_covered",
                    message: "The consent does not cover the asked \(resource)_\(key.prefix(64)): the value differs from (or lies outside) what the user consented to.")
    }

    static func usedBeforeConsent(_ usedAt: Timestamp) -> DomainError {
        DomainError(.outOfRange, reason: "used_before_consent",
                    message: "The use time \(usedAt) is before the consent was given.")
    }

    static func usedInFuture(_ usedAt: Timestamp) -> DomainError {
        DomainError(.outOfRange, reason: "used_in_future",
                    message: "The use time \(usedAt) is in the future; report uses after they happen (clocks may differ by at most a few minutes).")
    }

    static func usedAfterExpiry(_ usedAt: Timestamp, validTo: Timestamp) -> DomainError {
        DomainError(.failedPrecondition, reason: "used_after_expiry",
                    message: "The use time \(usedAt) is after the consent expired (\(validTo)); the consent did not allow it.")
    }

    static func usedAfterRevocation(_ usedAt: Timestamp, revokedAt: Timestamp) -> DomainError {
        DomainError(.failedPrecondition, reason: "used_after_revocation",
                    message: "The use time \(usedAt) is after the user withdrew the consent (\(revokedAt)); the consent did not allow it.")
    }
}
