import CAVFormat

/// FFmpeg's own logging (to stderr). Services report errors themselves, so by default only
/// FFmpeg's errors are printed, not its per-packet warnings about damaged input.
public enum FFmpegLog {
    /// How much FFmpeg prints.
    public enum Level: Sendable {
        case quiet, error, warning
    }

    /// Sets FFmpeg's global log level (process-wide; call once at start-up).
    public static func setLevel(_ level: Level) {
        switch level {
        case .quiet: av_log_set_level(outpost_av_log_quiet())
        case .error: av_log_set_level(outpost_av_log_error())
        case .warning: av_log_set_level(outpost_av_log_warning())
        }
    }
}
