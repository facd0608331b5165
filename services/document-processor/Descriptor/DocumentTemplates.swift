public import ServiceDescriptors

/// The templates the service ships (their Mustache text is in the service's library, keyed by
/// the same names). Field names are the Pitchey seed's (`disclosing_party`, `receiving_party`…).
public enum DocumentTemplates {
    public static let all: [DocumentTemplateDeclaration] = [nda, mutualNDA, investmentTermSheet, talentAgreement, pitchOnePager]

    /// The template named `name`, if shipped.
    public static func named(_ name: String) -> DocumentTemplateDeclaration? { all.first { $0.name == name } }

    static let party = 300
    static let sentence = 2000

    static let jurisdiction = ParameterSpec("jurisdiction", .text(maxBytes: 200), default: "the State of California",
                                            summary: "Governing law and courts, e.g. \"England and Wales\".")
    static let currency = ParameterSpec("currency", .choice(["USD", "EUR", "GBP", "CAD", "AUD"]), default: "USD", summary: "Currency of the amounts.")

    public static let nda = DocumentTemplateDeclaration(
        name: "nda", title: "Non-Disclosure Agreement",
        summary: "One-way NDA: the receiving party (e.g. an investor) keeps the disclosing party's pitch material confidential.",
        fields: [
            ParameterSpec("disclosing_party", .text(maxBytes: party), required: true, summary: "Who discloses (the creator or company)."),
            ParameterSpec("receiving_party", .text(maxBytes: party), required: true, summary: "Who receives (the investor or producer)."),
            ParameterSpec("effective_date", .text(maxBytes: 100), required: true, summary: "The date the agreement takes effect, as it should read (e.g. \"1 March 2026\" or 2026-03-01)."),
            jurisdiction,
            ParameterSpec("term", .text(maxBytes: 100), default: "two (2) years", summary: "How long the obligations last after disclosure."),
            ParameterSpec("purpose", .text(maxBytes: sentence), default: "evaluating a possible investment in, or collaboration on, the Disclosing Party's project",
                          summary: "Why the information is shared."),
            ParameterSpec("project_title", .text(maxBytes: party), summary: "The pitch the agreement covers, if one."),
        ])

    public static let mutualNDA = DocumentTemplateDeclaration(
        name: "mutual-nda", title: "Mutual Non-Disclosure Agreement",
        summary: "Two-way NDA: each party keeps the other's information confidential.",
        fields: [
            ParameterSpec("party_a", .text(maxBytes: party), required: true, summary: "The first party."),
            ParameterSpec("party_b", .text(maxBytes: party), required: true, summary: "The second party."),
            ParameterSpec("effective_date", .text(maxBytes: 100), required: true, summary: "The date the agreement takes effect."),
            jurisdiction,
            ParameterSpec("term", .text(maxBytes: 100), default: "two (2) years", summary: "How long the obligations last after disclosure."),
            ParameterSpec("purpose", .text(maxBytes: sentence), default: "discussing a possible business relationship between the parties", summary: "Why information is shared."),
        ])

    public static let investmentTermSheet = DocumentTemplateDeclaration(
        name: "investment-term-sheet", title: "Investment Term Sheet",
        summary: "Non-binding summary of an equity investment in a project or production company.",
        fields: [
            ParameterSpec("company", .text(maxBytes: party), required: true, summary: "The company raising money."),
            ParameterSpec("investor", .text(maxBytes: party), required: true, summary: "The investor."),
            ParameterSpec("project_title", .text(maxBytes: party), required: true, summary: "The project financed."),
            ParameterSpec("investment_amount", .number(1...1e12), required: true, summary: "The amount invested."),
            currency,
            ParameterSpec("equity_percent", .number(0...100), required: true, summary: "Equity the investor receives, in percent."),
            ParameterSpec("pre_money_valuation", .number(0...1e13), summary: "Pre-money valuation, if agreed."),
            ParameterSpec("effective_date", .text(maxBytes: 100), required: true, summary: "The date of the term sheet."),
            ParameterSpec("exclusivity_days", .integer(0...365), default: 30, summary: "Days of exclusive negotiation."),
            jurisdiction,
        ])

    public static let talentAgreement = DocumentTemplateDeclaration(
        name: "talent-agreement", title: "Talent Agreement",
        summary: "Engagement of a performer or crew member on a production.",
        fields: [
            ParameterSpec("producer", .text(maxBytes: party), required: true, summary: "The production company engaging the talent."),
            ParameterSpec("talent", .text(maxBytes: party), required: true, summary: "The performer or crew member."),
            ParameterSpec("project_title", .text(maxBytes: party), required: true, summary: "The production."),
            ParameterSpec("role", .text(maxBytes: party), required: true, summary: "The role or position."),
            ParameterSpec("fee", .number(0...1e10), required: true, summary: "The fee for the engagement."),
            currency,
            ParameterSpec("start_date", .text(maxBytes: 100), required: true, summary: "First day of services."),
            ParameterSpec("end_date", .text(maxBytes: 100), summary: "Last day of services, if fixed."),
            ParameterSpec("credit", .text(maxBytes: party), summary: "On-screen credit as it should read."),
            jurisdiction,
        ])

    public static let pitchOnePager = DocumentTemplateDeclaration(
        name: "pitch-one-pager", title: "Pitch One-Pager",
        summary: "A one-page summary of a pitch: logline, synopsis, format, budget and contact.",
        fields: [
            ParameterSpec("project_title", .text(maxBytes: party), required: true, summary: "The project's title."),
            ParameterSpec("creator", .text(maxBytes: party), required: true, summary: "Who created it."),
            ParameterSpec("logline", .text(maxBytes: 600), required: true, summary: "One or two sentences."),
            ParameterSpec("genre", .text(maxBytes: 100), summary: "Genre."),
            ParameterSpec("format", .text(maxBytes: 100), summary: "Feature film, limited series…"),
            ParameterSpec("synopsis", .text(maxBytes: 6000), summary: "A few paragraphs (blank lines separate them)."),
            ParameterSpec("budget", .number(0...1e11), summary: "Estimated budget."),
            currency,
            ParameterSpec("contact", .text(maxBytes: party), summary: "Contact line."),
        ])
}
