/// Refusals of malformed identifiers. None repeats a national identity number.
extension DomainError {
    static func organisationNumberLength(_ count: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "organisation_number_length",
                    message: "An organisation number has 9 digits; the value given has \(count) characters.")
    }

    static func organisationNumberNotDigits() -> DomainError {
        DomainError(.invalidArgument, reason: "organisation_number_not_digits",
                    message: "An organisation number has 9 digits and nothing else; remove spaces and other characters.")
    }

    static func organisationNumberCheckDigit(_ digits: String) -> DomainError {
        DomainError(.invalidArgument, reason: "organisation_number_check_digit",
                    message: "\(digits) is not a valid organisation number: its check digit (the 9th) is wrong. Check for a typing error.")
    }

    static func nationalIdLength(_ count: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "national_id_length",
                    message: "A national identity number (fødselsnummer or D-number) has 11 digits; the value given has \(count) characters.")
    }

    static func nationalIdNotDigits() -> DomainError {
        DomainError(.invalidArgument, reason: "national_id_not_digits",
                    message: "A national identity number has 11 digits and nothing else; remove spaces and other characters.")
    }

    static func nationalIdDate() -> DomainError {
        DomainError(.invalidArgument, reason: "national_id_date",
                    message: "The national identity number given does not start with a valid date (ddmmyy; D-numbers add 40 to the day).")
    }

    static func nationalIdCheckDigit() -> DomainError {
        DomainError(.invalidArgument, reason: "national_id_check_digit",
                    message: "The national identity number given is not valid: its check digits (the last two) are wrong. Check for a typing error.")
    }

    static func resourceIDMalformed(_ text: String) -> DomainError {
        DomainError(.invalidArgument, reason: "resource_id_malformed",
                    message: "'\(text.prefix(40))' is not a resource id; write the service code and the edition code joined by an underscore, e.g. 5252_1.")
    }

    static func partyIDLength(_ count: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "party_id_length",
                    message: "OfferedBy must be an 11-digit national identity number or a 9-digit organisation number; the value given has \(count) characters.")
    }

    static func requestIDMalformed() -> DomainError {
        DomainError(.invalidArgument, reason: "request_id_malformed",
                    message: "A request id is a UUID written as 36 characters, e.g. 3f2504e0-4f89-41d3-9a0c-0305e82c3301.")
    }

    static func languageUnknown(_ code: String) -> DomainError {
        DomainError(.invalidArgument, reason: "language_unknown",
                    message: "'\(code.prefix(20))' is not a supported language; use en, nb-NO or nn-NO.")
    }

    static func assuranceLevelInvalid(_ value: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "assurance_level_invalid",
                    message: "Assurance level \(value) does not exist; use 1 to 4 (ID-porten: 3 substantial, 4 high).")
    }

    static func codeHashMalformed(_ count: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "code_hash_malformed",
                    message: "An authorization code hash is the 32-byte SHA-256 of the code; \(count) bytes were given.")
    }
}

/// Refusals about who may do what, and about paging and batches.
extension DomainError {
    static func roleNotAllowed(_ actor: Actor, action: String) -> DomainError {
        DomainError(.permissionDenied, reason: "role_not_allowed",
                    message: "A caller in the role \(actor.role) may not \(action).")
    }

    static func notResourceOwner(_ org: OrganisationNumber, owner: OrganisationNumber, action: String) -> DomainError {
        DomainError(.permissionDenied, reason: "resource_not_owned",
                    message: "Organisation \(org) may not \(action): the resource is owned by organisation \(owner).")
    }

    static func resourceOwnedByOther(_ id: ResourceID, owner: OrganisationNumber) -> DomainError {
        DomainError(.permissionDenied, reason: "resource_owned_by_other",
                    message: "Resource \(id) is owned by organisation \(owner); only its owner can change it, and the owner cannot be changed. Choose another resource id.")
    }

    static func notYours(_ id: RequestID, actor: Actor) -> DomainError {
        let whose: String
        switch actor {
        case .consumer: whose = "it was created by another consumer"
        case .dataSource: whose = "it includes none of your resources"
        case .endUser: whose = "it is not offered to you or to an organisation you may sign for"
        default: whose = "it is not yours"
        }
        return DomainError(.permissionDenied, reason: "not_yours",
                           message: "You may not see or act on request \(id): \(whose).")
    }

    static func batchTooLarge(_ count: Int, maximum: Int) -> DomainError {
        DomainError(.resourceExhausted, reason: "batch_too_large",
                    message: "A batch may hold at most \(maximum) items; this one has \(count). Split it.")
    }

    static func limitInvalid(_ limit: Int) -> DomainError {
        DomainError(.invalidArgument, reason: "limit_invalid",
                    message: "The limit must be at least 1; \(limit) was given.")
    }

    static func timeRangeReversed(from: Timestamp, to: Timestamp) -> DomainError {
        DomainError(.invalidArgument, reason: "time_range_reversed",
                    message: "The time filter starts (\(from)) after it ends (\(to)).")
    }
}
