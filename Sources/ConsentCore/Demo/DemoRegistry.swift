/// The demo registry: the two flows of the seeds as data, for `make run`, the
/// examples and the tests.
///
/// - NAV's disability-benefit resource `5252_1` (seeds 003 and 004): the
///   Bokmål text is seed 003's, word for word except that the withdrawal
///   sentence the hub now adds itself is left out and the data period is
///   named; Nynorsk and English are our translations.
/// - Skatteetaten's `4629_2` "Inntekt og skattegrunnlag" and `4630_1`
///   "Inntektsopplysninger" for the loan-application flow of seeds 000 and 002
///   (`Resources=4629_2.4630_1` is seed 004's own example): one-time consents
///   (engangssamtykke) valid at most 30 days — a bank fetches income once to
///   assess an application, and seed 002's log shows such a consent ending at
///   its first use within days.
/// - One consumer, BANKEN AS (seed 002), authorised for all three with the
///   redirect domain `banken.example`.
///
/// The server applies ``commands`` at start-up. Registering an identical
/// definition or authorisation again changes nothing, so applying them on every
/// start is safe; ``missing(in:)`` gives only those that would change something.
public enum DemoRegistry {
    /// A command with the actor that issues it.
    public struct SeedCommand: Hashable, Sendable {
        public var actor: Actor
        public var command: Command
    }

    /// NAV (Arbeids- og velferdsetaten), organisation number 889 640 782.
    public static let nav = OrganisationNumber(unchecked: 889_640_782)
    /// Skatteetaten (the Norwegian Tax Administration), 974 761 076.
    public static let skatteetaten = OrganisationNumber(unchecked: 974_761_076)
    /// BANKEN AS, the demo consumer (a made-up number with a valid check digit).
    public static let bankenAS = OrganisationNumber(unchecked: 910_203_045)
    /// The demo consumer's name, as in seed 002's screenshot and log.
    public static let bankenName = "BANKEN AS"
    /// The demo consumer's redirect domain.
    public static let bankenDomain = "banken.example"

    /// NAV: information on work assessment allowance and disability benefit.
    public static let disabilityBenefits = ResourceID(serviceCode: 5252, editionCode: 1)
    /// Skatteetaten: income and tax base for a loan application.
    public static let incomeAndTaxBase = ResourceID(serviceCode: 4629, editionCode: 2)
    /// Skatteetaten: income information reported by employers (a-ordningen).
    public static let incomeInformation = ResourceID(serviceCode: 4630, editionCode: 1)

    /// NAV's resource (seed 003): dates `fraOgMed` ≤ `tilOgMed`, three years at most, login level 4.
    public static let navResource = Resource(
        id: disabilityBenefits, owner: nav, ownerName: "NAV",
        title: LocalizedText(
            bokmal: "Opplysninger om arbeidsavklaringspenger og uføretrygd fra NAV",
            nynorsk: "Opplysningar om arbeidsavklaringspengar og uføretrygd frå NAV",
            english: "Information on work assessment allowance and disability benefit from NAV"),
        text: LocalizedText(
            bokmal: "Ved å samtykke gir du {CoveredByName} rett til å innhente personopplysninger digitalt fra NAV til å behandle ditt krav om uføreytelser etter forsikringsavtalen. Når du samtykker gir du NAV rett til å utlevere personopplysninger til {CoveredByName} om dine arbeidsavklaringspenger og uføretrygd dersom du mottar eller tidligere har mottatt noen av disse:\n" +
            "- Opplysninger fra vedtak om arbeidsavklaringspenger og uføretrygd, herunder opplysninger om grad av ytelsen, tidsperiode vedtakene gjelder for og årsaken til opphør dersom ytelsen fra NAV er opphørt.\n" +
            "- Opplysninger fra meldekort om hvor mye du har arbeidet i perioden du mottar arbeidsavklaringspenger, eller opplysninger om arbeidsinntekt dersom du mottar uføretrygd.\n" +
            "Opplysningene gjelder perioden {fraOgMed}–{tilOgMed}. Trekker du samtykket, kan {CoveredByName} ikke lenger innhente personopplysninger om deg direkte og digitalt fra NAV. På nav.no kan du se hvilke personopplysninger NAV har utlevert basert på ditt samtykke.",
            nynorsk: "Ved å samtykkje gir du {CoveredByName} rett til å hente inn personopplysningar digitalt frå NAV for å behandle kravet ditt om uføreytingar etter forsikringsavtalen. Når du samtykkjer, gir du NAV rett til å utlevere personopplysningar til {CoveredByName} om arbeidsavklaringspengane og uføretrygda di dersom du får eller tidlegare har fått nokon av desse:\n" +
            "- Opplysningar frå vedtak om arbeidsavklaringspengar og uføretrygd, medrekna opplysningar om grad av ytinga, tidsperioden vedtaka gjeld for og årsaka til opphøyr dersom ytinga frå NAV er opphøyrd.\n" +
            "- Opplysningar frå meldekort om kor mykje du har arbeidd i perioden du får arbeidsavklaringspengar, eller opplysningar om arbeidsinntekt dersom du får uføretrygd.\n" +
            "Opplysningane gjeld perioden {fraOgMed}–{tilOgMed}. Trekkjer du samtykket, kan {CoveredByName} ikkje lenger hente inn personopplysningar om deg direkte og digitalt frå NAV. På nav.no kan du sjå kva personopplysningar NAV har utlevert basert på samtykket ditt.",
            english: "By consenting, you give {CoveredByName} the right to obtain personal data digitally from NAV to process your claim for disability benefits under the insurance agreement. When you consent, you give NAV the right to disclose personal data to {CoveredByName} about your work assessment allowance and disability benefit if you receive or have received either of them:\n" +
            "- Information from decisions on work assessment allowance and disability benefit, including the degree of the benefit, the period the decisions cover and why the benefit ended, if it has.\n" +
            "- Information from employment status forms on how much you worked while receiving work assessment allowance, or on your earned income if you receive disability benefit.\n" +
            "The information covers the period {fraOgMed}–{tilOgMed}. If you withdraw the consent, {CoveredByName} can no longer obtain personal data about you directly and digitally from NAV. On nav.no you can see which personal data NAV has disclosed based on your consent."),
        metadata: [
            MetadataField(key: "fraOgMed", format: .date),
            MetadataField(key: "tilOgMed", format: .date),
        ],
        dateRanges: [DateRange(fromKey: "fraOgMed", toKey: "tilOgMed")],
        kind: .timeLimited,
        maximumValidity: .years(3),
        requiredAssuranceLevel: .high)

    /// Skatteetaten's income and tax base for one income year: one-time, 30 days at most.
    public static let taxResource = Resource(
        id: incomeAndTaxBase, owner: skatteetaten, ownerName: "Skatteetaten",
        title: LocalizedText(
            bokmal: "Inntekt og skattegrunnlag for {inntektsaar}",
            nynorsk: "Inntekt og skattegrunnlag for {inntektsaar}",
            english: "Income and tax base for {inntektsaar}"),
        text: LocalizedText(
            bokmal: "Ved å samtykke gir du Skatteetaten rett til å utlevere summert skattegrunnlag og inntektsopplysninger for inntektsåret {inntektsaar} til {CoveredByName}. " +
                "Opplysningene hentes én gang, for å behandle lånesøknaden din. {CoveredByName} får bare de opplysningene som trengs, ikke en kopi av hele skattemeldingen.",
            nynorsk: "Ved å samtykkje gir du Skatteetaten rett til å utlevere summert skattegrunnlag og inntektsopplysningar for inntektsåret {inntektsaar} til {CoveredByName}. " +
                "Opplysningane blir henta éin gong, for å behandle lånesøknaden din. {CoveredByName} får berre dei opplysningane som trengst, ikkje ein kopi av heile skattemeldinga.",
            english: "By consenting, you give the Norwegian Tax Administration the right to disclose your summarised tax base and income information for the income year {inntektsaar} to {CoveredByName}. " +
                "The information is retrieved once, to process your loan application. {CoveredByName} gets only the information needed, not a copy of your whole tax return."),
        metadata: [MetadataField(key: "inntektsaar", format: .year)],
        kind: .oneTime,
        maximumValidity: .days(30),
        requiredAssuranceLevel: .substantial)

    /// Skatteetaten's income information from employers' reports for a period: one-time, 30 days at most.
    public static let incomeResource = Resource(
        id: incomeInformation, owner: skatteetaten, ownerName: "Skatteetaten",
        title: LocalizedText(
            bokmal: "Inntektsopplysninger fra a-ordningen",
            nynorsk: "Inntektsopplysningar frå a-ordninga",
            english: "Income information from employers' reports (a-ordningen)"),
        text: LocalizedText(
            bokmal: "Ved å samtykke gir du Skatteetaten rett til å utlevere inntektsopplysninger som arbeidsgivere har rapportert om deg for perioden {fraOgMed}–{tilOgMed}, til {CoveredByName}, for å behandle lånesøknaden din.",
            nynorsk: "Ved å samtykkje gir du Skatteetaten rett til å utlevere inntektsopplysningar som arbeidsgivarar har rapportert om deg for perioden {fraOgMed}–{tilOgMed}, til {CoveredByName}, for å behandle lånesøknaden din.",
            english: "By consenting, you give the Norwegian Tax Administration the right to disclose to {CoveredByName} the income information employers have reported about you for the period {fraOgMed}–{tilOgMed}, to process your loan application."),
        metadata: [
            MetadataField(key: "fraOgMed", format: .date),
            MetadataField(key: "tilOgMed", format: .date),
        ],
        dateRanges: [DateRange(fromKey: "fraOgMed", toKey: "tilOgMed")],
        kind: .oneTime,
        maximumValidity: .days(30),
        requiredAssuranceLevel: .substantial)

    /// The demo resources.
    public static let resources = [navResource, taxResource, incomeResource]

    /// BANKEN AS authorised for every demo resource, redirecting to `banken.example`.
    public static let authorisations = resources.map {
        ConsumerAuthorisation(resource: $0.id, consumer: bankenAS, consumerName: bankenName, redirectDomains: [bankenDomain])
    }

    /// Every registration and authorisation, each by the data source that owns the resource.
    public static var commands: [SeedCommand] {
        resources.map { SeedCommand(actor: .dataSource($0.owner), command: .registerResource($0)) } +
            authorisations.map { a in
                let owner = resources.first { $0.id == a.resource }!.owner
                return SeedCommand(actor: .dataSource(owner), command: .authoriseConsumer(a))
            }
    }

    /// The commands that would change `state` (the rest are already in force).
    public static func missing(in state: ConsentState) -> [SeedCommand] {
        commands.filter { seed in
            switch seed.command {
            case .registerResource(let r): return state.tables.currentResource(r.id) != r
            case .authoriseConsumer(let a): return state.tables.authorisations[a.resource]?[a.consumer.value] != a
            default: return true
            }
        }
    }
}
