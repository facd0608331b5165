import CAVFormat

/// A libavfilter graph from one buffer source to one buffer sink (video or audio), freed when
/// released. Decoded frames go in with ``push(_:)``; filtered frames come out with ``pull(into:)``.
///
/// Not Sendable: each job builds its own and uses it on one thread.
final class FilterGraph {
    private let graph: UnsafeMutablePointer<AVFilterGraph>
    let source: UnsafeMutablePointer<AVFilterContext>
    let sink: UnsafeMutablePointer<AVFilterContext>

    private init(graph: UnsafeMutablePointer<AVFilterGraph>, source: UnsafeMutablePointer<AVFilterContext>, sink: UnsafeMutablePointer<AVFilterContext>) {
        self.graph = graph
        self.source = source
        self.sink = sink
    }

    deinit {
        var owned: UnsafeMutablePointer<AVFilterGraph>? = graph
        avfilter_graph_free(&owned)
    }

    /// Builds and configures `source → description → sink`.
    /// - Parameters:
    ///   - video: true for `buffer`/`buffersink`, false for `abuffer`/`abuffersink`.
    ///   - sourceArguments: the source's options (size, pixel or sample format, time base…).
    ///   - description: the filters between, in ffmpeg's `-vf`/`-af` syntax (`null`/`anull` for none).
    static func make(video: Bool, sourceArguments: String, description: String) throws(VideoError) -> FilterGraph {
        guard let graph = avfilter_graph_alloc() else { throw .outOfMemory("a filter graph") }
        var configured = false
        defer {
            if !configured {
                var owned: UnsafeMutablePointer<AVFilterGraph>? = graph
                avfilter_graph_free(&owned)
            }
        }
        var source: UnsafeMutablePointer<AVFilterContext>?
        var status = avfilter_graph_create_filter(&source, avfilter_get_by_name(video ? "buffer" : "abuffer"), "in", sourceArguments, nil, graph)
        guard status >= 0, let source else { throw failure("avfilter_graph_create_filter", status, "the \(video ? "video" : "audio") source (\(sourceArguments))") }
        var sink: UnsafeMutablePointer<AVFilterContext>?
        status = avfilter_graph_create_filter(&sink, avfilter_get_by_name(video ? "buffersink" : "abuffersink"), "out", nil, nil, graph)
        guard status >= 0, let sink else { throw failure("avfilter_graph_create_filter", status, "the sink") }

        // parse_ptr consumes both lists and hands back what it left unlinked, freed here.
        var outputs = avfilter_inout_alloc()
        var inputs = avfilter_inout_alloc()
        defer {
            avfilter_inout_free(&outputs)
            avfilter_inout_free(&inputs)
        }
        guard let output = outputs, let input = inputs else { throw .outOfMemory("filter pads") }
        output.pointee.name = av_strdup("in")
        output.pointee.filter_ctx = source
        output.pointee.pad_idx = 0
        output.pointee.next = nil
        input.pointee.name = av_strdup("out")
        input.pointee.filter_ctx = sink
        input.pointee.pad_idx = 0
        input.pointee.next = nil
        status = avfilter_graph_parse_ptr(graph, description, &inputs, &outputs, nil)
        guard status >= 0 else { throw failure("avfilter_graph_parse_ptr", status, "the filters \"\(description)\"") }
        status = avfilter_graph_config(graph, nil)
        guard status >= 0 else { throw failure("avfilter_graph_config", status, "the filters \"\(description)\"") }
        configured = true
        return FilterGraph(graph: graph, source: source, sink: sink)
    }

    /// Feeds a decoded frame (its data moves into the graph), or nil at the end of the stream.
    func push(_ frame: Frame?) throws(VideoError) {
        let status = av_buffersrc_add_frame(source, frame?.pointer)
        guard status >= 0 else { throw Self.failure("av_buffersrc_add_frame", status, "a frame") }
    }

    /// Takes the next filtered frame: 0, or EAGAIN (needs more input), or EOF.
    func pull(into frame: Frame) -> Int32 {
        av_buffersink_get_frame(sink, frame.pointer)
    }

    /// Makes the audio sink hand out frames of exactly `samples` (the last one may be shorter).
    func setFrameSize(_ samples: Int32) {
        av_buffersink_set_frame_size(sink, UInt32(samples))
    }

    var timeBase: AVRational { av_buffersink_get_time_base(sink) }
    var frameRate: AVRational { av_buffersink_get_frame_rate(sink) }
    var width: Int32 { av_buffersink_get_w(sink) }
    var height: Int32 { av_buffersink_get_h(sink) }
    var sampleAspectRatio: AVRational { av_buffersink_get_sample_aspect_ratio(sink) }
    var sampleRate: Int32 { av_buffersink_get_sample_rate(sink) }

    private static func failure(_ function: String, _ status: Int32, _ what: String) -> VideoError {
        let cause = FFmpegError(function, code: status)
        return VideoError(.encodeFailed, "Setting up \(what) failed (\(cause.message)).", cause: cause)
    }
}
