import Hummingbird
import NIOConcurrencyHelpers
import Outpost
import OutpostTesting

/// A real HTTP server on 127.0.0.1 that records webhook deliveries (`POST /hook`).
struct WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        var signature: String?
        var event: String?
        var body: [UInt8]
    }

    let url: String
    private let received: NIOLockedValueBox<[Delivery]>
    private let calls: NIOLockedValueBox<Int>

    var deliveries: [Delivery] { received.withLockedValue { $0 } }
    /// Every POST, failed ones included.
    var attempts: Int { calls.withLockedValue { $0 } }

    /// Runs a receiver while `body` runs. With `failFirst`, the first POST gets a 500.
    static func with(failFirst: Bool = false, _ body: @Sendable (WebhookReceiver) async throws -> Void) async throws {
        let received = NIOLockedValueBox<[Delivery]>([])
        let calls = NIOLockedValueBox(0)
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let n = calls.withLockedValue { $0 += 1; return $0 }
            if failFirst && n == 1 { return .internalServerError }
            received.withLockedValue {
                $0.append(Delivery(signature: request.headers[HTTPField.Name("X-Outpost-Signature")!],
                                   event: request.headers[HTTPField.Name("X-Outpost-Event")!], body: Array(bytes.readableBytesView)))
            }
            return .ok
        }
        let port = NIOLockedValueBox(0)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { channel in
            port.withLockedValue { $0 = channel.localAddress?.port ?? 0 }
        })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            defer { group.cancelAll() }
            while port.withLockedValue({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
            try await body(WebhookReceiver(url: "http://127.0.0.1:\(port.withLockedValue { $0 })/hook", received: received, calls: calls))
        }
    }
}
