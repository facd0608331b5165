public import ServiceLifecycle

/// Cron triggers for a runtime: a `CronScheduler` when `[triggers] crons` lists any.
public struct CronSubsystem: RuntimeSubsystem {
    public let scheduler: CronScheduler?
    public var bindings: [String: any Sendable] { [:] }
    public var services: [any Service] { scheduler.map { [$0] } ?? [] }

    init(context: RuntimeContext, env: Env) {
        // ConfigLoader has already rejected expressions that do not parse.
        let crons = context.config.crons.compactMap { try? CronExpression($0) }
        scheduler = crons.isEmpty ? nil : CronScheduler(crons: crons, context: context, env: env)
    }
}
