extension TemplateSources {
    /// `pitch-one-pager`: a one-page summary of a pitch.
    static let pitchOnePager = """
    # {{project_title}}

    > by {{creator}}{{#genre}} · {{genre}}{{/genre}}{{#format}} · {{format}}{{/format}}

    ## Logline
    {{logline}}

    {{#synopsis}}
    ## Synopsis
    {{synopsis}}

    {{/synopsis}}
    {{#budget}}
    ## Budget
    An estimated {{budget}} {{currency}}.

    {{/budget}}
    {{#contact}}
    ## Contact
    {{contact}}
    {{/contact}}
    """
}
