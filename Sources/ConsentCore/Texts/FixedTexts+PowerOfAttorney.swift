/// The hub's own words on a page whose template asks for a power of attorney
/// (fullmakt) instead of a consent: the buttons and the log's title say
/// "fullmakt" (Altinn 3's `isPoa` templates). Kept apart from FixedTexts so
/// that the consent wording stays in one place untouched.
extension FixedTexts {
    private func word(_ nb: String, _ nn: String, _ en: String) -> String {
        switch language {
        case .bokmal: return nb
        case .nynorsk: return nn
        case .english: return en
        }
    }

    var powerOfAttorneyAcceptLabel: String {
        word("Ja, jeg gir fullmakt", "Ja, eg gir fullmakt", "Yes, I grant the power of attorney")
    }

    var powerOfAttorneyRejectLabel: String {
        word("Nei, jeg gir ikke fullmakt", "Nei, eg gir ikkje fullmakt", "No, I do not grant it")
    }

    /// As ``voluntaryNote(oneTime:)``, for a power of attorney.
    func powerOfAttorneyVoluntaryNote(oneTime: Bool) -> String {
        oneTime
            ? word("Det er frivillig å gi fullmakt. En fullmakt for én gang kan ikke trekkes tilbake; den opphører når den er brukt.",
                   "Det er frivillig å gi fullmakt. Ei fullmakt for éin gong kan ikkje trekkjast tilbake; ho opphøyrer når ho er brukt.",
                   "Granting a power of attorney is voluntary. A one-time power of attorney cannot be withdrawn; it ends when it has been used.")
            : word("Det er frivillig å gi fullmakt, og du kan når som helst trekke fullmakten tilbake i Altinn.",
                   "Det er frivillig å gi fullmakt, og du kan når som helst trekkje fullmakta tilbake i Altinn.",
                   "Granting a power of attorney is voluntary, and you can withdraw it at any time in Altinn.")
    }

    /// The log line of a power of attorney given, when the template has no log text of its own.
    func logPowerOfAttorneyGiven(consumer: String, giver: String, ends: String) -> String {
        word("\(consumer) fikk fullmakt fra \(giver) (Opphører \(ends))",
             "\(consumer) fekk fullmakt frå \(giver) (Opphøyrer \(ends))",
             "\(consumer) was granted a power of attorney by \(giver) (Ends \(ends))")
    }

    /// The title of the log line for a power of attorney given.
    var powerOfAttorneyGivenTitle: String {
        word("Fullmakt gitt", "Fullmakt gitt", "Power of attorney granted")
    }
}
