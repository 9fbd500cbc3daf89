import ConsentCore
import ConsentProto
import ConsentRPC

/// Reads the fields of a request message into domain values. A malformed or
/// missing field is `INVALID_ARGUMENT` whose message starts with the field's
/// name as the .proto file spells it (`resources[0].resource_id: …`), and
/// whose `x-consent-reason` is the domain's reason, so that a caller can tell
/// which of its fields to fix.
///
/// - Important: messages never repeat a national identity number: the domain's
///   identifier errors do not contain the value, and nothing here adds it.
enum ProtoField {
    /// A refusal of one field with the domain's explanation.
    static func invalid(_ field: String, _ error: DomainError) -> RPCError {
        RPCError(
            DomainErrorMapping.statusCode(error.code), "\(field): \(error.message)",
            trailers: [DomainErrorMapping.reasonKey: error.reason], cause: error)
    }

    /// A refusal of one field with our own reason and message.
    static func invalid(_ field: String, reason: String, _ message: String) -> RPCError {
        RPCError(.invalidArgument, "\(field): \(message)", trailers: [DomainErrorMapping.reasonKey: reason])
    }

    /// A required field that was left empty.
    static func missing(_ field: String, _ what: String) -> RPCError {
        RPCError(.invalidArgument, "\(field) is required: \(what)", trailers: [DomainErrorMapping.reasonKey: "field_required"])
    }

    /// Runs a domain parser, naming `field` if it refuses.
    static func parse<T>(_ field: String, _ body: () throws(DomainError) -> T) throws(RPCError) -> T {
        do throws(DomainError) {
            return try body()
        } catch {
            throw invalid(field, error)
        }
    }

    static func requestID(_ text: String, field: String) throws(RPCError) -> RequestID {
        guard !text.isEmpty else { throw missing(field, "a request id (UUID), e.g. 3f2504e0-4f89-41d3-9a0c-0305e82c3301") }
        return try parse(field) { () throws(DomainError) in try RequestID(validating: text) }
    }

    static func resourceID(_ text: String, field: String) throws(RPCError) -> ResourceID {
        guard !text.isEmpty else { throw missing(field, "a resource id, e.g. 5252_1") }
        return try parse(field) { () throws(DomainError) in try ResourceID(validating: text) }
    }

    /// An optional resource id: `nil` when empty.
    static func optionalResourceID(_ text: String, field: String) throws(RPCError) -> ResourceID? {
        text.isEmpty ? nil : try resourceID(text, field: field)
    }

    static func organisation(_ text: String, field: String) throws(RPCError) -> OrganisationNumber {
        guard !text.isEmpty else { throw missing(field, "a 9-digit organisation number") }
        return try parse(field) { () throws(DomainError) in try OrganisationNumber(validating: text) }
    }

    /// An optional organisation number: `nil` when empty.
    static func optionalOrganisation(_ text: String, field: String) throws(RPCError) -> OrganisationNumber? {
        text.isEmpty ? nil : try organisation(text, field: field)
    }

    /// A person (11 digits) or an organisation (9 digits); `nil` when empty.
    static func optionalParty(_ text: String, field: String) throws(RPCError) -> PartyID? {
        guard !text.isEmpty else { return nil }
        return try parse(field) { () throws(DomainError) in try PartyID(validating: text) }
    }

    /// `en`, `nb-NO` or `nn-NO` (any case); `nil` when empty.
    static func optionalLanguage(_ text: String, field: String) throws(RPCError) -> Language? {
        guard !text.isEmpty else { return nil }
        return try parse(field) { () throws(DomainError) in try Language(validating: text) }
    }

    /// Text that is `nil` when empty (proto3 has no absent strings).
    static func optionalText(_ text: String) -> String? {
        text.isEmpty ? nil : text
    }

    /// Event types for a filter: `nil` (all) when none are given.
    static func eventKinds(_ types: [Consent_V1_ConsentEventType], field: String) throws(RPCError) -> Set<EventKind>? {
        guard !types.isEmpty else { return nil }
        var kinds = Set<EventKind>()
        for (index, type) in types.enumerated() {
            guard let kind = EventKind(type) else {
                throw invalid("\(field)[\(index)]", reason: "event_type_unknown",
                              "\(type.protoName) is not an event type; use one of \(EventKind.allCases.map { Consent_V1_ConsentEventType($0).protoName }.joined(separator: ", "))")
            }
            kinds.insert(kind)
        }
        return kinds
    }

    /// Statuses for a filter: `nil` (all) when none are given.
    static func statuses(_ values: [Consent_V1_ConsentRequestStatus], field: String) throws(RPCError) -> Set<ConsentStatus>? {
        guard !values.isEmpty else { return nil }
        var statuses = Set<ConsentStatus>()
        for (index, value) in values.enumerated() {
            guard let status = ConsentStatus(value) else {
                throw invalid("\(field)[\(index)]", reason: "status_unknown",
                              "\(value.protoName) is not a request status; use one of \(ConsentStatus.allCases.map { Consent_V1_ConsentRequestStatus($0).protoName }.joined(separator: ", "))")
            }
            statuses.insert(status)
        }
        return statuses
    }

    /// The times a request may name: 1970-01-01T00:00:00Z up to
    /// 9999-12-31T23:59:59.999Z. A consent hub has no use for others, and
    /// refusing them here keeps arithmetic on times far from Int64's ends.
    static let acceptedTimes: ClosedRange<Int64> = 0...253_402_300_799_999

    /// A time in Unix epoch milliseconds; `nil` when 0.
    /// - Throws: INVALID_ARGUMENT `time_out_of_range` naming `field`.
    static func optionalTime(_ milliseconds: Int64, field: String) throws(RPCError) -> Timestamp? {
        milliseconds == 0 ? nil : try time(milliseconds, field: field)
    }

    /// A time in Unix epoch milliseconds that must lie in `acceptedTimes`.
    /// - Throws: INVALID_ARGUMENT `time_out_of_range` naming `field`.
    static func time(_ milliseconds: Int64, field: String) throws(RPCError) -> Timestamp {
        guard acceptedTimes.contains(milliseconds) else {
            throw invalid(field, reason: "time_out_of_range",
                          "\(milliseconds) is not a time this hub accepts: give Unix epoch milliseconds from 1970 to the end of year 9999")
        }
        return Timestamp(millisecondsSinceEpoch: milliseconds)
    }
}
