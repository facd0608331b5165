public import ServiceLifecycle
import Logging
import NIOConcurrencyHelpers

/// The one scheduler of every Durable Object: fires due alarms (from the state directory's
/// index, so alarms set before a restart fire after it) and evicts idle objects.
///
/// One loop wakes every `schedulerInterval`; no timer is kept per object.
public final class AlarmScheduler: Service, Sendable {
    let hosts: [String: DurableObjectHost]
    let directory: ObjectDirectory
    let options: DurableObjectOptions
    let clock: RuntimeClock
    let logger: Logger
    /// Alarms being run, by "class/id", so the next tick does not start them twice.
    private let running = NIOLockedValueBox(Set<String>())

    init(hosts: [String: DurableObjectHost], directory: ObjectDirectory, options: DurableObjectOptions, clock: RuntimeClock, logger: Logger) {
        self.hosts = hosts
        self.directory = directory
        self.options = options
        self.clock = clock
        self.logger = logger
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                startDueAlarms(in: &group)
                for host in hosts.values { await host.evictIdle() }
                try? await Task.sleep(for: options.schedulerInterval)
            }
        }
        for host in hosts.values { _ = await host.evictAll() }
    }

    private func startDueAlarms(in group: inout DiscardingTaskGroup) {
        let due: [ObjectDirectory.AlarmEntry]
        do {
            due = try directory.dueAlarms(now: clock.nowMilliseconds())
        } catch {
            logger.error("Alarm index unreadable: \(error)")
            return
        }
        for entry in due {
            let key = entry.className + "/" + entry.id
            guard let host = hosts[entry.className] else { continue }
            guard running.withLockedValue({ $0.insert(key).inserted }) else { continue }
            group.addTask { [running] in
                await host.runAlarm(entry)
                _ = running.withLockedValue { $0.remove(key) }
            }
        }
    }
}
