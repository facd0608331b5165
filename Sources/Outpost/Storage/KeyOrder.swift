/// Keys are ordered as byte strings (SQLite's BLOB order, R2's and S3's listing order).
package enum KeyOrder {
    /// The smallest byte string greater than every string starting with `prefix` (nil if none):
    /// `key >= prefix AND key < successor` selects exactly the keys with that prefix.
    package static func successor(of prefix: [UInt8]) -> [UInt8]? {
        var bytes = prefix
        while let last = bytes.last {
            if last < 0xff {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return nil
    }
}
