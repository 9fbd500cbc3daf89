import ConsentCore
import ConsentProto
import ConsentRPC

/// Statistics for data sources and operators, and the person's counts for the portal (issue 12, point 5).
extension ConsentService {
    /// GetStatistics: a data source's own resources, or everything for an admin.
    static let statisticsRoles: [Role] = [.datasource, .admin]

    static func registerStatistics(into router: inout RouterBuilder, ledger: ConsentLedger, clock: some WallClock & Sendable) {
        router.unary(Consent_V1_ConsentService.getStatistics, roles: Set(statisticsRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: statisticsRoles)
            let resource = try ProtoField.optionalResourceID(request.resourceId, field: "resource_id")
            let from = try ProtoField.optionalTime(request.fromMs, field: "from_ms")
            let to = try ProtoField.optionalTime(request.toMs, field: "to_ms")
            let period: StatisticsPeriod
            switch request.period {
            case .unspecified, .day: period = .day
            case .month: period = .month
            default:
                throw ProtoField.invalid("period", reason: "statistics_period_unknown",
                                         "\(request.period.protoName) is not a period; use STATISTICS_PERIOD_DAY or STATISTICS_PERIOD_MONTH")
            }
            let (rows, sequence) = try ledger.read { state throws(DomainError) in
                try state.statistics(visibleTo: actor, resource: resource, from: from, to: to, period: period)
            }
            return Reply(Consent_V1_GetStatisticsResponse(rows: rows.map(Consent_V1_StatisticsRow.init)), durableAfter: sequence)
        }
        router.unary(Consent_V1_ConsentService.countConsents, roles: Set(portalRoles)) { request, context throws(RPCError) in
            let actor = try context.actor(as: portalRoles)
            let party = try ProtoField.optionalOrganisation(request.party, field: "party").map(PartyID.organisation)
            let now = clock.now()
            let (counts, sequence) = try ledger.read { state throws(DomainError) in try state.consentCounts(of: actor, party: party, at: now) }
            return Reply(Consent_V1_CountConsentsResponse(counts), durableAfter: sequence)
        }
    }
}
