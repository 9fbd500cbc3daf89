extension ConsentTokenClaims {
    /// The claims as the exact compact JSON that is signed (the JWS payload).
    public var json: String {
        var writer = JSONWriter()
        write(into: &writer)
        return writer.string()
    }

    /// Writes the payload. Member order is fixed and metadata keys are
    /// sorted, so equal claims always give equal bytes (tests depend on it).
    func write(into writer: inout JSONWriter) {
        writer.raw(#"{"iss":"#)
        writer.string(issuer)
        writer.raw(#","iat":"#)
        writer.integer(issuedAt)
        writer.raw(#","exp":"#)
        writer.integer(expiresAt)
        writer.raw(#","jti":"#)
        writer.string(tokenID)
        writer.raw(#","authorization_details":[{"type":"urn:altinn:consent","id":"#)
        writer.string(consent.consentID)
        writer.raw(#","from":"#)
        switch consent.from {
        case .person(let identifier):
            writer.raw(#""urn:altinn:person:identifier-no:"#)
            writer.appendEscapedContents(of: identifier)
        case .organisation(let identifier):
            writer.raw(#""urn:altinn:organization:identifier-no:"#)
            writer.appendEscapedContents(of: identifier)
        }
        writer.raw(#"","to":{"authority":"iso6523-actorid-upis","ID":"0192:"#)
        writer.appendEscapedContents(of: consent.consumerOrganisationNumber)
        writer.raw(#""}"#)
        if let vendor = consent.handledByOrganisationNumber {
            // Altinn 3's `handledBy`: the vendor acting for the consumer, as a party URN.
            writer.raw(#","handledBy":"urn:altinn:organization:identifier-no:"#)
            writer.appendEscapedContents(of: vendor)
            writer.raw("\"")
        }
        writer.raw(#","consented":"#)
        RFC3339.format(consent.consentedAt, into: &writer)
        writer.raw(#","validTo":"#)
        RFC3339.format(consent.validTo, into: &writer)
        writer.raw(#","consentRights":["#)
        for (position, right) in consent.rights.enumerated() {
            if position > 0 { writer.raw(",") }
            writer.raw(#"{"action":["consent""#)
            for action in right.actions {
                writer.raw(",")
                writer.string(action)
            }
            writer.raw(#"],"resource":[{"type":"urn:altinn:resource","value":"#)
            writer.string(right.resource)
            writer.raw(#"}],"metadata":{"#)
            if right.metadata.count <= 1 {
                for (key, value) in right.metadata {
                    writer.string(key)
                    writer.raw(":")
                    writer.string(value)
                }
            } else {
                // Sorted pairs, not sorted keys: no dictionary lookups afterwards.
                for (index, entry) in right.metadata.sorted(by: { $0.key < $1.key }).enumerated() {
                    if index > 0 { writer.raw(",") }
                    writer.string(entry.key)
                    writer.raw(":")
                    writer.string(entry.value)
                }
            }
            writer.raw("}}")
        }
        writer.raw("]}]")
        if isOneTime { writer.raw(#","consent_once":true"#) }
        writer.raw("}")
    }
}
