import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a streamed response delivers, in order: its head, then its body as it arrives.
enum StreamedPart: Sendable {
    case head(status: Int, headers: [String: String])
    case body([UInt8])
}

/// Why an exchange gave up waiting.
enum StreamTimeout: Error, Sendable {
    /// No response head within ``ProviderTimeouts/response`` seconds.
    case response(Double)
    /// The body stayed silent for ``ProviderTimeouts/idle`` seconds.
    case idle(Double)
}

/// One HTTP request whose response is read as it arrives (URLSession's data delegate, the only
/// streaming URLSession has on Linux), with a watchdog for the response and idle timeouts.
///
/// The stream ends when the response does; ending the consumer's iteration (or cancelling its
/// task) cancels the request.
final class StreamingExchange: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // Invariant: `finished`, `task` and the timer's schedule change only under `lock`; the
    // continuation is thread-safe, and `finished` keeps it from being finished twice.
    private let lock = NSLock()
    private let continuation: AsyncThrowingStream<StreamedPart, any Error>.Continuation
    private let timeouts: ProviderTimeouts
    private let watchdog: any DispatchSourceTimer
    private var task: URLSessionDataTask?
    private var finished = false
    private var headReceived = false

    private init(continuation: AsyncThrowingStream<StreamedPart, any Error>.Continuation, timeouts: ProviderTimeouts) {
        self.continuation = continuation
        self.timeouts = timeouts
        self.watchdog = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "ai-providers.watchdog"))
        super.init()
    }

    /// Sends `request` and streams its response.
    static func open(_ request: URLRequest, timeouts: ProviderTimeouts) -> AsyncThrowingStream<StreamedPart, any Error> {
        let (stream, continuation) = AsyncThrowingStream<StreamedPart, any Error>.makeStream()
        let exchange = StreamingExchange(continuation: continuation, timeouts: timeouts)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeouts.total
        configuration.timeoutIntervalForResource = timeouts.total
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        let delegateQueue = OperationQueue()
        delegateQueue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: exchange, delegateQueue: delegateQueue)
        let task = session.dataTask(with: request)
        exchange.start(task)
        continuation.onTermination = { _ in exchange.cancel() }
        task.resume()
        // The session keeps its delegate until its one task ends, then lets both go.
        session.finishTasksAndInvalidate()
        return stream
    }

    private func start(_ task: URLSessionDataTask) {
        lock.withLock { self.task = task }
        watchdog.setEventHandler { [weak self] in self?.timedOut() }
        watchdog.schedule(deadline: .now() + timeouts.response)
        watchdog.resume()
    }

    private func timedOut() {
        let reason: StreamTimeout? = lock.withLock {
            guard !finished else { return nil }
            finished = true
            task?.cancel()
            return headReceived ? .idle(timeouts.idle) : .response(timeouts.response)
        }
        if let reason { continuation.finish(throwing: reason) }
    }

    private func cancel() {
        lock.withLock {
            finished = true
            task?.cancel()
        }
        watchdog.cancel()
    }

    /// Pushes the idle deadline back; false once the exchange is over.
    private func touch(head: Bool = false) -> Bool {
        lock.withLock {
            guard !finished else { return false }
            if head { headReceived = true }
            watchdog.schedule(deadline: .now() + timeouts.idle)
            return true
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        completionHandler(.allow)
        guard touch(head: true) else { return }
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] { headers["\(name)".lowercased()] = "\(value)" }
        continuation.yield(.head(status: http?.statusCode ?? 0, headers: headers))
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard touch() else { return }
        continuation.yield(.body([UInt8](data)))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let first = lock.withLock {
            defer { finished = true }
            return !finished
        }
        watchdog.cancel()
        guard first else { return }
        if let error { continuation.finish(throwing: error) } else { continuation.finish() }
    }
}
