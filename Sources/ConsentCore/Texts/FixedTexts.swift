/// The hub's own texts on the consent page and in the Samtykkelogg, in
/// Bokmål (from seeds 002 and 003, word for word where they give the text),
/// Nynorsk and English (our translations).
///
/// Seed 003 marks these as "(Fixed Altinn)": the hub writes them; the data
/// source writes only its resource texts.
struct FixedTexts {
    let language: Language

    private func pick(_ nb: String, _ nn: String, _ en: String) -> String {
        switch language {
        case .bokmal: return nb
        case .nynorsk: return nn
        case .english: return en
        }
    }

    // MARK: Consent page (seed 003, "Samtykkeprosess trinn for trinn")

    var heading: String {
        pick("Samtykke til bruk av dine data", "Samtykke til bruk av dataa dine", "Consent to the use of your data")
    }

    func intro(consumer: String, aboutOrganisation: OrganisationNumber?) -> String {
        if let org = aboutOrganisation {
            return pick("\(consumer) ønsker å hente opplysninger om organisasjonen \(org.grouped)",
                        "\(consumer) ønskjer å hente opplysningar om organisasjonen \(org.grouped)",
                        "\(consumer) would like to retrieve information about the organisation \(org.grouped)")
        }
        return pick("\(consumer) ønsker å hente opplysninger om deg",
                    "\(consumer) ønskjer å hente opplysningar om deg",
                    "\(consumer) would like to retrieve information about you")
    }

    var purposeHeading: String { pick("Formål", "Føremål", "Purpose") }

    func resourcesHeading(consumer: String) -> String {
        pick("Ved å samtykke, får \(consumer) tilgang til følgende opplysninger om deg",
             "Ved å samtykkje, får \(consumer) tilgang til følgjande opplysningar om deg",
             "By consenting, \(consumer) gets access to the following information about you")
    }

    func validity(from: String, to: String) -> String {
        pick("Samtykket er gyldig fra og med \(from) til og med \(to).",
             "Samtykket er gyldig frå og med \(from) til og med \(to).",
             "The consent is valid from \(from) up to and including \(to).")
    }

    func oneTimeValidity(to: String) -> String {
        pick("Dette er et engangssamtykke: det gjelder én innhenting av opplysningene og opphører senest \(to).",
             "Dette er eit eingongssamtykke: det gjeld éi innhenting av opplysningane og opphøyrer seinast \(to).",
             "This is a one-time consent: it covers a single retrieval of the information and ends no later than \(to).")
    }

    /// The hub says it, since withdrawal is the hub's feature and is not
    /// possible for a one-time consent (seed 003's NAV text has the sentence).
    func voluntaryNote(oneTime: Bool) -> String {
        oneTime
            ? pick("Det er frivillig å gi samtykke. Et engangssamtykke kan ikke trekkes tilbake; det opphører når opplysningene er hentet.",
                   "Det er frivillig å gi samtykke. Eit eingongssamtykke kan ikkje trekkjast tilbake; det opphøyrer når opplysningane er henta.",
                   "Giving consent is voluntary. A one-time consent cannot be withdrawn; it ends when the information has been retrieved.")
            : pick("Det er frivillig å gi samtykke, og du kan når som helst trekke samtykket tilbake i Altinn.",
                   "Det er frivillig å gi samtykke, og du kan når som helst trekkje samtykket tilbake i Altinn.",
                   "Giving consent is voluntary, and you can withdraw it at any time in Altinn.")
    }

    var acceptLabel: String { pick("Ja, jeg gir samtykke", "Ja, eg gir samtykke", "Yes, I give my consent") }
    var rejectLabel: String { pick("Nei, jeg samtykker ikke", "Nei, eg samtykkjer ikkje", "No, I do not consent") }

    /// `kl.` in Norwegian, `at` in English: `30.10.2017 kl. 10:30`.
    var clockWord: String { pick("kl.", "kl.", "at") }

    func dateTime(_ t: Timestamp) -> String { OsloTime.dateAtTimeText(t, clockWord: clockWord) }

    /// `BANKEN AS (org.nr. 912 345 678)`.
    func organisation(name: String, number: OrganisationNumber) -> String {
        "\(name) (" + pick("org.nr.", "org.nr.", "org. no.") + " \(number.grouped))"
    }

    // MARK: Status words

    /// - Parameter endedByConsumer: a revoked consent its consumer ended
    ///   ("Avsluttet") rather than one the person withdrew ("Trukket").
    func status(_ status: ConsentStatus, endedByConsumer: Bool = false) -> String {
        switch status {
        case .created: return pick("Venter på svar", "Ventar på svar", "Awaiting answer")
        case .accepted: return pick("Aktivt", "Aktivt", "Active")
        case .rejected: return pick("Avslått", "Avslått", "Declined")
        case .revoked where endedByConsumer: return pick("Avsluttet", "Avslutta", "Ended")
        case .revoked: return pick("Trukket", "Trekt", "Withdrawn")
        case .deleted: return pick("Slettet", "Sletta", "Deleted")
        case .expired: return pick("Utløpt", "Utløpt", "Expired")
        case .usedUp: return pick("Brukt (engangssamtykke)", "Brukt (eingongssamtykke)", "Used (one-time consent)")
        }
    }

    // MARK: Samtykkelogg (seed 002)

    func logTitle(_ kind: ConsentLogLine.Kind) -> String {
        switch kind {
        case .given: return pick("Samtykke gitt", "Samtykke gitt", "Consent given")
        case .rejected: return pick("Samtykke avslått", "Samtykke avslått", "Consent declined")
        case .used: return pick("Samtykke benyttet", "Samtykke nytta", "Consent used")
        case .revoked: return pick("Samtykke trukket", "Samtykke trekt", "Consent withdrawn")
        case .ended: return pick("Samtykke avsluttet", "Samtykke avslutta", "Consent ended")
        case .expired: return pick("Samtykke utløpt", "Samtykke utløpt", "Consent expired")
        }
    }

    /// Seed 002: "BANKEN AS fikk samtykke fra HÅKON TRANA (Opphører 30.10.2017 10:30:00)".
    func logGiven(consumer: String, giver: String, ends: String) -> String {
        pick("\(consumer) fikk samtykke fra \(giver) (Opphører \(ends))",
             "\(consumer) fekk samtykke frå \(giver) (Opphøyrer \(ends))",
             "\(consumer) was given consent by \(giver) (Ends \(ends))")
    }

    /// Seed 002: "BANKEN AS har hentet data om HÅKON TRANA . (Opphører 30.10.2017 10:30:00)".
    func logUsed(consumer: String, giver: String, ends: String) -> String {
        pick("\(consumer) har hentet data om \(giver). (Opphører \(ends))",
             "\(consumer) har henta data om \(giver). (Opphøyrer \(ends))",
             "\(consumer) has retrieved data about \(giver). (Ends \(ends))")
    }

    /// Seed 002: "FINANSIERING AS har hentet data om HÅKON TRANA . Engangssamtykke er nå opphørt."
    func logUsedOnce(consumer: String, giver: String) -> String {
        pick("\(consumer) har hentet data om \(giver). Engangssamtykke er nå opphørt.",
             "\(consumer) har henta data om \(giver). Eingongssamtykke er no opphøyrt.",
             "\(consumer) has retrieved data about \(giver). One-time consent has now ended.")
    }

    func logRevoked(consumer: String, giver: String) -> String {
        pick("\(giver) trakk tilbake samtykket til \(consumer).",
             "\(giver) trekte tilbake samtykket til \(consumer).",
             "\(giver) withdrew the consent given to \(consumer).")
    }

    /// A withdrawal by the hub's support desk (an admin), not by the person:
    /// the Samtykkelogg must not say the user did it.
    func logRevokedByOperator(consumer: String) -> String {
        pick("Samtykket til \(consumer) ble trukket tilbake av brukerstøtte.",
             "Samtykket til \(consumer) vart trekt tilbake av brukarstøtte.",
             "The consent given to \(consumer) was withdrawn by the support desk.")
    }

    /// The consumer ended the consent (it no longer needed it): the log must
    /// not say the person withdrew it.
    func logEndedByConsumer(consumer: String, giver: String) -> String {
        pick("\(consumer) avsluttet samtykket fra \(giver).",
             "\(consumer) avslutta samtykket frå \(giver).",
             "\(consumer) ended the consent given by \(giver).")
    }

    func logExpired(consumer: String, ended: String) -> String {
        pick("Samtykket til \(consumer) er utløpt (Opphørte \(ended))",
             "Samtykket til \(consumer) er utløpt (Opphøyrde \(ended))",
             "The consent given to \(consumer) has expired (Ended \(ended))")
    }

    func logRejected(consumer: String, giver: String) -> String {
        pick("\(giver) avslo forespørselen fra \(consumer).",
             "\(giver) avslo førespurnaden frå \(consumer).",
             "\(giver) declined the request from \(consumer).")
    }

    /// Who gave the consent, when no name is known.
    var you: String { pick("deg", "deg", "you") }

    /// Who answered for an organisation, and by which roles (issue 12, point 3):
    /// "organisasjonen 910 000 001 ved HÅKON TRANA (daglig leder)".
    func organisationAnswer(_ organisation: String, person: String?, roles: [String]) -> String {
        let by = person ?? pick("en person", "ein person", "a person")
        let role = roles.isEmpty ? "" : " (\(roles.joined(separator: ", ")))"
        return pick("\(organisation) ved \(by)\(role)", "\(organisation) ved \(by)\(role)", "\(organisation), by \(by)\(role)")
    }

    func organisationParty(_ org: OrganisationNumber) -> String {
        pick("organisasjonen \(org.grouped)", "organisasjonen \(org.grouped)", "the organisation \(org.grouped)")
    }
}
