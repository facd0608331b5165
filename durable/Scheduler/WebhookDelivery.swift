import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One POST of a job's JSON to its `webhookUrl`.
enum WebhookDelivery {
    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        configuration.timeoutIntervalForResource = 15
        configuration.urlCache = nil
        return URLSession(configuration: configuration)
    }()

    /// Posts `body`; nil on a 2xx, else what went wrong (kept as the delivery's last error).
    static func post(_ body: [UInt8], to url: String, headers: [String: String]) async -> String? {
        guard let target = URL(string: url) else { return "invalid URL \(url)" }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("outpost-webhooks", forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        do {
            let (_, response) = try await session.upload(for: request, from: Data(body))
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            return (200..<300).contains(status) ? nil : "HTTP \(status)"
        } catch {
            return error.localizedDescription
        }
    }
}
