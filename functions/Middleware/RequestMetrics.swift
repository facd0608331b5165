import NIOConcurrencyHelpers
import Outpost

/// Request counters by status class, served as Prometheus text on `/metrics`.
final class RequestMetrics: Sendable {
    private let counts = NIOLockedValueBox<[Int: Int]>([:])

    func record(status: Int) {
        counts.withLockedValue { $0[status / 100, default: 0] += 1 }
    }

    func response() -> Response {
        let snapshot = counts.withLockedValue { $0 }
        var text = "# HELP pitchey_http_requests_total HTTP requests answered by the Pitchey Worker, by status class.\n"
        text += "# TYPE pitchey_http_requests_total counter\n"
        for cls in 1...5 {
            text += "pitchey_http_requests_total{status=\"\(cls)xx\"} \(snapshot[cls, default: 0])\n"
        }
        return .text(text, contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
