import Foundation
import Logging
import Outpost
import OutpostTesting

/// The code-executor under the runtime's own `ContainerSupervisor`, as wrangler.toml declares its
/// class: `nested`, Deno's directory read-only when installed, the built launcher.
enum SupervisedCodeExecutor {
    static func supervisor(stateDirectory: String, label: String) -> ContainerSupervisor {
        let bin = ServiceProcess.binDirectory
        let deno = FileManager.default.fileExists(atPath: "/opt/deno") ? ["/opt/deno"] : []
        let cls = ContainerClass(name: "CodeExecutor", executable: bin + "/code-executor", instanceType: InstanceTypes.named("standard-2")!,
                                 sandbox: ContainerSandbox(readOnlyPaths: deno, nested: true))
        var logger = Logger(label: label)
        logger.logLevel = .warning
        return ContainerSupervisor(stateDirectory: stateDirectory, classes: [cls], logger: logger, launcherPath: bin + "/outpost-sandbox")
    }
}
