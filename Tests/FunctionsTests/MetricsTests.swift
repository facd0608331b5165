import Durable
import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// `/metrics` through the whole platform: what a job's life, its container and its storage record.
/// (`PrometheusTests` in OutpostTests has a real Prometheus scrape `outpost dev`.)
@Suite("Metrics", .serialized)
struct MetricsTests {
    /// One sample of the text exposition: `name{labels} value`.
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    static func samples(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line -> Sample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            // Label values here never hold `",` (route patterns, types, classes).
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].components(separatedBy: "\",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { k, v in sample.labels[k] == v } }?.value
    }

    @Test("a job's life, its container and its storage show in /metrics, labelled by type, class and route pattern")
    func jobLifeShows() async throws {
        try await Platform.with { p in
            let good = try await p.upload("sample.mp4")
            let ok = try await p.finished("/api/video/analyze", ["key": .string(good)])
            #expect(ok["status"] == "succeeded", "\(ok)")
            let bad = try await p.upload("random.bin", contentType: "application/octet-stream")
            let failed = try await p.finished("/api/video/analyze", ["key": .string(bad)])
            #expect(failed["status"] == "failed")
            let id = try #require(ok["id"]?.stringValue)
            _ = try await p.get("/api/containers/jobs/\(id)")

            let response = await p.t.dispatchFetch("/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let text = try await response.text()
            let s = Self.samples(text)
            let type = ["type": "video.analyze"]
            #expect(Self.value(s, "pitchey_jobs_submitted_total", type) == 2)
            #expect(Self.value(s, "pitchey_jobs_completed_total", ["type": "video.analyze", "status": "succeeded"]) == 1)
            #expect(Self.value(s, "pitchey_jobs_completed_total", ["type": "video.analyze", "status": "failed"]) == 1)
            #expect(Self.value(s, "pitchey_job_duration_seconds_count", type) == 2)
            #expect(Self.value(s, "pitchey_job_queue_wait_seconds_count", type) == 2)
            #expect(Self.value(s, "pitchey_jobs_running", type) == 0)
            #expect(Self.value(s, "pitchey_jobs_queued", ["type": "video.analyze", "priority": "normal"]) == 0)
            #expect(Self.value(s, "pitchey_jobs_queued", ["type": "video.process", "priority": "high"]) == 0, "every type's gauge starts at zero")

            let video = ["class": "VideoProcessor"]
            #expect(Self.value(s, "outpost_container_starts_total", video) == 1)
            #expect(Self.value(s, "outpost_container_cold_start_seconds_count", video) == 1)
            #expect(Self.value(s, "outpost_container_instances_running", video) == 1, "the warm instance is still up")
            #expect((Self.value(s, "outpost_r2_operations_total", ["op": "put"]) ?? 0) >= 2, "two uploads")
            #expect((Self.value(s, "outpost_durable_object_activations_total", ["class": "ContainerOrchestrator"]) ?? 0) >= 1)
            #expect((Self.value(s, "process_resident_memory_bytes") ?? 0) > 1_000_000)
            #expect((Self.value(s, "process_open_fds") ?? 0) > 0)
            #expect((Self.value(s, "outpost_state_filesystem_size_bytes") ?? 0) > 0)

            // Requests by route pattern and status class: never by path (the job id is not a label).
            #expect(Self.value(s, "pitchey_http_request_duration_seconds_count", ["route": "POST /api/video/analyze", "status": "2xx"]) == 2)
            #expect(Self.value(s, "pitchey_http_request_duration_seconds_count", ["route": "GET /api/containers/jobs/:id", "status": "2xx"]) == 1)
            #expect(!text.contains(id), "no label holds a job id")

            // One label set per name.
            var labelSets: [String: Set<String>] = [:]
            for sample in s { labelSets[sample.name, default: []].insert(sample.labels.keys.filter { $0 != "le" }.sorted().joined(separator: ",")) }
            for (name, sets) in labelSets { #expect(sets.count == 1, "\(name) has label sets \(sets)") }
        }
    }

    @Test("every metric the alert rules and the Grafana dashboard use is one the node declares")
    func deployFilesUseDeclaredMetrics() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let declared = Set((RuntimeMetricFamilies.all + PlatformMetricFamilies.all).map(\.name))
        #expect(declared.count == RuntimeMetricFamilies.all.count + PlatformMetricFamilies.all.count, "no name is declared twice")
        for file in ["deploy/alerts.yml", "deploy/grafana/outpost-dashboard.json"] {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            let regex = try NSRegularExpression(pattern: #"\b(?:outpost|pitchey|process)_[a-z0-9_]+"#)
            let used = Set(regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m -> String in
                var name = String(text[Range(m.range, in: text)!])
                for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) && !declared.contains(name) {
                    name.removeLast(suffix.count)
                }
                return name
            })
            #expect(!used.isEmpty)
            #expect(used.subtracting(declared).isEmpty, "\(file) uses undeclared metrics \(used.subtracting(declared).sorted())")
        }
    }
}
