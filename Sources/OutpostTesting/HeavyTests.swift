public import Testing

/// `.heavy`: a suite or test whose work takes whole cores (encodes, OCR, compilers, fork bombs,
/// a browser). Heavy tests run one at a time across every test target (they share this process),
/// beside the light ones, so a 2-core machine stays responsive enough for the tests that start
/// containers or time what they wait for.
public struct HeavyTestTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Suites are scoped per test case below them: only a test case holds the gate.
        guard testCase != nil, !test.isSuite else { return try await function() }
        await HeavyGate.shared.acquire()
        do {
            try await function()
        } catch {
            await HeavyGate.shared.release()
            throw error
        }
        await HeavyGate.shared.release()
    }
}

extension Trait where Self == HeavyTestTrait {
    /// Runs one heavy test at a time in this process.
    public static var heavy: Self { HeavyTestTrait() }
}

/// The one-at-a-time gate behind `.heavy`, first come first served.
actor HeavyGate {
    static let shared = HeavyGate()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else { busy = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}
