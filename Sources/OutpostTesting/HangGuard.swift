/// How long a test's wait for an event may last before the test calls it a hang. Tests wait for
/// events, never for times: this is long enough that a loaded 2-core machine never meets it, so
/// it ends only a wait that would otherwise never end. Every wait helper defaults to it.
public enum HangGuard {
    public static let seconds: Double = 300
    public static var duration: Duration { .seconds(seconds) }
}
