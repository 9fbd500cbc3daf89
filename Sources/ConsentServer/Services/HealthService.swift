import ConsentProto
import ConsentRPC

/// What `Health` reports, supplied by the running server.
public protocol HealthReporting: Sendable {
    /// False while draining for shutdown or when the store can no longer write.
    var isServing: Bool { get }
    /// Whether a service name (e.g. `consent.v1.TokenService`) is served here.
    func serves(service: String) -> Bool
    func statistics() -> Consent_V1_HealthStatsResponse
    /// The node's role and the active node's address (empty when unknown or not shared).
    var role: (role: Consent_V1_HealthCheckResponse.Role, leader: String) { get }
}

extension HealthReporting {
    public var role: (role: Consent_V1_HealthCheckResponse.Role, leader: String) { (.active, "") }
}

/// `consent.v1.Health`: open to every authenticated caller, so monitoring can
/// use any certificate the hub knows.
public enum HealthService {
    public static func register(into router: inout RouterBuilder, reporter: any HealthReporting) {
        router.unary(Consent_V1_Health.check, roles: Set(Role.allCases)) { request, _ in
            let status: Consent_V1_HealthCheckResponse.ServingStatus
            if !request.service.isEmpty && !reporter.serves(service: request.service) {
                status = .serviceUnknown
            } else {
                status = reporter.isServing ? .serving : .notServing
            }
            let (role, leader) = reporter.role
            return Reply(Consent_V1_HealthCheckResponse(status: status, role: role, leader: leader))
        }
        // Hub-wide counters (calls per method, events committed) would show one
        // bank the others' volumes: operators only.
        router.unary(Consent_V1_Health.stats, roles: [.admin]) { _, _ in
            Reply(reporter.statistics())
        }
    }
}
