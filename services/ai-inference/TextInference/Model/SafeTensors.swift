import Foundation
import Glibc
import OutpostJSON

/// A `.safetensors` file mapped into memory: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw data. Only F32 tensors are read.
final class SafeTensors: @unchecked Sendable {
    /// One tensor's place in the mapping.
    struct Entry {
        var dtype: String
        var shape: [Int]
        var start: Int
        var end: Int
    }

    let path: String
    private let base: UnsafeMutableRawPointer
    private let size: Int
    private let dataOffset: Int
    let entries: [String: Entry]

    /// Maps `path` read-only and parses its header; throws ``ModelError`` naming the path when the
    /// file is missing, short, or its header is not what the format says.
    init(path: String) throws(ModelError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ModelError(path: path, "cannot be opened (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        let end = lseek(fd, 0, SEEK_END)
        guard end > 8 else { throw ModelError(path: path, "is empty or unreadable") }
        size = Int(end)
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw ModelError(path: path, "cannot be mapped (\(String(cString: strerror(errno))))")
        }
        base = mapped
        let headerLength = Int(UInt64(littleEndian: mapped.loadUnaligned(as: UInt64.self)))
        guard headerLength > 0, headerLength <= size - 8 else {
            munmap(mapped, size)
            throw ModelError(path: path, "has a header length (\(headerLength)) beyond the file's \(size) bytes: not a safetensors file")
        }
        dataOffset = 8 + headerLength
        let headerBytes = UnsafeRawBufferPointer(start: mapped + 8, count: headerLength)
        let parsed: [String: Entry]
        do {
            parsed = try Self.parseHeader(Array(headerBytes), dataSize: size - dataOffset)
        } catch {
            munmap(mapped, size)
            throw ModelError(path: path, "has an unreadable header: \(error.detail)")
        }
        entries = parsed
    }

    deinit { munmap(base, size) }

    /// The F32 tensor `name`, checked to have `shape`.
    func floats(_ name: String, shape: [Int]) throws(ModelError) -> UnsafePointer<Float> {
        guard let entry = entries[name] else { throw ModelError(path: path, "has no tensor \"\(name)\"") }
        guard entry.dtype == "F32" else { throw ModelError(path: path, "tensor \"\(name)\" is \(entry.dtype), expected F32") }
        guard entry.shape == shape else { throw ModelError(path: path, "tensor \"\(name)\" has shape \(entry.shape), expected \(shape)") }
        guard entry.end - entry.start == shape.reduce(1, *) * 4 else { throw ModelError(path: path, "tensor \"\(name)\" has a byte range that does not match its shape") }
        let pointer = base + dataOffset + entry.start
        guard Int(bitPattern: pointer) % MemoryLayout<Float>.alignment == 0 else {
            throw ModelError(path: path, "tensor \"\(name)\" is not 4-byte aligned")
        }
        return UnsafePointer(pointer.assumingMemoryBound(to: Float.self))
    }

    private struct HeaderError: Error { var detail: String }

    private static func parseHeader(_ bytes: [UInt8], dataSize: Int) throws(HeaderError) -> [String: Entry] {
        guard let json = try? JSONValue.parse(String(decoding: bytes, as: UTF8.self)), case .object(let object) = json else {
            throw HeaderError(detail: "not a JSON object")
        }
        var out: [String: Entry] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard case .object(let fields) = value, let dtype = fields["dtype"]?.stringValue,
                  case .array(let shape)? = fields["shape"], case .array(let offsets)? = fields["data_offsets"], offsets.count == 2,
                  let start = offsets[0].intValue, let end = offsets[1].intValue else {
                throw HeaderError(detail: "tensor \"\(name)\" lacks dtype, shape or data_offsets")
            }
            guard start >= 0, start <= end, end <= dataSize else { throw HeaderError(detail: "tensor \"\(name)\" lies outside the file") }
            out[name] = Entry(dtype: dtype, shape: shape.compactMap(\.intValue), start: start, end: end)
        }
        return out
    }
}
