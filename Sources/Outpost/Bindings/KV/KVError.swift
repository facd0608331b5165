/// A KV operation refused, with Cloudflare's message.
public struct KVError: HTTPError {
    public let status: Int
    public let message: String
    public var code: String { "kv_error" }

    static func keyTooLong(_ length: Int) -> KVError {
        KVError(status: 414, message: "414 UTF-8 encoded length of \(length) exceeds key length limit of \(KVLimits.maxKeyBytes).")
    }
    static func valueTooLarge(_ length: Int) -> KVError {
        KVError(status: 413, message: "413 Value length of \(length) exceeds limit of \(KVLimits.maxValueBytes).")
    }
    static func metadataTooLarge(_ length: Int) -> KVError {
        KVError(status: 413, message: "413 Metadata length of \(length) exceeds limit of \(KVLimits.maxMetadataBytes).")
    }
    static let emptyKey = KVError(status: 400, message: "Key name cannot be empty.")
    static func dotKey(_ key: String) -> KVError { KVError(status: 400, message: "\"\(key)\" is not allowed as a key name.") }
    static let tooManyKeys = KVError(status: 400, message: "You can request a maximum of 100 keys")
    static func invalidTTL(_ ttl: Int) -> KVError {
        if ttl <= 0 {
            return KVError(status: 400, message: "Invalid expiration_ttl of \(ttl). Please specify integer greater than 0.")
        }
        return KVError(status: 400, message: "Invalid expiration_ttl of \(ttl). Expiration TTL must be at least 60.")
    }
    static func invalidExpiration(_ expiration: Int) -> KVError {
        if expiration <= 0 {
            return KVError(status: 400, message: "Invalid expiration of \(expiration). Please specify integer greater than 0.")
        }
        return KVError(status: 400, message: "Invalid expiration of \(expiration). Expiration times must be at least 60 seconds in the future.")
    }
    static func invalidLimit(_ limit: Int) -> KVError {
        KVError(status: 400, message: "Invalid key_count_limit of \(limit). Please specify an integer greater than 0 and at most 1000.")
    }
    static let invalidCursor = KVError(status: 400, message: "Invalid cursor: pass the cursor from the previous list result unchanged.")
    static func invalidJSON(_ key: String) -> KVError {
        KVError(status: 400, message: "The value of \"\(key)\" is not valid JSON.")
    }
}

/// Workers KV limits.
public enum KVLimits {
    public static let maxKeyBytes = 512
    public static let maxValueBytes = 26_214_400
    public static let maxMetadataBytes = 1024
    public static let maxBulkKeys = 100
    public static let maxListLimit = 1000
    public static let minExpirationTTL = 60
}
