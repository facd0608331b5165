/// One pass of dispatch as a plain value: ready jobs, the instance pool and the class settings
/// in; which job goes to which instance, which jobs cannot run at all, and the scaling decisions
/// (with their reasons) out. No I/O: the orchestrator applies the plan.
struct DispatchPlan: Sendable, Equatable {
    /// Where a job type runs.
    struct Route: Sendable, Equatable {
        var className: String
        var jobsPerInstance: Int
        /// Instances are named `<image>-<index>`.
        var image: String
    }

    struct Job: Sendable, Equatable {
        var id: String
        var type: String
        /// Attempts made so far.
        var attempts: Int
    }

    struct Assignment: Sendable, Equatable {
        var jobId: String
        var className: String
        var index: Int
        var instanceName: String
        var attempt: Int
    }

    struct Unroutable: Sendable, Equatable {
        var jobId: String
        var failure: JobFailure
    }

    struct Scaling: Sendable, Equatable {
        var className: String
        var action: String
        var instances: Int
        var reason: String
    }

    var assignments: [Assignment] = []
    var unroutable: [Unroutable] = []
    var scaling: [Scaling] = []

    /// Plans one pass over `ready` (best first). Jobs already `running` are skipped; `pool` takes
    /// the new slots. A class whose instances are all full at `max_instances` is skipped for the
    /// rest of the pass, so lower-priority work of other classes still starts.
    static func make(ready: [Job], running: Set<String>, pool: inout InstancePool,
                     routes: (String) -> Route?, classes: [String: ContainerClassSettings], binding: (String) -> String) -> DispatchPlan {
        var plan = DispatchPlan()
        var full: Set<String> = []
        var depth: [String: Int] = [:]
        for job in ready { if let route = routes(job.type) { depth[route.className, default: 0] += 1 } }
        for job in ready where !running.contains(job.id) {
            guard let route = routes(job.type) else {
                plan.unroutable.append(Unroutable(jobId: job.id, failure: JobFailure(code: "unknown_job_type", message: "Job type \(job.type) is no longer supported.")))
                continue
            }
            if full.contains(route.className) { continue }
            guard let settings = classes[route.className] else {
                plan.unroutable.append(Unroutable(jobId: job.id, failure: JobFailure(
                    code: "container_not_configured",
                    message: "No container runs \(job.type) jobs: add a [[containers]] entry with class_name = \"\(route.className)\" and a Durable Object binding \(binding(route.className))."
                )))
                continue
            }
            guard let slot = pool.acquire(className: route.className, concurrency: route.jobsPerInstance, maxInstances: settings.maxInstances) else {
                full.insert(route.className)
                continue
            }
            let name = "\(route.image)-\(slot.index)"
            if slot.scaledUp {
                let busy = pool.busyInstances(route.className)
                let queued = depth[route.className] ?? 1
                let reason = busy == 1
                    ? "\(queued) job(s) queued and no instance busy: starting \(name)"
                    : "\(queued) job(s) queued and \(busy - 1) busy instance(s) full at \(route.jobsPerInstance) jobs each: adding \(name) (max_instances \(settings.maxInstances))"
                plan.scaling.append(Scaling(className: route.className, action: "scale_up", instances: busy, reason: reason))
            }
            plan.assignments.append(Assignment(jobId: job.id, className: route.className, index: slot.index, instanceName: name, attempt: job.attempts + 1))
        }
        return plan
    }
}
