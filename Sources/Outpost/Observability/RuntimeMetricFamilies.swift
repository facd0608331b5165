/// The runtime's own metrics (`outpost_*`): storage, Durable Objects, containers and the process.
/// An app adds its own families the same way (Pitchey's are `pitchey_*`).
public enum RuntimeMetricFamilies {
    // Storage bindings: operation counts and latency, by operation.
    public static let kvOperations = MetricFamily("outpost_kv_operations_total", .counter, labels: ["op"], help: "KV operations by operation.")
    public static let kvDuration = MetricFamily("outpost_kv_operation_duration_seconds", .histogram(buckets: MetricFamily.latencyBuckets), labels: ["op"], help: "KV operation latency by operation.")
    public static let r2Operations = MetricFamily("outpost_r2_operations_total", .counter, labels: ["op"], help: "R2 operations by operation.")
    public static let r2Duration = MetricFamily("outpost_r2_operation_duration_seconds", .histogram(buckets: MetricFamily.latencyBuckets), labels: ["op"], help: "R2 operation latency by operation.")
    public static let queueOperations = MetricFamily("outpost_queue_operations_total", .counter, labels: ["op"], help: "Queue operations by operation.")
    public static let queueDuration = MetricFamily("outpost_queue_operation_duration_seconds", .histogram(buckets: MetricFamily.latencyBuckets), labels: ["op"], help: "Queue operation latency by operation.")
    /// Write transactions on a store's SQLite writer, from start to commit: with
    /// `synchronous=FULL` the commit waits for the WAL's fsync, which dominates a small write, so
    /// this is the disk's sync latency as the runtime sees it. By store (`kv`, `r2`, `queues`).
    public static let storageWriteDuration = MetricFamily("outpost_storage_write_duration_seconds", .histogram(buckets: MetricFamily.latencyBuckets), labels: ["store"], help: "Write transactions on a store, commit and its fsync included, by store.")

    // Durable Objects, by class.
    public static let objectActivations = MetricFamily("outpost_durable_object_activations_total", .counter, labels: ["class"], help: "Durable Objects built (activated), by class.")
    public static let objectEvictions = MetricFamily("outpost_durable_object_evictions_total", .counter, labels: ["class"], help: "Durable Objects evicted when idle, by class.")
    /// Alarm runs by outcome: `fired` (ran and returned), `retried` (threw, scheduled again), `gave_up`.
    public static let alarms = MetricFamily("outpost_alarms_total", .counter, labels: ["class", "outcome"], help: "Durable Object alarm runs by class and outcome (fired, retried, gave_up).")

    // Containers, by container class.
    public static let containersRunning = MetricFamily("outpost_container_instances_running", .gauge, labels: ["class"], help: "Container processes alive, by class.")
    public static let containerStarts = MetricFamily("outpost_container_starts_total", .counter, labels: ["class"], help: "Container starts that became healthy, by class.")
    /// From launching the process to its port answering.
    public static let containerColdStart = MetricFamily("outpost_container_cold_start_seconds", .histogram(buckets: MetricFamily.workBuckets), labels: ["class"], help: "Container cold start, launch to the port answering, by class.")
    /// Stops by reason: `exit` (code 0), `error` (another code), `signal`, `oom`.
    public static let containerStops = MetricFamily("outpost_container_stops_total", .counter, labels: ["class", "reason"], help: "Container stops by class and reason.")
    public static let containerOOMKills = MetricFamily("outpost_container_oom_kills_total", .counter, labels: ["class"], help: "Containers killed by their memory limit, by class.")
    public static let containerInstanceSeconds = MetricFamily("outpost_container_instance_seconds_total", .counter, labels: ["class"], help: "Container process running time in seconds, by class.")

    // The process, measured when scraped (from /proc/self, never from storage).
    public static let residentMemory = MetricFamily("process_resident_memory_bytes", .gauge, help: "Resident memory of the runtime process in bytes.")
    public static let openFileDescriptors = MetricFamily("process_open_fds", .gauge, help: "Open file descriptors of the runtime process.")
    public static let startTime = MetricFamily("process_start_time_seconds", .gauge, help: "Start time of the runtime process in seconds since the epoch.")
    public static let uptime = MetricFamily("outpost_uptime_seconds", .gauge, help: "Seconds since the runtime started.")
    /// The filesystem holding the state directory: bytes available to the runtime, and its size.
    public static let stateFilesystemAvailable = MetricFamily("outpost_state_filesystem_avail_bytes", .gauge, help: "Bytes available on the state directory filesystem.")
    public static let stateFilesystemSize = MetricFamily("outpost_state_filesystem_size_bytes", .gauge, help: "Size in bytes of the state directory filesystem.")

    /// Every family above.
    public static let all: [MetricFamily] = [
        kvOperations, kvDuration, r2Operations, r2Duration, queueOperations, queueDuration, storageWriteDuration,
        objectActivations, objectEvictions, alarms,
        containersRunning, containerStarts, containerColdStart, containerStops, containerOOMKills, containerInstanceSeconds,
        residentMemory, openFileDescriptors, startTime, uptime, stateFilesystemAvailable, stateFilesystemSize,
    ]
}
