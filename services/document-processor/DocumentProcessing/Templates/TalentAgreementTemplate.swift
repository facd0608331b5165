extension TemplateSources {
    /// `talent-agreement`: engagement of a performer or crew member.
    static let talentAgreement = """
    # Talent Agreement

    > {{project_title}}

    This Talent Agreement is made between **{{producer}}** (the "Producer") and **{{talent}}** (the "Talent") for the production currently titled "{{project_title}}" (the "Production").

    ### Engagement
    The Producer engages the Talent, and the Talent agrees to render services, as {{role}} on the Production, beginning on {{start_date}}{{#end_date}} and ending on {{end_date}}{{/end_date}}.

    ### Compensation
    In full consideration of the services and rights granted, the Producer will pay the Talent a fee of {{fee}} {{currency}}, payable in accordance with the Producer's standard payment schedule.

    ### Credit
    {{#credit}}The Talent will receive credit as "{{credit}}" in the Production's end titles.{{/credit}}{{^credit}}Credit, if any, will be at the Producer's discretion.{{/credit}}

    ### Grant of Rights
    The Talent grants the Producer all rights in the results and proceeds of the services throughout the world, in all media, in perpetuity.

    ### Conduct
    The Talent will comply with the Producer's reasonable rules, schedules and safety requirements.

    ### Governing Law
    This Agreement is governed by the laws of {{jurisdiction}}.

    ::: signatures
    Producer | {{producer}}
    Talent | {{talent}}
    :::
    """
}
