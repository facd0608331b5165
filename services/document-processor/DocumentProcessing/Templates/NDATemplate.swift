extension TemplateSources {
    /// `nda`: a one-way non-disclosure agreement.
    static let nda = """
    # Non-Disclosure Agreement

    > Effective {{effective_date}}{{#project_title}} · {{project_title}}{{/project_title}}

    This Non-Disclosure Agreement (the "Agreement") is made on {{effective_date}} between **{{disclosing_party}}** (the "Disclosing Party") and **{{receiving_party}}** (the "Receiving Party"), each a "Party".

    ### Purpose
    The Disclosing Party intends to share Confidential Information with the Receiving Party solely for the purpose of {{purpose}}{{#project_title}}, in connection with the project titled "{{project_title}}"{{/project_title}} (the "Purpose").

    ### Confidential Information
    "Confidential Information" means all non-public information disclosed by the Disclosing Party, in any form, including scripts, treatments, pitch decks, budgets, financial projections, business plans, characters, storylines and formats, whether or not marked as confidential.

    ### Obligations of the Receiving Party
    The Receiving Party shall hold the Confidential Information in strict confidence, use it only for the Purpose, and disclose it only to its employees and advisers who need to know it for the Purpose and who are bound by obligations of confidentiality no less protective than this Agreement.

    ### Exclusions
    Confidential Information does not include information that (a) is or becomes publicly available through no fault of the Receiving Party; (b) was lawfully known to the Receiving Party before disclosure; (c) is lawfully received from a third party without restriction; or (d) is independently developed without use of the Confidential Information.

    ### Term
    The obligations of this Agreement continue for {{term}} from the date of each disclosure, and survive any termination of discussions between the Parties.

    ### Return of Materials
    On the Disclosing Party's written request, the Receiving Party shall promptly return or destroy all Confidential Information and any copies, and confirm in writing that it has done so.

    ### No Licence
    Nothing in this Agreement grants the Receiving Party any right, title or licence in the Confidential Information, which remains the property of the Disclosing Party.

    ### Remedies
    The Receiving Party acknowledges that a breach of this Agreement may cause irreparable harm for which damages are an inadequate remedy, and that the Disclosing Party may seek injunctive relief in addition to any other remedy.

    ### Governing Law
    This Agreement is governed by the laws of {{jurisdiction}}, and the Parties submit to the exclusive jurisdiction of its courts.

    ### Entire Agreement
    This Agreement is the entire agreement between the Parties about its subject and may be amended only in writing signed by both Parties.

    IN WITNESS WHEREOF, the Parties have signed this Agreement as of the date first written above.

    ::: signatures
    Disclosing Party | {{disclosing_party}}
    Receiving Party | {{receiving_party}}
    :::
    """
}
