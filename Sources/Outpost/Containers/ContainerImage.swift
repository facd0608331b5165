import Foundation
import Glibc

/// Resolves a `[[containers]] image` to an executable: a product of this package (found beside the
/// running binary) or a path to any executable. Docker images and Dockerfiles are refused clearly.
public enum ContainerImage {
    /// The directory holding the running binary (and the other products of its build).
    public static var binaryDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }

    /// The absolute path of the executable `image` names.
    /// - Parameters:
    ///   - image: a product name ("container-fixture"), or a path ("./bin/service", "/usr/bin/x").
    ///   - productDirectory: where products live; defaults to the running binary's directory.
    ///   - baseDirectory: what relative paths are relative to (the config's directory).
    public static func resolve(_ image: String, productDirectory: String? = nil, baseDirectory: String? = nil) throws(ContainerError) -> String {
        let lower = image.lowercased()
        if lower.hasSuffix("dockerfile") || lower.contains("dockerfile.") || lower.hasPrefix("docker.io/")
            || lower.contains("://") || (lower.contains(":") && !lower.hasPrefix("/") && !lower.hasPrefix(".")) || lower.contains(".azurecr.io/")
            || lower.hasPrefix("ghcr.io/") || lower.hasPrefix("registry.") {
            throw ContainerError(.imageNotSupported,
                "Container image \"\(image)\" is a Dockerfile or registry image: not supported locally. Set `image` to the name of an executable product of this package or a path to an executable.")
        }
        let fm = FileManager.default
        let isPath = image.contains("/")
        let candidate: String
        if isPath {
            candidate = image.hasPrefix("/") ? image : ((baseDirectory ?? fm.currentDirectoryPath) as NSString).appendingPathComponent(image)
        } else {
            candidate = ((productDirectory ?? binaryDirectory) as NSString).appendingPathComponent(image)
        }
        let standardized = (candidate as NSString).standardizingPath
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: standardized, isDirectory: &isDir), !isDir.boolValue, hasExecuteBit(standardized) else {
            let hint = isPath ? "no executable file at \(standardized)" : "no executable product \"\(image)\" beside the running binary in \(productDirectory ?? binaryDirectory) (build it with `swift build --product \(image)`)"
            throw ContainerError(.imageNotFound, "Container image \"\(image)\" not found: \(hint).")
        }
        return standardized
    }

    /// The `outpost-sandbox` launcher beside the running binary, or at `explicit`.
    public static func launcher(explicit: String? = nil) throws(ContainerError) -> String {
        let path = explicit ?? (binaryDirectory as NSString).appendingPathComponent("outpost-sandbox")
        guard hasExecuteBit(path) else {
            throw ContainerError(.launcherNotFound, "The sandbox launcher is missing at \(path): build it with `swift build --product outpost-sandbox`.")
        }
        return path
    }

    /// access(X_OK) is always true for root; look at the mode bits instead.
    static func hasExecuteBit(_ path: String) -> Bool {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: (path as NSString).resolvingSymlinksInPath),
              attrs[.type] as? FileAttributeType == .typeRegular,
              let mode = attrs[.posixPermissions] as? NSNumber else { return false }
        return mode.intValue & 0o111 != 0
    }
}
