import ConsentProto

extension FuzzTarget {
    /// The libprotobuf-c bridge (ConsentProto) of every request and response
    /// message of every RPC: decoding, encoding and decoding again gives the
    /// same message and the same bytes; nothing crashes or leaks (the arena
    /// that owns protobuf-c's allocations is watched by AddressSanitizer).
    ///
    /// Input: one byte choosing the method (its number in
    /// `ProtoMethodMessages.all` times two) and the message (even: the
    /// request, odd: the response), then the message bytes.
    public static let protoMessages = FuzzTarget("FuzzProtoMessages") { input throws(FuzzFailure) in
        guard let selector = input.first else { return }
        let method = ProtoMethodMessages.all[Int(selector / 2) % ProtoMethodMessages.all.count]
        let bytes = UnsafeRawBufferPointer(rebasing: input.dropFirst())
        try (selector & 1 == 0 ? method.checkRequest : method.checkResponse)(bytes)
    }
}

/// The message types of one RPC, with the round-trip check for each.
struct ProtoMethodMessages: Sendable {
    let fullName: String
    let checkRequest: @Sendable (UnsafeRawBufferPointer) throws(FuzzFailure) -> Void
    let checkResponse: @Sendable (UnsafeRawBufferPointer) throws(FuzzFailure) -> Void

    init<Req, Res>(_ method: ProtoMethod<Req, Res>) {
        fullName = method.fullName
        checkRequest = { bytes throws(FuzzFailure) in try Self.roundTrip(Req.self, bytes) }
        checkResponse = { bytes throws(FuzzFailure) in try Self.roundTrip(Res.self, bytes) }
    }

    /// Every RPC of Proto/consent/v1, service by service, then those added
    /// since (a test checks that none is missing).
    static let all: [ProtoMethodMessages] = [
        ProtoMethodMessages(Consent_V1_Health.check),
        ProtoMethodMessages(Consent_V1_Health.stats),
        ProtoMethodMessages(Consent_V1_RegistryService.registerResource),
        ProtoMethodMessages(Consent_V1_RegistryService.getResource),
        ProtoMethodMessages(Consent_V1_RegistryService.listResources),
        ProtoMethodMessages(Consent_V1_RegistryService.authoriseConsumer),
        ProtoMethodMessages(Consent_V1_RegistryService.deauthoriseConsumer),
        ProtoMethodMessages(Consent_V1_RegistryService.listAuthorisations),
        ProtoMethodMessages(Consent_V1_ConsentService.createRequest),
        ProtoMethodMessages(Consent_V1_ConsentService.createRequestFromQuery),
        ProtoMethodMessages(Consent_V1_ConsentService.getRequest),
        ProtoMethodMessages(Consent_V1_ConsentService.acceptRequest),
        ProtoMethodMessages(Consent_V1_ConsentService.rejectRequest),
        ProtoMethodMessages(Consent_V1_ConsentService.getRequestStatus),
        ProtoMethodMessages(Consent_V1_ConsentService.listConsents),
        ProtoMethodMessages(Consent_V1_ConsentService.getConsentLog),
        ProtoMethodMessages(Consent_V1_ConsentService.revokeConsent),
        ProtoMethodMessages(Consent_V1_ConsentService.listEvents),
        ProtoMethodMessages(Consent_V1_ConsentService.watchEvents),
        ProtoMethodMessages(Consent_V1_TokenService.exchangeCode),
        ProtoMethodMessages(Consent_V1_TokenService.exchangeCodes),
        ProtoMethodMessages(Consent_V1_TokenService.issueToken),
        ProtoMethodMessages(Consent_V1_TokenService.verifyToken),
        ProtoMethodMessages(Consent_V1_TokenService.logUse),
        ProtoMethodMessages(Consent_V1_TokenService.logUses),
        ProtoMethodMessages(Consent_V1_TokenService.getSigningKeys),
        // Added later, at the end: a corpus input's selector keeps naming its method.
        ProtoMethodMessages(Consent_V1_RegistryService.authoriseVendor),
        ProtoMethodMessages(Consent_V1_RegistryService.deauthoriseVendor),
        ProtoMethodMessages(Consent_V1_RegistryService.listVendors),
        ProtoMethodMessages(Consent_V1_ConsentService.deleteRequest),
        ProtoMethodMessages(Consent_V1_ConsentService.listRequests),
        ProtoMethodMessages(Consent_V1_ConsentService.getStatistics),
        ProtoMethodMessages(Consent_V1_ConsentService.countConsents),
        ProtoMethodMessages(Consent_V1_RegistryService.registerTemplate),
        ProtoMethodMessages(Consent_V1_RegistryService.listTemplates),
    ]

    static func roundTrip<M: ProtoMessage>(_ type: M.Type, _ bytes: UnsafeRawBufferPointer) throws(FuzzFailure) {
        guard let first = try? M(serializedBytes: bytes) else { return }
        let encoded = first.serializedBytes()
        guard encoded.count == first.serializedSize else {
            throw FuzzFailure("\(M.self): serializedSize \(first.serializedSize), but \(encoded.count) bytes written for \(first)")
        }
        let second: M
        do {
            second = try M(serializedBytes: encoded)
        } catch {
            throw FuzzFailure("\(M.self): protobuf-c refuses its own encoding \(hex(encoded)) of \(first) (read from \(hex(bytes)))")
        }
        guard second == first else {
            throw FuzzFailure("\(M.self): \(hex(bytes)) reads as \(first), its encoding \(hex(encoded)) as \(second)")
        }
        let again = second.serializedBytes()
        guard again == encoded else {
            throw FuzzFailure("\(M.self): \(first) encodes as \(hex(encoded)), then as \(hex(again))")
        }
    }
}

extension FuzzTarget {
    /// The RPCs whose messages `FuzzProtoMessages` covers, in selector order.
    public static var protoMethodNames: [String] { ProtoMethodMessages.all.map(\.fullName) }
}
