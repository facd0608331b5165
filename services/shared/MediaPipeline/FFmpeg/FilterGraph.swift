package import CAVFormat

/// A libavfilter graph from one buffer source to one buffer sink (video or audio), or to several
/// (a `split` feeding one branch per sink); freed when released. Decoded frames go in with
/// ``push(_:)``; filtered frames come out with ``pull(into:)`` (or ``pull(into:sink:)``).
///
/// Not Sendable: each job builds its own and uses it on one thread.
package final class FilterGraph {
    private let graph: UnsafeMutablePointer<AVFilterGraph>
    package let source: UnsafeMutablePointer<AVFilterContext>
    package let sink: UnsafeMutablePointer<AVFilterContext>
    /// Every sink, in order (`out0`, `out1`… of a graph made with several outputs).
    package let sinks: [UnsafeMutablePointer<AVFilterContext>]

    private init(graph: UnsafeMutablePointer<AVFilterGraph>, source: UnsafeMutablePointer<AVFilterContext>, sinks: [UnsafeMutablePointer<AVFilterContext>]) {
        self.graph = graph
        self.source = source
        self.sink = sinks[0]
        self.sinks = sinks
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
    package static func make(video: Bool, sourceArguments: String, description: String) throws(MediaError) -> FilterGraph {
        try make(video: video, sourceArguments: sourceArguments, description: description, sinkNames: ["out"])
    }

    /// Builds and configures a graph from one source (`[in]`) to `outputs` sinks, labelled
    /// `[out0]`, `[out1]`… in `description` (e.g. `[in]split=2[a][b];[a]scale=640:360[out0];[b]null[out1]`).
    package static func make(video: Bool, sourceArguments: String, description: String, outputs: Int) throws(MediaError) -> FilterGraph {
        try make(video: video, sourceArguments: sourceArguments, description: description, sinkNames: (0..<max(1, outputs)).map { "out\($0)" })
    }

    private static func make(video: Bool, sourceArguments: String, description: String, sinkNames: [String]) throws(MediaError) -> FilterGraph {
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
        var sinks: [UnsafeMutablePointer<AVFilterContext>] = []
        for name in sinkNames {
            var sink: UnsafeMutablePointer<AVFilterContext>?
            status = avfilter_graph_create_filter(&sink, avfilter_get_by_name(video ? "buffersink" : "abuffersink"), name, nil, nil, graph)
            guard status >= 0, let sink else { throw failure("avfilter_graph_create_filter", status, "the sink") }
            sinks.append(sink)
        }

        // parse_ptr consumes both lists and hands back what it left unlinked, freed here.
        var outputs = avfilter_inout_alloc()
        var inputs: UnsafeMutablePointer<AVFilterInOut>?
        defer {
            avfilter_inout_free(&outputs)
            avfilter_inout_free(&inputs)
        }
        guard let output = outputs else { throw .outOfMemory("filter pads") }
        output.pointee.name = av_strdup("in")
        output.pointee.filter_ctx = source
        output.pointee.pad_idx = 0
        output.pointee.next = nil
        // The sinks' pads as a linked list, built from the last so each links to the next.
        for (name, sink) in zip(sinkNames, sinks).reversed() {
            guard let input = avfilter_inout_alloc() else { throw .outOfMemory("filter pads") }
            input.pointee.name = av_strdup(name)
            input.pointee.filter_ctx = sink
            input.pointee.pad_idx = 0
            input.pointee.next = inputs
            inputs = input
        }
        status = avfilter_graph_parse_ptr(graph, description, &inputs, &outputs, nil)
        guard status >= 0 else { throw failure("avfilter_graph_parse_ptr", status, "the filters \"\(description)\"") }
        status = avfilter_graph_config(graph, nil)
        guard status >= 0 else { throw failure("avfilter_graph_config", status, "the filters \"\(description)\"") }
        configured = true
        return FilterGraph(graph: graph, source: source, sinks: sinks)
    }

    /// Feeds a decoded frame (its data moves into the graph), or nil at the end of the stream.
    package func push(_ frame: Frame?) throws(MediaError) {
        let status = av_buffersrc_add_frame(source, frame?.pointer)
        guard status >= 0 else { throw Self.failure("av_buffersrc_add_frame", status, "a frame") }
    }

    /// Takes the next filtered frame: 0, or EAGAIN (needs more input), or EOF.
    package func pull(into frame: Frame) -> Int32 {
        av_buffersink_get_frame(sink, frame.pointer)
    }

    /// Takes the next filtered frame of sink `index`: 0, or EAGAIN, or EOF.
    package func pull(into frame: Frame, sink index: Int) -> Int32 {
        av_buffersink_get_frame(sinks[index], frame.pointer)
    }

    /// Makes the audio sink hand out frames of exactly `samples` (the last one may be shorter).
    package func setFrameSize(_ samples: Int32) {
        av_buffersink_set_frame_size(sink, UInt32(samples))
    }

    package var timeBase: AVRational { av_buffersink_get_time_base(sink) }
    package var frameRate: AVRational { av_buffersink_get_frame_rate(sink) }
    package var width: Int32 { av_buffersink_get_w(sink) }
    package var height: Int32 { av_buffersink_get_h(sink) }
    package var sampleAspectRatio: AVRational { av_buffersink_get_sample_aspect_ratio(sink) }
    package var sampleRate: Int32 { av_buffersink_get_sample_rate(sink) }

    private static func failure(_ function: String, _ status: Int32, _ what: String) -> MediaError {
        let cause = FFmpegError(function, code: status)
        return MediaError(.encodeFailed, "Setting up \(what) failed (\(cause.message)).", cause: cause)
    }
}
