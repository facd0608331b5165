import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Moves job bytes over HTTP: inputs from a URL the runtime serves, outputs `PUT` to one.
///
/// URLSession keeps the build small (no extra package); downloads go straight to disk.
enum HTTPTransfer {
    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 300
        configuration.timeoutIntervalForResource = 3600
        configuration.urlCache = nil
        return URLSession(configuration: configuration)
    }()

    /// Checks that `text` is an absolute http(s) URL.
    static func url(_ text: String, field: String) throws(ServiceError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw .badRequest("\(field) must be an absolute http or https URL, got \"\(text)\".", code: "invalid_url")
        }
        return url
    }

    /// Downloads `url` into a scratch file in `directory`.
    ///
    /// A 4xx from the source is a 422 (the input is not there: retrying will not help);
    /// a 5xx or a network failure is a 502 (worth retrying).
    static func download(_ url: URL, into directory: String, prefix: String, maxBytes: Int64) async throws -> ScratchFile {
        let temporary: URL
        let response: URLResponse
        do {
            (temporary, response) = try await session.download(for: URLRequest(url: url))
        } catch {
            throw ServiceError.transferFailed("Fetching the input from \(url.absoluteString) failed: \(error.localizedDescription).", cause: error)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let file = ScratchFile(adopting: temporary.path)
        guard (200..<300).contains(status) else {
            let message = "Fetching the input from \(url.absoluteString) returned HTTP \(status)."
            throw status >= 400 && status < 500
                ? ServiceError.unprocessable(message, code: "input_unavailable")
                : ServiceError.transferFailed(message)
        }
        guard file.size <= maxBytes else { throw ServiceError.inputTooLarge(limit: maxBytes) }
        let destination = (directory as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(12))")
        do {
            try FileManager.default.moveItem(atPath: temporary.path, toPath: destination)
        } catch {
            throw ServiceError.internalError("Moving the downloaded input into scratch space (\(directory)) failed.", cause: error)
        }
        return ScratchFile(adopting: destination)
    }

    /// Stores `bytes` at `url` with `PUT`; returns the ETag the store reported, if any.
    static func put(_ bytes: [UInt8], contentType: String, to url: URL) async throws -> String? {
        var request = URLRequest(url: url)
        request.httpMethod = "PUT"
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        let response: URLResponse
        do {
            (_, response) = try await session.upload(for: request, from: Data(bytes))
        } catch {
            throw ServiceError.transferFailed("Storing the output at \(url.absoluteString) failed: \(error.localizedDescription).", cause: error)
        }
        let http = response as? HTTPURLResponse
        guard let http, (200..<300).contains(http.statusCode) else {
            throw ServiceError.transferFailed("Storing the output at \(url.absoluteString) returned HTTP \(http?.statusCode ?? 0).")
        }
        return http.value(forHTTPHeaderField: "ETag")
    }
}
