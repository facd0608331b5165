package import CAVFormat

/// An `AVCodecContext` (a decoder or an encoder), freed when released.
///
/// Not Sendable: each job builds its own and uses it on one thread.
package final class CodecContext {
    package let context: UnsafeMutablePointer<AVCodecContext>
    package let codec: UnsafePointer<AVCodec>

    package init(codec: UnsafePointer<AVCodec>) throws(MediaError) {
        guard let context = avcodec_alloc_context3(codec) else { throw .outOfMemory("a codec context") }
        self.context = context
        self.codec = codec
    }

    deinit {
        var owned: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&owned)
    }

    /// Opens the codec with the parameters set on `context`.
    /// - Parameter options: the codec's private options (`preset`, `crf`…), as with `ffmpeg -preset`.
    package func open(failure: MediaError.Code, what: String, options: [String: String] = [:]) throws(MediaError) {
        var dictionary: OpaquePointer?
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        defer { av_dict_free(&dictionary) }
        let status = avcodec_open2(context, codec, &dictionary)
        guard status >= 0 else {
            let cause = FFmpegError("avcodec_open2", code: status)
            throw MediaError(failure, "Opening the \(what) failed (\(cause.message)).", cause: cause)
        }
    }
}
