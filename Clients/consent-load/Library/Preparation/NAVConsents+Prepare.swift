import ConsentCLI
import ConsentClient
import ConsentProto
import ConsentRPC

extension NAVConsents {
    /// The bank and the portal, connected for a scenario's prepare phase.
    /// - Parameters:
    ///   - portal: the principal that accepts (its settings name the end user).
    ///   - consumer: a connection as the run's own principal (the bank) to
    ///     reuse, such as a measured one; nil: a new one, closed after the run.
    /// - Throws: `CLIError` when a principal cannot be found or connected.
    public static func connect(_ context: ScenarioContext, portal: Principal, consumer: ConsentClient? = nil) throws(CLIError) -> NAVConsents {
        let portalSettings = try context.settings(for: portal)
        let portalClient = try context.connect(portal)
        let bank: ConsentClient
        if let consumer { bank = consumer } else { bank = try context.connect(nil) }
        return NAVConsents(
            consumer: bank, consumerOptions: context.settings.callOptions, portal: portalClient,
            portalOptions: portalSettings.callOptions, endUser: portalSettings.userID ?? Principal.demoUserID)
    }

    /// Gives `count` consents (create and accept each), many at once.
    /// - Returns: the consents in order, each with its unused code.
    /// - Throws: `CLIError` for the first refusal.
    public func give(_ count: Int, context: ScenarioContext) throws(CLIError) -> [Given] {
        try Preparation.run("consents (create, accept)", count: count, context: context) { _, completion in
            createAndAccept(completion: completion)
        }
    }

    /// Fresh tokens for `consents`, round-robin (IssueToken as the bank), many at once.
    /// - Throws: `CLIError` for the first refusal.
    public func issueTokens(_ count: Int, for consents: [String], context: ScenarioContext) throws(CLIError) -> [String] {
        try Preparation.run("tokens (IssueToken)", count: count, context: context) { index, completion in
            consumer.startUnary(Consent_V1_TokenService.issueToken, .init(consentId: consents[index % consents.count]), options: consumerOptions) { result in
                completion(result.map { $0.grant?.token ?? "" })
            }
        }
    }
}

/// How a batch call went for the caller: the call is OK on the wire even
/// when some of its items were refused, so the scenarios read the items. A
/// call counts as failed, with its first refused item's status, when any
/// item was refused.
public enum BatchOutcome {
    /// ExchangeCodes: OK, or the status of the first refused code.
    public static func exchangeCodes(_ result: CallResult) -> StatusCode {
        switch NAVConsents.decode(result, as: Consent_V1_ExchangeCodesResponse.self) {
        case .success(let response): firstFailure(response.results.map { $0.status?.code ?? 0 })
        case .failure(let error): error.code
        }
    }

    /// LogUses: OK, or the status of the first refused use.
    public static func logUses(_ result: CallResult) -> StatusCode {
        switch NAVConsents.decode(result, as: Consent_V1_LogUsesResponse.self) {
        case .success(let response): firstFailure(response.results.map { $0.status?.code ?? 0 })
        case .failure(let error): error.code
        }
    }

    /// The first non-zero status code number (OK if there is none).
    static func firstFailure(_ codes: [UInt32]) -> StatusCode {
        StatusCode(rawValue: codes.first { $0 != 0 } ?? 0)
    }
}
