/// A request rendered for the consent page (seed 002 step 2, seed 003 figure
/// "Samtykkeprosess trinn for trinn"): who gets access, to which data, for what
/// purpose, for how long or once only — in the user's language.
public struct RenderedRequest: Hashable, Sendable {
    /// The request id.
    public var id: RequestID
    /// The status now.
    public var status: ConsentStatus
    /// The language of the fixed texts (resource texts may fall back to Bokmål; see ``RenderedResource/language``).
    public var language: Language
    /// "Samtykke til bruk av dine data".
    public var heading: String
    /// "BANKEN AS ønsker å hente opplysninger om deg".
    public var intro: String
    /// The consumer's name.
    public var consumerName: String
    /// The consumer's organisation number.
    public var consumerOrganisationNumber: OrganisationNumber
    /// "Formål".
    public var purposeHeading: String
    /// The consumer's purpose text (DelegationContext), as sent.
    public var purpose: String
    /// "Ved å samtykke, får BANKEN AS tilgang til følgende opplysninger om deg".
    public var resourcesHeading: String
    /// Each resource's title and rendered consent text.
    public var resources: [RenderedResource]
    /// How long the consent lasts, or that it is one-time.
    public var validity: String
    /// "Det er frivillig å gi samtykke, og du kan når som helst trekke samtykket tilbake" (seed 003),
    /// or, for a one-time consent, that it cannot be withdrawn.
    public var voluntaryNote: String
    /// Whether it is a one-time consent.
    public var isOneTime: Bool
    /// The start of validity: the answer time, or now for a request not yet answered.
    public var validFrom: Timestamp
    /// The end of validity.
    public var validTo: Timestamp
    /// "Ja, jeg gir samtykke".
    public var acceptLabel: String
    /// "Nei, jeg samtykker ikke".
    public var rejectLabel: String
    /// The login level needed to accept (the highest any resource asks for).
    public var requiredAssuranceLevel: AssuranceLevel
    /// Whether the data source's template asks for a power of attorney
    /// (fullmakt) rather than a consent: buttons and note say "fullmakt".
    public var isPowerOfAttorney: Bool = false
    /// The consent template the heading, intro and validity come from, at the
    /// version pinned when the request was created; nil for the hub's own texts.
    public var template: TemplatePin? = nil

    /// All texts as plain lines, in page order.
    public var lines: [String] {
        var out = [heading, intro, purposeHeading, purpose, resourcesHeading]
        for r in resources { out.append(r.title); out.append(r.text) }
        out.append(validity)
        out.append(voluntaryNote)
        return out
    }
}

/// One resource on the consent page.
public struct RenderedResource: Hashable, Sendable {
    /// The resource.
    public var id: ResourceID
    /// The data source's name.
    public var dataSourceName: String
    /// The title.
    public var title: String
    /// The consent text with placeholders filled in.
    public var text: String
    /// The language the texts are in (Bokmål when the asked one was missing).
    public var language: Language
    /// What the consumer may do beyond reading (issue 12), as the resource names them.
    public var actions: [String] = []
}
