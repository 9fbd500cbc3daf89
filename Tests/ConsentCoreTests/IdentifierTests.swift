import Testing
@testable import ConsentCore

@Suite("Identifiers")
struct IdentifierTests {
    @Test("Real organisation numbers pass the mod-11 check", arguments: [
        "974760673", // Brønnøysundregistrene
        "974761076", // Skatteetaten
        "889640782", // NAV
    ])
    func realOrganisationNumbers(_ text: String) throws {
        let number = try OrganisationNumber(validating: text)
        #expect(number.description == text)
    }

    @Test("Organisation number refusals", arguments: [
        ("97476067", "organisation_number_length", "8 characters"),
        ("9747606733", "organisation_number_length", "10 characters"),
        ("", "organisation_number_length", "0 characters"),
        ("97476067a", "organisation_number_not_digits", "nothing else"),
        ("974 76067", "organisation_number_not_digits", "spaces"),
        ("974760674", "organisation_number_check_digit", "974760674"),
        ("889640781", "organisation_number_check_digit", "check digit"),
    ])
    func organisationRefusals(_ text: String, _ reason: String, _ fragment: String) {
        expectRefused(.invalidArgument, reason, fragment) { () throws(DomainError) in try OrganisationNumber(validating: text) }
    }

    @Test("Eight digits whose remainder gives 10 have no valid organisation number")
    func organisationRemainderTen() {
        // 99911122: 9*3+9*2+9*7+1*6+1*5+1*4+2*3+2*2 = 133, 133 % 11 = 1, 11 - 1 = 10.
        #expect(OrganisationNumber.checkDigit(forFirstEightDigits: 99_911_122) == nil)
        for last in 0...9 {
            #expect(refusal { () throws(DomainError) in try OrganisationNumber(validating: "99911122\(last)") }?.reason == "organisation_number_check_digit")
        }
    }

    @Test("Organisation numbers print grouped as on Norwegian documents")
    func grouped() {
        #expect(Fixture.nav.grouped == "889 640 782")
    }

    @Test("National identity numbers: fødselsnummer, D-number, synthetic +40 and +80 months", arguments: [
        "01019012480", "15058512343", "41019012393", "01819012365", "01529012310",
    ])
    func validNationalIDs(_ text: String) throws {
        let id = try NationalIdentityNumber(validating: text)
        #expect(id.digits == text)
    }

    @Test("D-numbers and synthetic numbers are recognised")
    func nationalIDKinds() throws {
        #expect(try NationalIdentityNumber(validating: "41019012393").isDNumber)
        #expect(!(try NationalIdentityNumber(validating: "01019012480").isDNumber))
        #expect(try NationalIdentityNumber(validating: "01819012365").isSynthetic)
        #expect(try NationalIdentityNumber(validating: "01529012310").isSynthetic)
        #expect(!(try NationalIdentityNumber(validating: "15058512343").isSynthetic))
    }

    @Test("National identity number refusals never repeat the number", arguments: [
        ("0101901248", "national_id_length", "10 characters"),
        ("010190124800", "national_id_length", "12 characters"),
        ("0101901248x", "national_id_not_digits", "11 digits"),
        ("01019012481", "national_id_check_digit", "check digits"),
        ("01019012470", "national_id_check_digit", "check digits"),
        ("32019012480", "national_id_date", "valid date"),
        ("01139012480", "national_id_date", "valid date"),
        ("00019012480", "national_id_date", "valid date"),
    ])
    func nationalIDRefusals(_ text: String, _ reason: String, _ fragment: String) {
        let error = refusal { () throws(DomainError) in try NationalIdentityNumber(validating: text) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.reason == reason)
        #expect(error?.message.contains(fragment) == true)
        #expect(error?.message.contains(text) == false)
        #expect(error?.message.contains(String(text.prefix(6))) == false)
    }

    @Test("A first check digit of 10 makes the number invalid")
    func checkDigitTen() {
        // 010190123: the first check digit would be 10 (computed by the same rule).
        #expect(NationalIdentityNumber.checkDigits(forFirstNine: [0, 1, 0, 1, 9, 0, 1, 2, 3]) == nil)
        for k1 in 0...9 {
            for k2 in 0...9 {
                #expect(refusal { () throws(DomainError) in try NationalIdentityNumber(validating: "010190123\(k1)\(k2)") } != nil)
            }
        }
    }

    @Test("A national id is masked in descriptions and actors")
    func masked() {
        #expect(Fixture.haakon.description == "010190*****")
        #expect(!Actor.endUser(Fixture.haakonUser).description.contains("01019012480"))
        #expect(!PartyID.person(Fixture.haakon).description.contains("01019012480"))
    }

    @Test("UserToken is the hex SHA-256 of the eleven digits")
    func userToken() {
        #expect(Fixture.haakon.userToken == hex(SHA256.hash(Array("01019012480".utf8))))
        #expect(Fixture.haakon.userToken.count == 64)
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256Vectors() {
        #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(SHA256.hash([UInt8](repeating: 0x61, count: 1000))) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test("Resource ids parse service and edition codes", arguments: [("5252_1", 5252, 1), ("4629_2", 4629, 2), ("0_0", 0, 0), ("999999999_10", 999_999_999, 10)])
    func resourceIDs(_ text: String, _ service: UInt32, _ edition: UInt32) throws {
        let id = try ResourceID(validating: text)
        #expect(id == ResourceID(serviceCode: service, editionCode: edition))
        #expect(id.description == text)
        // A substring (a part of a longer text) parses the same, in place.
        let framed = "[" + text + "]"
        #expect(try ResourceID(validating: framed.dropFirst().dropLast()) == id)
    }

    @Test("Resource id refusals", arguments: ["5252", "5252_", "_1", "5252-1", "5252_1_2", "05252_1", "a_1", "5252_1 ", "1234567890_1",
                                               "", "_", "5252__1", "5252_01", "+5_1", "5252_1234567890", "٥٢٥٢_1", "５２５２_1", "5252_1\u{0}"])
    func resourceIDRefusals(_ text: String) {
        expectRefused(.invalidArgument, "resource_id_malformed", "5252_1") { () throws(DomainError) in try ResourceID(validating: text) }
    }

    @Test("Party ids: 11 digits are a person, 9 an organisation")
    func partyIDs() throws {
        #expect(try PartyID(validating: "01019012480") == .person(Fixture.haakon))
        #expect(try PartyID(validating: "889640782") == .organisation(Fixture.nav))
        expectRefused(.invalidArgument, "party_id_length", "10 characters") { () throws(DomainError) in try PartyID(validating: "0101901248") }
        expectRefused(.invalidArgument, "national_id_check_digit") { () throws(DomainError) in try PartyID(validating: "01019012481") }
        #expect(PartyID(key: PartyID.organisation(Fixture.nav).key) == .organisation(Fixture.nav))
        #expect(PartyID(key: PartyID.person(Fixture.haakon).key) == .person(Fixture.haakon))
        #expect(PartyID(key: 0) == nil)
    }

    @Test("Request ids are version-4 UUIDs and round-trip through text")
    func requestIDs() throws {
        var random = SplitMix64(seed: 42)
        for _ in 0..<100 {
            let id = RequestID(using: &random)
            let text = id.description
            let chars = Array(text)
            #expect(chars.count == 36 && chars[14] == "4")
            #expect("89ab".contains(chars[19]))
            #expect(try RequestID(validating: text) == id)
            #expect(try RequestID(validating: text.uppercased()) == id)
        }
        let framed = "<3f2504e0-4f89-41d3-9a0c-0305e82c3301>"
        #expect(try RequestID(validating: framed.dropFirst().dropLast()) == RequestID(high: 0x3f25_04e0_4f89_41d3, low: 0x9a0c_0305_e82c_3301))
        for bad in ["", "3f2504e0-4f89-41d3-9a0c-0305e82c330", "3f2504e0x4f89-41d3-9a0c-0305e82c3301", "3g2504e0-4f89-41d3-9a0c-0305e82c3301",
                    "3f2504e0-4f89-41d3-9a0c-0305e82c33011", "3f2504e04-f89-41d3-9a0c-0305e82c3301", "3f2504e0-4f89-41d3-9a0c-0305e82c330é",
                    "3f2504e0-4f89-41d3-9a0c-0305e82c33-1", "{3f2504e0-4f89-41d3-9a0c-0305e82c33}"] {
            expectRefused(.invalidArgument, "request_id_malformed") { () throws(DomainError) in try RequestID(validating: bad) }
        }
    }

    @Test("Languages parse Altinn's codes ignoring case")
    func languages() throws {
        #expect(try Language(validating: "nb-NO") == .bokmal)
        #expect(try Language(validating: "NN-no") == .nynorsk)
        #expect(try Language(validating: "en") == .english)
        expectRefused(.invalidArgument, "language_unknown", "nb-NO") { () throws(DomainError) in try Language(validating: "no") }
    }

    @Test("Assurance levels are 1 to 4")
    func assuranceLevels() throws {
        #expect(try AssuranceLevel(validating: 4) == .high)
        expectRefused(.invalidArgument, "assurance_level_invalid") { () throws(DomainError) in try AssuranceLevel(validating: 5) }
        expectRefused(.invalidArgument, "assurance_level_invalid") { () throws(DomainError) in try AssuranceLevel(validating: 0) }
    }
}
