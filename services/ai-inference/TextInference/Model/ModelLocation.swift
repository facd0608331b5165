import Foundation

/// Where the service's model files are: a directory named by an environment variable, else the
/// fixed `/opt/ai-models` that `make deps` installs into (and wrangler.toml maps read-only into the
/// instance), else a Python site-packages directory holding the PyPI package.
public enum ModelLocation {
    /// The directory `make deps` installs the PyPI model packages into.
    public static let installRoot = "/opt/ai-models"

    /// The directory holding `relativePath` (a package's subdirectory), from `variable` if set.
    /// Throws naming the path looked at when nothing is there.
    public static func directory(variable: String, relativePath: String, environment given: [String: String]? = nil) throws(ModelError) -> String {
        let environment = given ?? ProcessInfo.processInfo.environment
        if let explicit = environment[variable], !explicit.isEmpty {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: explicit, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ModelError(path: explicit, "(from \(variable)) is not a directory")
            }
            return explicit
        }
        let candidates = [installRoot] + sitePackages()
        for root in candidates {
            let path = root + "/" + relativePath
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return path }
        }
        throw ModelError(path: installRoot + "/" + relativePath,
                         "does not exist, nor does \(relativePath) in any site-packages (\(candidates.joined(separator: ", "))); run `make deps` or set \(variable)")
    }

    /// Python's package directories on this host, by the usual Debian and pyenv layouts.
    static func sitePackages() -> [String] {
        var roots: [String] = []
        let fm = FileManager.default
        for parent in ["/usr/local/lib", "/usr/lib"] {
            for name in ((try? fm.contentsOfDirectory(atPath: parent)) ?? []).sorted() where name.hasPrefix("python3") {
                roots.append("\(parent)/\(name)/dist-packages")
                roots.append("\(parent)/\(name)/site-packages")
            }
        }
        let pyenv = (ProcessInfo.processInfo.environment["PYENV_ROOT"] ?? (NSHomeDirectory() + "/.pyenv")) + "/versions"
        for version in ((try? fm.contentsOfDirectory(atPath: pyenv)) ?? []).sorted() {
            for name in ((try? fm.contentsOfDirectory(atPath: "\(pyenv)/\(version)/lib")) ?? []).sorted() where name.hasPrefix("python3") {
                roots.append("\(pyenv)/\(version)/lib/\(name)/site-packages")
            }
        }
        return roots
    }
}
