import Foundation

/// The HLS master playlist: one `EXT-X-STREAM-INF` per rendition (BANDWIDTH, AVERAGE-BANDWIDTH,
/// RESOLUTION, FRAME-RATE, CODECS), lowest first, all sharing one audio rendition when there is one.
struct MasterPlaylist {
    /// A video rendition as written.
    struct Variant {
        var playlist: String
        var width: Int
        var height: Int
        var frameRate: Double
        var codecs: String
        /// Measured from its segments (video alone; the audio's rates are added).
        var peakBitRate: Int64
        var averageBitRate: Int64
    }

    /// The audio rendition as written.
    struct Audio {
        var playlist: String
        var codecs: String
        var peakBitRate: Int64
        var averageBitRate: Int64
    }

    var variants: [Variant]
    var audio: Audio?
    var streamName: String

    /// The group id of the audio rendition.
    static let audioGroup = "audio"

    var text: String {
        var lines = ["#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-INDEPENDENT-SEGMENTS",
                     "#EXT-X-SESSION-DATA:DATA-ID=\"com.pitchey.stream-name\",VALUE=\"\(streamName)\""]
        if let audio {
            lines.append("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"\(Self.audioGroup)\",NAME=\"audio\",DEFAULT=YES,AUTOSELECT=YES,URI=\"\(audio.playlist)\"")
        }
        for variant in variants {
            var attributes = [
                "BANDWIDTH=\(variant.peakBitRate + (audio?.peakBitRate ?? 0))",
                "AVERAGE-BANDWIDTH=\(variant.averageBitRate + (audio?.averageBitRate ?? 0))",
                "RESOLUTION=\(variant.width)x\(variant.height)",
                "FRAME-RATE=" + String(format: "%.3f", variant.frameRate),
                "CODECS=\"" + ([variant.codecs] + (audio.map { [$0.codecs] } ?? [])).joined(separator: ",") + "\"",
            ]
            if audio != nil { attributes.append("AUDIO=\"\(Self.audioGroup)\"") }
            lines.append("#EXT-X-STREAM-INF:" + attributes.joined(separator: ","))
            lines.append(variant.playlist)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
