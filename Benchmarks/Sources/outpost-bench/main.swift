// Runs the benchmark suites named on the command line (all of them when none is given).
// Each suite lives in its own file and registers itself in `BenchSuites.all`.

let requested = Array(CommandLine.arguments.dropFirst())
let known = BenchSuites.all.map(\.name)
if requested.contains("--list") {
    print(known.joined(separator: "\n"))
} else {
    let unknown = requested.filter { !known.contains($0) }
    if !unknown.isEmpty {
        print("unknown suite(s): \(unknown.joined(separator: ", ")); known: \(known.joined(separator: ", "))")
    } else {
        for suite in BenchSuites.all where requested.isEmpty || requested.contains(suite.name) {
            print("== \(suite.name) ==")
            try await suite.run()
        }
    }
}
