extension ConsentTokenClaims {
    /// Reads claims from a parsed payload, checking every field's type and
    /// shape. Unknown members are ignored (tokens may gain claims).
    /// - Throws: `TokenError.malformed` naming the first bad field.
    init(payload root: JSONValue) throws(TokenError) {
        guard root.objectValue != nil else { throw .malformed("the payload is not a JSON object") }
        guard let issuer = root["iss"]?.stringValue else { throw .malformed("iss is missing or not a string") }
        guard let issuedAt = root["iat"]?.numericDate else { throw .malformed("iat is missing or not a number") }
        guard let expiresAt = root["exp"]?.numericDate else { throw .malformed("exp is missing or not a number") }
        guard let tokenID = root["jti"]?.stringValue else { throw .malformed("jti is missing or not a string") }
        var isOneTime = false
        if let once = root["consent_once"] {
            guard let value = once.boolValue else { throw .malformed("consent_once is not a boolean") }
            isOneTime = value
        }
        guard let details = root["authorization_details"]?.arrayValue else {
            throw .malformed("authorization_details is missing or not an array")
        }
        guard details.count == 1 else {
            throw .malformed("authorization_details must hold exactly one consent, found \(details.count)")
        }
        self.init(
            issuer: issuer, issuedAt: issuedAt, expiresAt: expiresAt, tokenID: tokenID,
            consent: try ConsentAuthorizationDetail(json: details[0]), isOneTime: isOneTime)
    }
}

extension ConsentAuthorizationDetail {
    init(json detail: JSONValue) throws(TokenError) {
        guard detail.objectValue != nil else { throw .malformed("authorization_details[0] is not an object") }
        guard detail["type"]?.stringValue == "urn:altinn:consent" else {
            throw .malformed("authorization_details[0].type is not urn:altinn:consent")
        }
        guard let consentID = detail["id"]?.stringValue else { throw .malformed("id is missing or not a string") }
        guard let fromURN = detail["from"]?.stringValue, let from = ConsentParty(urn: fromURN) else {
            throw .malformed("from is not a person or organisation URN")
        }
        guard let to = detail["to"], to["authority"]?.stringValue == "iso6523-actorid-upis",
              let toID = to["ID"]?.stringValue, toID.hasPrefix("0192:"),
              ConsentParty.isDigits(String(toID.dropFirst(5)), count: 9) else {
            throw .malformed("to is not {authority: iso6523-actorid-upis, ID: 0192:<9 digits>}")
        }
        var handledBy: String? = nil
        if let member = detail["handledBy"] {
            guard let urn = member.stringValue, case .organisation(let vendor)? = ConsentParty(urn: urn) else {
                throw .malformed("handledBy is not an organisation URN")
            }
            handledBy = vendor
        }
        guard let consentedText = detail["consented"]?.stringValue, let consentedAt = RFC3339.parse(consentedText) else {
            throw .malformed("consented is missing or not an RFC 3339 time")
        }
        guard let validToText = detail["validTo"]?.stringValue, let validTo = RFC3339.parse(validToText) else {
            throw .malformed("validTo is missing or not an RFC 3339 time")
        }
        guard let rightsJSON = detail["consentRights"]?.arrayValue, !rightsJSON.isEmpty else {
            throw .malformed("consentRights is missing or empty")
        }
        var rights: [ConsentRight] = []
        for right in rightsJSON {
            rights.append(try ConsentRight(json: right))
        }
        self.init(
            consentID: consentID, from: from, consumerOrganisationNumber: String(toID.dropFirst(5)),
            consentedAt: consentedAt, validTo: validTo, rights: rights, handledByOrganisationNumber: handledBy)
    }
}

extension ConsentRight {
    init(json right: JSONValue) throws(TokenError) {
        guard right.objectValue != nil else { throw .malformed("a consentRights entry is not an object") }
        guard let actions = right["action"]?.arrayValue, actions.contains(.string("consent")) else {
            throw .malformed("consentRights action does not include \"consent\"")
        }
        guard let resources = right["resource"]?.arrayValue, resources.count == 1,
              resources[0]["type"]?.stringValue == "urn:altinn:resource",
              let resource = resources[0]["value"]?.stringValue else {
            throw .malformed("consentRights resource is not one {type: urn:altinn:resource, value}")
        }
        var metadata: [String: String] = [:]
        if let members = right["metadata"] {
            guard let members = members.objectValue else { throw .malformed("metadata is not an object") }
            for member in members {
                guard let value = member.value.stringValue else {
                    throw .malformed("metadata \"\(member.key)\" is not a string")
                }
                metadata[member.key] = value
            }
        }
        // Every action but `consent`, in order: what the consumer may do beyond reading.
        var extra: [String] = []
        for action in actions where action != .string("consent") {
            guard let name = action.stringValue else { throw .malformed("a consentRights action is not a string") }
            extra.append(name)
        }
        self.init(resource: resource, metadata: metadata, actions: extra)
    }
}
