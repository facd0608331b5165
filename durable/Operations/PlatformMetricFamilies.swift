public import Outpost

/// The platform's metrics (`pitchey_*`), beside the runtime's `outpost_*` ones, all served on
/// `/metrics`. Labels are job types (`video.process`), priorities, container classes, route
/// patterns and status classes: never a job, user or object id.
public enum PlatformMetricFamilies {
    public static let jobsSubmitted = MetricFamily("pitchey_jobs_submitted_total", .counter, labels: ["type"], help: "Jobs accepted, by job type.")
    /// Jobs that reached a terminal status: `succeeded`, `failed`, `cancelled`, `dead_lettered`.
    public static let jobsCompleted = MetricFamily("pitchey_jobs_completed_total", .counter, labels: ["type", "status"], help: "Jobs that ended, by job type and terminal status.")
    /// From the first start of a job to its terminal status (retries and backoffs included).
    public static let jobDuration = MetricFamily("pitchey_job_duration_seconds", .histogram(buckets: MetricFamily.workBuckets), labels: ["type"], help: "Job duration from first start to end, by job type.")
    /// From when an attempt could start (submit, end of delay or backoff) to when it started.
    public static let jobQueueWait = MetricFamily("pitchey_job_queue_wait_seconds", .histogram(buckets: MetricFamily.workBuckets), labels: ["type"], help: "Wait from when an attempt could start to its start, by job type.")
    public static let jobsQueued = MetricFamily("pitchey_jobs_queued", .gauge, labels: ["type", "priority"], help: "Queued jobs by job type and priority.")
    public static let jobsRunning = MetricFamily("pitchey_jobs_running", .gauge, labels: ["type"], help: "Running jobs by job type.")
    /// Instance running time priced at Cloudflare Containers' list prices (`CostTable`).
    public static let containerCost = MetricFamily("pitchey_container_cost_dollars_total", .counter, labels: ["class"], help: "Container instance time priced at Cloudflare list prices in US dollars, by class.")
    /// Requests answered by the Worker, by route pattern (`GET /api/jobs/:id`) and status class (`2xx`).
    public static let httpDuration = MetricFamily("pitchey_http_request_duration_seconds", .histogram(buckets: MetricFamily.latencyBuckets), labels: ["route", "status"], help: "Worker request latency to the response head, by route pattern and status class.")

    /// Every family above.
    public static let all: [MetricFamily] = [
        jobsSubmitted, jobsCompleted, jobDuration, jobQueueWait, jobsQueued, jobsRunning, containerCost, httpDuration,
    ]
}
