import ConsentCore
import ConsentProto
import ConsentRPC
import ConsentServer

/// A test-only write and read path over the wire, for the durability and
/// crash tests: the product's write RPCs live in other services, and these
/// tests are about the ledger and the log under them, so they need a write
/// whose acknowledgement they can check after a failure or a `kill -9`.
///
/// Registered only by tests (`TestHub(additionalServices:)`), never by
/// `consentd`. It reuses the Health
/// messages so that it needs no proto of its own:
/// - `Register`: `HealthCheckRequest.service` = a decimal number n; registers
///   resource `n_1` (owned by NAV) through `ConsentLedger.execute`, and
///   answers once it is durable, like every write.
/// - `List`: answers `HealthStatsResponse` with `storage` = the registered
///   test resources' numbers, comma-separated, ascending, and
///   `eventsCommitted` = how many; an optional `HealthCheckRequest.service`
///   = "from-to" limits the range.
public enum LedgerTestService {
    public static let register = ProtoMethod<Consent_V1_HealthCheckRequest, Consent_V1_HealthCheckResponse>(
        fullName: "/test.v1.LedgerTest/Register", kind: .unary)
    public static let list = ProtoMethod<Consent_V1_HealthCheckRequest, Consent_V1_HealthStatsResponse>(
        fullName: "/test.v1.LedgerTest/List", kind: .unary)

    /// The owner of every test resource.
    public static let owner = DemoRegistry.nav

    /// Registers both methods; a data source or an admin may call them.
    public static func register(into builder: inout RouterBuilder, ledger: ConsentLedger) {
        builder.unary(register, roles: [.datasource, .admin]) { request, _ throws(RPCError) in
            guard let number = UInt32(request.service), number > 0 else {
                throw RPCError(.invalidArgument, "service must be a positive decimal number, not '\(request.service)'")
            }
            let outcome = ledger.execute(.registerResource(resource(number)), by: .dataSource(owner), at: SystemClock().now())
            _ = try outcome.result.get()
            return Reply(Consent_V1_HealthCheckResponse(status: .serving), durableAfter: outcome.durableAfter)
        }
        builder.unary(list, roles: [.datasource, .admin]) { request, _ throws(RPCError) in
            var range: ClosedRange<UInt32> = 1...UInt32.max
            if !request.service.isEmpty {
                let bounds = request.service.split(separator: "-").compactMap { UInt32($0) }
                guard bounds.count == 2, bounds[0] <= bounds[1] else {
                    throw RPCError(.invalidArgument, "service must be 'from-to', not '\(request.service)'")
                }
                range = bounds[0]...bounds[1]
            }
            let (numbers, durableAfter) = try ledger.read { state in
                state.resources(visibleTo: .admin(owner))
                    .filter { $0.owner == owner && $0.id.editionCode == 1 && $0.ownerName == ownerName }
                    .map(\.id.serviceCode)
                    .filter { range.contains($0) }
                    .sorted()
            }
            var response = Consent_V1_HealthStatsResponse()
            response.storage = numbers.map(String.init).joined(separator: ",")
            response.eventsCommitted = UInt64(numbers.count)
            return Reply(response, durableAfter: durableAfter)
        }
    }

    /// Marks test resources apart from any real NAV resource.
    public static let ownerName = "NAV (test)"

    /// The small one-time resource `number_1`.
    public static func resource(_ number: UInt32) -> Resource {
        Resource(
            id: ResourceID(serviceCode: number, editionCode: 1), owner: owner, ownerName: ownerName,
            title: LocalizedText(bokmal: "Testressurs \(number)"),
            text: LocalizedText(bokmal: "Ved å samtykke gir du {CoveredByName} rett til testopplysninger nummer \(number)."),
            kind: .oneTime, maximumValidity: .days(30), requiredAssuranceLevel: .substantial)
    }

    /// Parses `List`'s answer.
    public static func numbers(in response: Consent_V1_HealthStatsResponse) -> [UInt32] {
        response.storage.split(separator: ",").compactMap { UInt32($0) }
    }
}
