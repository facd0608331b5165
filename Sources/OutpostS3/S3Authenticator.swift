import Crypto
import Foundation
import HTTPTypes
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who signed a request, and what they may do.
struct S3Principal: Sendable {
    let accessKeyID: String
    /// Buckets the key may reach; empty means all.
    let buckets: [String]
    let readOnly: Bool

    func allows(bucket: String) -> Bool { buckets.isEmpty || buckets.contains(bucket) }
}

/// Checks SigV4 header and query (presigned) authentication against the stored keys and the
/// `.dev.vars` key.
struct S3Authenticator: Sendable {
    let credentials: S3CredentialStore
    /// `R2_ACCESS_KEY_ID` / `R2_SECRET_ACCESS_KEY`, full access.
    let devKey: (id: String, secret: String)?
    /// Largest clock difference accepted for header auth (R2 and S3: 15 minutes).
    static let maxSkew: TimeInterval = 15 * 60
    static let maxPresignedExpiry = 604_800

    func authenticate(_ r: S3Request, now: Date = Date()) throws -> (S3Principal, S3PayloadMode) {
        if let authorization = r.header("authorization") {
            return try headerAuth(r, authorization: authorization, now: now)
        }
        if r.has("X-Amz-Signature") || r.has("X-Amz-Credential") {
            return try queryAuth(r, now: now)
        }
        if r.has("Signature") || r.has("AWSAccessKeyId") {
            throw S3Error.invalidRequest("Signature Version 2 is not supported; use AWS4-HMAC-SHA256.")
        }
        throw S3Error.accessDenied
    }

    private func secret(for id: String) throws -> (S3Principal, String) {
        if let devKey, SigV4.equal(devKey.id, id) {
            return (S3Principal(accessKeyID: id, buckets: [], readOnly: false), devKey.secret)
        }
        guard let (record, secret) = try credentials.lookup(id) else {
            throw S3Error("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.", details: [("AWSAccessKeyId", id)])
        }
        return (S3Principal(accessKeyID: id, buckets: record.buckets, readOnly: record.readOnly), secret)
    }

    private func headerAuth(_ r: S3Request, authorization: String, now: Date) throws -> (S3Principal, S3PayloadMode) {
        guard authorization.hasPrefix(SigV4.algorithm + " ") else {
            if authorization.hasPrefix("AWS ") { throw S3Error.invalidRequest("Signature Version 2 is not supported; use AWS4-HMAC-SHA256.") }
            throw S3Error.authorizationHeaderMalformed("the algorithm must be AWS4-HMAC-SHA256.")
        }
        var fields: [String: String] = [:]
        for part in authorization.dropFirst(SigV4.algorithm.count + 1).split(separator: ",") {
            let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard let credentialText = fields["Credential"], let signedText = fields["SignedHeaders"], let signature = fields["Signature"] else {
            throw S3Error.authorizationHeaderMalformed("it needs Credential, SignedHeaders and Signature.")
        }
        let credential = try SigV4.Credential(parsing: credentialText)
        guard let amzDate = r.header("x-amz-date") ?? r.header("date").flatMap(S3Dates.parseHTTP).map(S3Dates.amz),
              let date = SigV4.parseAmzDate(amzDate) else {
            throw S3Error.accessDenied.with(message: "AWS authentication requires a valid Date or x-amz-date header")
        }
        guard abs(date.timeIntervalSince(now)) <= Self.maxSkew else {
            throw S3Error("RequestTimeTooSkewed", 403, "The difference between the request time and the server's time is too large.",
                          details: [("RequestTime", amzDate), ("ServerTime", S3Dates.iso8601(now)), ("MaxAllowedSkewMilliseconds", "900000")])
        }
        guard credential.date == String(amzDate.prefix(8)) else {
            throw S3Error.authorizationHeaderMalformed("the Credential date \(credential.date) is not the x-amz-date day \(amzDate.prefix(8)).")
        }
        guard let payloadHash = r.header("x-amz-content-sha256") else {
            throw S3Error.invalidRequest("Missing required header for this request: x-amz-content-sha256")
        }
        let signedHeaders = signedText.split(separator: ";").map { String($0) }
        guard signedHeaders.contains("host") else { throw S3Error.authorizationHeaderMalformed("SignedHeaders must include host.") }
        let (principal, secret) = try secret(for: credential.accessKeyID)
        let canonical = SigV4.canonicalRequest(method: r.method.rawValue, path: r.path, query: r.query, signedHeaders: signedHeaders,
                                               headerValues: r.headerValues, payloadHash: payloadHash)
        let stringToSign = SigV4.stringToSign(amzDate: amzDate, credential: credential, canonicalRequest: canonical)
        let key = SigV4.signingKey(secret: secret, credential: credential)
        guard SigV4.equal(SigV4.signature(key: key, stringToSign: stringToSign), signature) else {
            throw S3Error.signatureDoesNotMatch(stringToSign)
        }
        let mode: S3PayloadMode
        switch payloadHash {
        case SigV4.unsignedPayload: mode = .unsigned
        case SigV4.streamingSigned: mode = .streamingSigned(seed: signature, key: key, credential: credential, amzDate: amzDate, trailer: false)
        case SigV4.streamingSignedTrailer: mode = .streamingSigned(seed: signature, key: key, credential: credential, amzDate: amzDate, trailer: true)
        case SigV4.streamingUnsignedTrailer: mode = .streamingUnsignedTrailer
        default:
            guard payloadHash.utf8.count == 64, payloadHash.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }) else {
                throw S3Error.invalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-… or a hex SHA-256.")
            }
            mode = .signed(payloadHash)
        }
        return (principal, mode)
    }

    private func queryAuth(_ r: S3Request, now: Date) throws -> (S3Principal, S3PayloadMode) {
        guard r[query: "X-Amz-Algorithm"] == SigV4.algorithm else {
            throw S3Error.authorizationQueryParametersError("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        }
        guard let credentialText = r[query: "X-Amz-Credential"], let amzDate = r[query: "X-Amz-Date"], let expiresText = r[query: "X-Amz-Expires"],
              let signedText = r[query: "X-Amz-SignedHeaders"], let signature = r[query: "X-Amz-Signature"] else {
            throw S3Error.authorizationQueryParametersError("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
        }
        let credential = try SigV4.Credential(parsing: credentialText)
        guard let date = SigV4.parseAmzDate(amzDate) else {
            throw S3Error.authorizationQueryParametersError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
        }
        guard let expires = Int(expiresText), expires >= 1 else {
            throw S3Error.authorizationQueryParametersError("X-Amz-Expires must be non-negative")
        }
        guard expires <= Self.maxPresignedExpiry else {
            throw S3Error.authorizationQueryParametersError("X-Amz-Expires must be less than a week (in seconds) that is 604800")
        }
        guard date.timeIntervalSince(now) <= Self.maxSkew else { throw S3Error.accessDenied.with(message: "Request is not valid yet") }
        guard now.timeIntervalSince(date) <= TimeInterval(expires) else { throw S3Error.accessDenied.with(message: "Request has expired") }
        let signedHeaders = signedText.split(separator: ";").map { String($0) }
        let (principal, secret) = try secret(for: credential.accessKeyID)
        let payloadHash = r[query: "X-Amz-Content-Sha256"] ?? SigV4.unsignedPayload
        let canonical = SigV4.canonicalRequest(method: r.method.rawValue, path: r.path, query: r.query.filter { $0.0 != "X-Amz-Signature" },
                                               signedHeaders: signedHeaders, headerValues: r.headerValues, payloadHash: payloadHash)
        let stringToSign = SigV4.stringToSign(amzDate: amzDate, credential: credential, canonicalRequest: canonical)
        let key = SigV4.signingKey(secret: secret, credential: credential)
        guard SigV4.equal(SigV4.signature(key: key, stringToSign: stringToSign), signature) else {
            throw S3Error.signatureDoesNotMatch(stringToSign)
        }
        return (principal, payloadHash == SigV4.unsignedPayload ? .unsigned : .signed(payloadHash))
    }
}

extension S3Error {
    func with(message: String) -> S3Error { S3Error(code, status, message, details: details) }
}

/// The date formats S3 speaks, formatted by hand: a DateFormatter costs more to make than a
/// whole small request, and they are not Sendable to share.
enum S3Dates {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func parts(_ d: Date) -> (tm, Int) {
        let seconds = d.timeIntervalSince1970.rounded(.down)
        var t = time_t(seconds)
        var out = tm()
        gmtime_r(&t, &out)
        return (out, Int((d.timeIntervalSince1970 - seconds) * 1000))
    }

    private static func pad(_ n: Int32, _ width: Int = 2) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `2009-10-12T17:50:30.000Z`, as in XML.
    static func iso8601(_ d: Date) -> String {
        let (t, ms) = parts(d)
        return "\(t.tm_year + 1900)-\(pad(t.tm_mon + 1))-\(pad(t.tm_mday))T\(pad(t.tm_hour)):\(pad(t.tm_min)):\(pad(t.tm_sec)).\(pad(Int32(ms), 3))Z"
    }

    /// `Mon, 12 Oct 2009 17:50:00 GMT`, as in Last-Modified.
    static func http(_ d: Date) -> String {
        let (t, _) = parts(d)
        return "\(days[Int(t.tm_wday)]), \(pad(t.tm_mday)) \(months[Int(t.tm_mon)]) \(t.tm_year + 1900) \(pad(t.tm_hour)):\(pad(t.tm_min)):\(pad(t.tm_sec)) GMT"
    }

    /// `20091012T175030Z`, as in x-amz-date.
    static func amz(_ d: Date) -> String {
        let (t, _) = parts(d)
        return "\(t.tm_year + 1900)\(pad(t.tm_mon + 1))\(pad(t.tm_mday))T\(pad(t.tm_hour))\(pad(t.tm_min))\(pad(t.tm_sec))Z"
    }

    /// Parses `yyyyMMddTHHmmssZ`.
    static func parseAmz(_ s: String) -> Date? {
        let u = Array(s.utf8)
        guard u.count == 16, u[8] == UInt8(ascii: "T"), u[15] == UInt8(ascii: "Z") else { return nil }
        func num(_ r: Range<Int>) -> Int32? {
            var v: Int32 = 0
            for c in u[r] {
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int32(c - 48)
            }
            return v
        }
        guard let y = num(0..<4), let mo = num(4..<6), let d = num(6..<8), let h = num(9..<11), let mi = num(11..<13), let sec = num(13..<15),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        var t = tm()
        t.tm_year = y - 1900
        t.tm_mon = mo - 1
        t.tm_mday = d
        t.tm_hour = h
        t.tm_min = mi
        t.tm_sec = sec
        return Date(timeIntervalSince1970: TimeInterval(timegm(&t)))
    }

    /// HTTP dates in conditional headers (rare, so a formatter is fine here).
    static func parseHTTP(_ s: String) -> Date? {
        let text = s.trimmingCharacters(in: .whitespaces)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'"] {
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        return nil
    }
}
