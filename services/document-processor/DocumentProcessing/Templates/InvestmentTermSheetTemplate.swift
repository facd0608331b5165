extension TemplateSources {
    /// `investment-term-sheet`: a non-binding equity term sheet.
    static let investmentTermSheet = """
    # Investment Term Sheet

    > {{project_title}} · {{effective_date}}

    This term sheet summarises the principal terms of the proposed investment by **{{investor}}** (the "Investor") in **{{company}}** (the "Company") for the project "{{project_title}}". Except for the clauses on Exclusivity, Confidentiality and Governing Law, it is not legally binding.

    ### Investment
    The Investor will invest {{investment_amount}} {{currency}} in the Company in exchange for {{equity_percent}} % of the Company's fully diluted equity{{#pre_money_valuation}}, at a pre-money valuation of {{pre_money_valuation}} {{currency}}{{/pre_money_valuation}}.

    ### Use of Proceeds
    The Company will use the investment for the development and production of "{{project_title}}" and related working capital.

    ### Information Rights
    The Company will provide the Investor with quarterly financial statements and production reports.

    ### Exclusivity
    For {{exclusivity_days}} days from the date of this term sheet, the Company will not solicit or negotiate any competing investment.

    ### Confidentiality
    The terms of this term sheet are confidential and may be disclosed only to the parties' advisers.

    ### Governing Law
    This term sheet is governed by the laws of {{jurisdiction}}.

    ::: signatures
    Company | {{company}}
    Investor | {{investor}}
    :::
    """
}
