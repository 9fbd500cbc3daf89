import ConsentCLI
import ConsentClient
import ConsentProto
import ConsentRPC

/// `flow`: seed 003's figure 1 for one simulated user per measured "call":
/// the bank creates a request, the portal accepts it, the bank exchanges the
/// code, NAV verifies the token online and logs the use. Five RPCs in
/// sequence, three durable writes; the latency is the whole flow's.
public struct FlowScenario: Scenario {
    public static let descriptor = ScenarioDescriptor(
        name: "flow", summary: "seed 003 figure 1 per user: create, accept, exchange, verify, log use; reports flows/s",
        details: """
            Each measured flow is five RPCs in sequence, each sent when the one before has answered:
            CreateRequest as the bank (the run's own principal) for NAV's 5252_1, AcceptRequest as the
            portal for its end user at level 4, ExchangeCode as the bank with the code from the redirect,
            VerifyToken as the data source for 5252_1 and the period from 01.03.2024, LogUse as the data
            source. A flow counts as one call: --in-flight is flows open at once per connection, and a
            flow fails with the status of its first refused step. Every bank connection gets a portal and
            a data-source connection of its own on the same client thread. The server must have the
            demo registry (--demo-registry).
            """,
        options: Principal.options("portal", "the portal, which accepts the requests")
            + Principal.options("datasource", "the data source, which verifies and logs the use")
    ) { arguments throws(CLIError) in
        FlowScenario(portal: try Principal.parse("portal", arguments), dataSource: try Principal.parse("datasource", arguments))
    }

    public let portal: Principal
    public let dataSource: Principal
    /// The portal and data-source connections of each measured (bank) connection.
    var partners: [ObjectIdentifier: Partners] = [:]

    /// The other two parties of one bank connection's flows.
    final class Partners: Sendable {
        let consents: NAVConsents
        let dataSource: ConsentClient
        let dataSourceOptions: CallOptions

        init(consents: NAVConsents, dataSource: ConsentClient, dataSourceOptions: CallOptions) {
            self.consents = consents
            self.dataSource = dataSource
            self.dataSourceOptions = dataSourceOptions
        }
    }

    public init(
        portal: Principal = Principal(role: "portal", source: .profile("portal")),
        dataSource: Principal = Principal(role: "datasource", source: .profile("datasource"))
    ) {
        self.portal = portal
        self.dataSource = dataSource
    }

    public var method: String { "CreateRequest → AcceptRequest → ExchangeCode → VerifyToken → LogUse" }
    public var unit: String { "flow" }

    public mutating func prepare(_ context: ScenarioContext) throws(CLIError) {
        let portalSettings = try context.settings(for: portal)
        let dataSourceOptions = try context.settings(for: dataSource).callOptions
        for bank in context.clients {
            // On the bank connection's loop: each flow's steps answer on the thread that drives it.
            let consents = NAVConsents(
                consumer: bank, consumerOptions: context.settings.callOptions, portal: try context.connect(portal, beside: bank),
                portalOptions: portalSettings.callOptions, endUser: portalSettings.userID ?? Principal.demoUserID)
            partners[ObjectIdentifier(bank)] = Partners(
                consents: consents, dataSource: try context.connect(dataSource, beside: bank), dataSourceOptions: dataSourceOptions)
        }
    }

    public func makeCall(index: Int, on client: ConsentClient, options: CallOptions, completion: @escaping @Sendable (StatusCode) -> Void) {
        let partners = self.partners[ObjectIdentifier(client)]!
        partners.consents.createAndAccept { given in
            switch given {
            case .failure(let error): completion(error.code)
            case .success(let given): Self.exchange(given, partners, options: options, completion: completion)
            }
        }
    }

    /// Steps 3–5: exchange, verify, log the use.
    static func exchange(_ given: NAVConsents.Given, _ partners: Partners, options: CallOptions, completion: @escaping @Sendable (StatusCode) -> Void) {
        let bank = partners.consents.consumer
        bank.startUnary(Consent_V1_TokenService.exchangeCode, .init(code: given.code), options: options) { exchanged in
            let token: String
            switch exchanged {
            case .failure(let error): return completion(error.code)
            case .success(let response): token = response.grant?.token ?? ""
            }
            let verify = Consent_V1_VerifyTokenRequest(token: token, resource: NAVConsents.resource, metadata: [NAVConsents.askedPeriod])
            partners.dataSource.startUnary(Consent_V1_TokenService.verifyToken, verify, options: partners.dataSourceOptions) { verified in
                if case .failure(let error) = verified { return completion(error.code) }
                let use = Consent_V1_LogUseRequest(resource: NAVConsents.resource, consent: .consentId(given.consentID))
                partners.dataSource.startUnary(Consent_V1_TokenService.logUse, use, options: partners.dataSourceOptions) { logged in
                    switch logged {
                    case .success: completion(.ok)
                    case .failure(let error): completion(error.code)
                    }
                }
            }
        }
    }
}
