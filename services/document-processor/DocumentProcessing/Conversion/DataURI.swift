import Foundation

/// The bytes of a `data:` URI (`data:image/png;base64,…`), how HTML and Markdown carry an image
/// inside the document itself.
enum DataURI {
    /// The URI's bytes, nil when it is not a `data:` URI, does not decode, or is larger than
    /// `maxBytes` decoded.
    static func bytes(_ uri: String, maxBytes: Int = DocumentImage.maxBytes) -> [UInt8]? {
        guard uri.lowercased().hasPrefix("data:"), let comma = uri.firstIndex(of: ",") else { return nil }
        let header = uri[uri.index(uri.startIndex, offsetBy: 5)..<comma].lowercased()
        let payload = uri[uri.index(after: comma)...]
        guard payload.utf8.count <= maxBytes / 3 * 4 + 4 else { return nil }
        if header.hasSuffix(";base64") {
            return Data(base64Encoded: String(payload), options: .ignoreUnknownCharacters).map { [UInt8]($0) }
        }
        return String(payload).removingPercentEncoding.map { Array($0.utf8) }
    }
}
