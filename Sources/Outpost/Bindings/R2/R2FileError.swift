#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file operation in the bucket's directory (disk full, permissions), with errno text.
public struct R2FileError: HTTPError {
    public let detail: String
    public let errnoValue: Int32
    public var status: Int { 500 }
    public var code: String { "InternalError" }
    public var message: String { "R2 storage failed: \(detail)" }

    static func posix(_ what: String) -> R2FileError {
        let e = R2FileIO.lastErrno()
        return R2FileError(detail: "\(what): \(String(cString: strerror(e)))", errnoValue: e)
    }
}
