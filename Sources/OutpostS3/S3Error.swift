import Outpost

/// An S3 error response: S3's code, HTTP status and message, rendered as S3's `<Error>` XML.
struct S3Error: Error, Sendable, CustomStringConvertible {
    let code: String
    let status: Int
    let message: String
    /// Extra elements S3 puts beside the message (`Key`, `BucketName`, `StringToSign`, …).
    var details: [(String, String)] = []

    var description: String { "\(code): \(message)" }

    init(_ code: String, _ status: Int, _ message: String, details: [(String, String)] = []) {
        self.code = code
        self.status = status
        self.message = message
        self.details = details
    }

    /// The XML body for a request to `resource`.
    func xml(resource: String, requestID: String) -> String {
        var w = S3XMLWriter()
        w.open("Error")
        w.element("Code", code)
        w.element("Message", message)
        for (name, value) in details { w.element(name, value) }
        w.element("Resource", resource)
        w.element("RequestId", requestID)
        w.close("Error")
        return w.text
    }

    static func noSuchBucket(_ bucket: String) -> S3Error {
        S3Error("NoSuchBucket", 404, "The specified bucket does not exist.", details: [("BucketName", bucket)])
    }
    static func noSuchKey(_ key: String) -> S3Error {
        S3Error("NoSuchKey", 404, "The specified key does not exist.", details: [("Key", key)])
    }
    static let accessDenied = S3Error("AccessDenied", 403, "Access Denied")
    static func malformedXML(_ why: String = "") -> S3Error {
        S3Error("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema." + (why.isEmpty ? "" : " (\(why))"))
    }
    static func invalidArgument(_ message: String) -> S3Error { S3Error("InvalidArgument", 400, message) }
    static func invalidRequest(_ message: String) -> S3Error { S3Error("InvalidRequest", 400, message) }
    static func notImplemented(_ what: String) -> S3Error {
        S3Error("NotImplemented", 501, "A header or query you provided requested a function that is not implemented: \(what)")
    }
    static let preconditionFailed = S3Error("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold")
    static let invalidURI = S3Error("InvalidURI", 400, "Couldn't parse the specified URI.")
    static func invalidObjectName(_ why: String) -> S3Error { S3Error("InvalidObjectName", 400, "The specified object name is not valid: \(why)") }
    static let keyTooLong = S3Error("KeyTooLongError", 400, "Your key is too long (at most \(R2Limits.maxKeyBytes) bytes).")
    static func badDigest(_ what: String) -> S3Error { S3Error("BadDigest", 400, "The \(what) you specified did not match the calculated checksum.") }
    static func invalidDigest(_ what: String) -> S3Error { S3Error("InvalidDigest", 400, "The \(what) you specified is not valid.") }
    static let incompleteBody = S3Error("IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header.")
    static func signatureDoesNotMatch(_ stringToSign: String = "") -> S3Error {
        S3Error("SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your secret access key and signing method.",
                details: stringToSign.isEmpty ? [] : [("StringToSign", stringToSign)])
    }
    static func authorizationHeaderMalformed(_ why: String) -> S3Error {
        S3Error("AuthorizationHeaderMalformed", 400, "The authorization header is malformed; \(why)")
    }
    static func authorizationQueryParametersError(_ why: String) -> S3Error {
        S3Error("AuthorizationQueryParametersError", 400, why)
    }
}

extension R2Error {
    /// The S3 error for an error from the R2 store (they share S3's names).
    var s3Error: S3Error { S3Error(code, status, detail) }
}
