import Outpost

/// The `scheduled` handler stores `cron|scheduledTime` under `last-scheduled` in the `KV` binding
/// (read it back with `GET /kv/last-scheduled`).
enum CronRoutes {
    static func scheduled(_ controller: ScheduledController, env: Env) async throws {
        try await env.kv("KV").put("last-scheduled", "\(controller.cron)|\(controller.scheduledTime)")
    }
}
