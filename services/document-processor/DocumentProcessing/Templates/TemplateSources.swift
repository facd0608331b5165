import DocumentProcessorDescriptor

/// The Mustache text of each shipped template, by the name its declaration gives
/// (``DocumentTemplates``). The text is a small markup the layout reads
/// (see ``DocumentMarkup``): `#` title, `>` subtitle, `##` heading, `###` numbered clause,
/// paragraphs, `- ` bullets, `\\pagebreak`, and `::: signatures` blocks of `Role | Name` lines.
enum TemplateSources {
    static let byName: [String: String] = [
        DocumentTemplates.nda.name: nda,
        DocumentTemplates.mutualNDA.name: mutualNDA,
        DocumentTemplates.investmentTermSheet.name: investmentTermSheet,
        DocumentTemplates.talentAgreement.name: talentAgreement,
        DocumentTemplates.pitchOnePager.name: pitchOnePager,
    ]
}
