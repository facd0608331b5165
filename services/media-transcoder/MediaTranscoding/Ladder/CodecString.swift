/// RFC 6381 codec strings for the master playlist's CODECS attribute.
enum CodecString {
    /// `avc1.PPCCLL` from the first H.264 SPS in Annex B data (profile, constraint flags, level);
    /// `avc1.640028` (High, level 4.0) when none is found.
    static func h264(annexB bytes: [UInt8]) -> String {
        var index = 0
        while index + 4 < bytes.count {
            // A start code (00 00 01, possibly after another 00) then the NAL header.
            if bytes[index] == 0, bytes[index + 1] == 0, bytes[index + 2] == 1 {
                let header = bytes[index + 3]
                if header & 0x1F == 7, index + 6 < bytes.count {
                    return "avc1." + [bytes[index + 4], bytes[index + 5], bytes[index + 6]].map(hex).joined()
                }
                index += 3
            } else {
                index += 1
            }
        }
        return "avc1.640028"
    }

    /// AAC LC.
    static let aacLC = "mp4a.40.2"

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
