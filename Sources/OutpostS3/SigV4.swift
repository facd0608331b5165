import Crypto
import Foundation

/// AWS Signature Version 4, as S3 uses it: canonical requests, signing keys and signatures.
enum SigV4 {
    static let algorithm = "AWS4-HMAC-SHA256"
    static let unsignedPayload = "UNSIGNED-PAYLOAD"
    static let streamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    static let streamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    static let streamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// The regions R2 accepts in a credential scope.
    static let regions: Set<String> = ["auto", "us-east-1", ""]

    /// `<key id>/<yyyymmdd>/<region>/s3/aws4_request`.
    struct Credential: Sendable {
        let accessKeyID: String
        let date: String
        let region: String
        let service: String

        var scope: String { "\(date)/\(region)/\(service)/aws4_request" }

        init(parsing text: String) throws {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 5, parts[4] == "aws4_request", parts[1].count == 8 else {
                throw S3Error.authorizationHeaderMalformed("the Credential \"\(text)\" is not <key id>/<date>/<region>/s3/aws4_request.")
            }
            guard parts[3] == "s3" else { throw S3Error.authorizationHeaderMalformed("the service must be \"s3\", not \"\(parts[3])\".") }
            guard SigV4.regions.contains(parts[2]) else {
                throw S3Error.authorizationHeaderMalformed("the region \"\(parts[2])\" is wrong; expecting \"auto\" (or \"us-east-1\" or empty).")
            }
            accessKeyID = parts[0]
            date = parts[1]
            region = parts[2]
            service = parts[3]
        }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func sha256Hex(_ s: String) -> String { hex(SHA256.hash(data: Data(s.utf8))) }

    static func signingKey(secret: String, credential: Credential) -> SymmetricKey {
        func mac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key))
        }
        var key = SymmetricKey(data: Data(("AWS4" + secret).utf8))
        for part in [credential.date, credential.region, credential.service, "aws4_request"] { key = mac(key, part) }
        return key
    }

    static func signature(key: SymmetricKey, stringToSign: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    static func stringToSign(amzDate: String, credential: Credential, canonicalRequest: String) -> String {
        "\(algorithm)\n\(amzDate)\n\(credential.scope)\n\(sha256Hex(canonicalRequest))"
    }

    private static let upperHex = Array("0123456789ABCDEF")

    /// AWS's URI encoding: every byte but `A-Z a-z 0-9 - . _ ~` (and `/` unless `encodeSlash`) as `%XX`.
    static func uriEncode(_ s: String, encodeSlash: Bool = true) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E:
                out.unicodeScalars.append(Unicode.Scalar(b))
            case 0x2F where !encodeSlash:
                out += "/"
            default:
                out += "%" + String(Self.upperHex[Int(b >> 4)]) + String(Self.upperHex[Int(b & 0xf)])
            }
        }
        return out
    }

    /// Query parameters sorted by encoded name, then value.
    static func canonicalQuery(_ pairs: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = pairs.map { (uriEncode($0.0), uriEncode($0.1)) }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// A header value as signed: trimmed, runs of spaces collapsed.
    static func canonicalValue(_ v: String) -> String {
        var out = ""
        var lastSpace = false
        for c in v.trimmingCharacters(in: .whitespaces) {
            if c == " " {
                if !lastSpace { out.append(c) }
                lastSpace = true
            } else {
                out.append(c)
                lastSpace = false
            }
        }
        return out
    }

    /// - Parameters:
    ///   - path: the decoded path (`/bucket/key`).
    ///   - headerValues: the values of a lowercase header name, in order.
    static func canonicalRequest(method: String, path: String, query: [(String, String)], signedHeaders: [String], headerValues: (String) -> [String], payloadHash: String) -> String {
        var lines = [method, uriEncode(path, encodeSlash: false), canonicalQuery(query)]
        var headers = ""
        for name in signedHeaders {
            headers += name + ":" + headerValues(name).map(canonicalValue).joined(separator: ",") + "\n"
        }
        lines.append(headers)
        lines.append(signedHeaders.joined(separator: ";"))
        lines.append(payloadHash)
        return lines.joined(separator: "\n")
    }

    /// The string a chunk of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` body signs.
    static func chunkStringToSign(amzDate: String, credential: Credential, previousSignature: String, chunkSHA256: String) -> String {
        "AWS4-HMAC-SHA256-PAYLOAD\n\(amzDate)\n\(credential.scope)\n\(previousSignature)\n\(emptySHA256)\n\(chunkSHA256)"
    }

    /// The string the trailer of a signed streaming body signs.
    static func trailerStringToSign(amzDate: String, credential: Credential, previousSignature: String, trailerSHA256: String) -> String {
        "AWS4-HMAC-SHA256-TRAILER\n\(amzDate)\n\(credential.scope)\n\(previousSignature)\n\(trailerSHA256)"
    }

    /// `20130524T000000Z` → a date.
    static func parseAmzDate(_ s: String) -> Date? { S3Dates.parseAmz(s) }

    /// Constant-time comparison of two hex signatures.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
