import ConsentCore
import ConsentProto
import ConsentRPC

/// The end user's methods (seed 002 steps 2–3 and 8), through the portal.
extension ConsentService {
    /// AcceptRequest: draws a one-time authorization code, records only its hash
    /// with the acceptance, and puts the code into the redirect — the one place
    /// it ever appears (never in a log).
    static func accept(_ request: Consent_V1_AcceptRequestRequest, _ context: CallContext, ledger: ConsentLedger, now: Timestamp,
                       wire: (RequestView) -> Consent_V1_ConsentRequest) throws(RPCError) -> Reply<Consent_V1_AnswerResponse> {
        let actor = try context.actor(as: portalRoles)
        let id = try ProtoField.requestID(request.requestId, field: "request_id")
        let onBehalfOf = try ProtoField.optionalOrganisation(request.onBehalfOf, field: "on_behalf_of")
        let language = try ProtoField.optionalLanguage(request.language, field: "language")
        let code = AuthorizationCode.generate()
        // expiresAt nil: the configured code lifetime (--code-lifetime, 5 minutes by default).
        let grant = CodeGrant(codeHash: code.hash, expiresAt: nil)
        let (result, sequence) = try ledger.run(.acceptRequest(id, code: grant, onBehalfOf: onBehalfOf, language: language), by: actor, at: now)
        guard case .answer(let answer) = result else { throw ConsentLedger.unexpected(result, for: "AcceptRequest") }
        // A repeated accept recorded no code: the redirect then carries none (DOMAIN.md §7).
        let redirect = answer.redirectURL(authorizationCode: answer.needsAuthorizationCode ? code.code : nil)
        return Reply(Consent_V1_AnswerResponse(request: wire(answer.request), redirectUrl: redirect, alreadyAnswered: answer.isRepeat),
                     durableAfter: sequence)
    }

    /// RejectRequest: the redirect says `Status=Failed` with Altinn 2's `ErrorMessage`.
    static func reject(_ request: Consent_V1_RejectRequestRequest, _ context: CallContext, ledger: ConsentLedger, now: Timestamp,
                       wire: (RequestView) -> Consent_V1_ConsentRequest) throws(RPCError) -> Reply<Consent_V1_AnswerResponse> {
        let actor = try context.actor(as: portalRoles)
        let id = try ProtoField.requestID(request.requestId, field: "request_id")
        let onBehalfOf = try ProtoField.optionalOrganisation(request.onBehalfOf, field: "on_behalf_of")
        let language = try ProtoField.optionalLanguage(request.language, field: "language")
        let (result, sequence) = try ledger.run(.rejectRequest(id, onBehalfOf: onBehalfOf, language: language), by: actor, at: now)
        guard case .answer(let answer) = result else { throw ConsentLedger.unexpected(result, for: "RejectRequest") }
        return Reply(Consent_V1_AnswerResponse(request: wire(answer.request), redirectUrl: answer.redirectURL(authorizationCode: nil),
                                               alreadyAnswered: answer.isRepeat),
                     durableAfter: sequence)
    }

    /// ListConsents: the user's own, or those of an organisation they may sign for.
    static func listConsents(_ request: Consent_V1_ListConsentsRequest, _ context: CallContext,
                             ledger: ConsentLedger, now: Timestamp) throws(RPCError) -> Reply<Consent_V1_ListConsentsResponse> {
        let actor = try context.actor(as: portalRoles)
        let language = try ProtoField.optionalLanguage(request.language, field: "language") ?? .bokmal
        let party = try ProtoField.optionalOrganisation(request.party, field: "party").map(PartyID.organisation)
        let (list, sequence) = try ledger.read { state throws(DomainError) in
            try state.consents(of: actor, party: party, language: language, at: now)
        }
        return Reply(Consent_V1_ListConsentsResponse(consents: list.map(Consent_V1_ConsentSummary.init)), durableAfter: sequence)
    }

    /// GetConsentLog: one consent's Samtykkelogg, or (portal, no id) the whole
    /// log of the user or of an organisation they may sign for.
    static func consentLog(_ request: Consent_V1_GetConsentLogRequest, _ context: CallContext,
                           ledger: ConsentLedger, now: Timestamp) throws(RPCError) -> Reply<Consent_V1_GetConsentLogResponse> {
        let actor = try context.actor(as: portalOrAdminRoles)
        let language = try ProtoField.optionalLanguage(request.language, field: "language") ?? .bokmal
        let lines: [ConsentLogLine]
        let sequence: UInt64
        if request.consentId.isEmpty {
            guard case .endUser = actor else {
                throw ProtoField.missing("consent_id", "an operator reads one consent's log at a time")
            }
            let party = try ProtoField.optionalOrganisation(request.party, field: "party").map(PartyID.organisation)
            (lines, sequence) = try ledger.read { state throws(DomainError) in
                try state.consentLog(of: actor, party: party, language: language, at: now)
            }
        } else {
            let id = try ProtoField.requestID(request.consentId, field: "consent_id")
            (lines, sequence) = try ledger.read { state throws(DomainError) in
                try state.consentLog(id, by: actor, language: language, at: now)
            }
        }
        return Reply(Consent_V1_GetConsentLogResponse(lines: lines.map(Consent_V1_ConsentLogLine.init)), durableAfter: sequence)
    }
}
