extension TemplateSources {
    /// `mutual-nda`: a two-way non-disclosure agreement.
    static let mutualNDA = """
    # Mutual Non-Disclosure Agreement

    > Effective {{effective_date}}

    This Mutual Non-Disclosure Agreement (the "Agreement") is made on {{effective_date}} between **{{party_a}}** and **{{party_b}}** (each a "Party", and together the "Parties"). Each Party may disclose Confidential Information to the other for the purpose of {{purpose}} (the "Purpose").

    ### Confidential Information
    "Confidential Information" means all non-public information a Party (the "Discloser") discloses to the other (the "Recipient"), in any form, including creative material, budgets, business plans and financial information.

    ### Mutual Obligations
    Each Recipient shall keep the Discloser's Confidential Information in strict confidence, use it only for the Purpose, and share it only with personnel and advisers who need to know it and are bound by equivalent obligations.

    ### Exclusions
    These obligations do not apply to information that is public through no fault of the Recipient, was already lawfully known to it, is lawfully received from a third party without restriction, or is independently developed.

    ### Term
    The obligations of this Agreement continue for {{term}} from the date of each disclosure.

    ### Return of Materials
    On request, each Recipient shall return or destroy the Discloser's Confidential Information and confirm that it has done so.

    ### Governing Law
    This Agreement is governed by the laws of {{jurisdiction}}.

    ### Entire Agreement
    This Agreement is the entire agreement between the Parties about its subject.

    ::: signatures
    Party A | {{party_a}}
    Party B | {{party_b}}
    :::
    """
}
