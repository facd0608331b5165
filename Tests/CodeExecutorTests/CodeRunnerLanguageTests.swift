import CodeExecution
import Foundation
import OutpostJSON
import OutpostTesting
import Testing

/// Each language through the runner in process (bubblewrap on this host), checked against what
/// the program must print and, for SQL, against the `sqlite3` command-line shell.
@Suite("Code runner: languages", .serialized, .heavy)
final class CodeRunnerLanguageTests {
    let scratch: TemporaryDirectory
    let runner: CodeRunner

    init() throws {
        scratch = try TemporaryDirectory()
        runner = CodeRunner(scratchDirectory: scratch.path + "/code-executor")
    }

    deinit { scratch.remove() }

    @Test func pythonGetsStdinArgsFilesAndInputs() throws {
        let code = """
        import json, os, sys
        data = json.load(open("inputs.json"))
        env = json.loads(os.environ["INPUTS"])
        words = open("words.txt").read().split()
        print(sys.stdin.read().strip().upper(), sys.argv[1:], data["n"] * 2, env == data, len(words))
        print("to stderr", file=sys.stderr)
        sys.exit(3)
        """
        let result = try runner.run(RunRequest(language: .python, code: code, stdin: "hello\n", args: ["a", "b c"],
                                               files: ["words.txt": "one two three"], inputs: #"{"n": 21}"#))
        #expect(result.stdout == "HELLO ['a', 'b c'] 42 True 3\n", "\(result)")
        #expect(result.stderr == "to stderr\n")
        #expect(result.exitCode == 3)
        #expect(result.signal == nil && !result.timedOut && !result.oomKilled && result.limitExceeded == nil)
        #expect(result.version.hasPrefix("Python 3."))
        #expect(result.wallMs > 0 && result.cpuMs > 0 && result.peakMemoryBytes > 1_000_000)
        // The staging folder is gone after the run.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: scratch.path + "/code-executor/runs")) ?? [] == [])
    }

    @Test func javascriptRunsUnderNode() throws {
        let code = "const fs = require('fs'); const x = JSON.parse(process.env.INPUTS); console.log([1,2,3].map(v => v * x.k).join(','), process.argv.slice(2).join('|'));"
        let result = try runner.run(RunRequest(language: .javascript, code: code, args: ["p", "q"], inputs: #"{"k": 5}"#))
        #expect(result.stdout == "5,10,15 p|q\n", "\(result)")
        #expect(result.exitCode == 0)
        #expect(result.version.hasPrefix("v"))
    }

    @Test func typescriptRunsUnderDeno() throws {
        let result = try runner.run(RunRequest(language: .typescript, code: "interface P { n: number }\nconst p: P = JSON.parse(Deno.env.get('INPUTS') ?? '{}');\nconsole.log(p.n + 1, Deno.args.join(','));",
                                               args: ["t"], inputs: #"{"n": 41}"#, timeoutSeconds: 30))
        #expect(result.stdout == "42 t\n", "\(result)")
        #expect(result.version.hasPrefix("deno 2."))
        let check = try runner.validate(language: .typescript, code: "const x: number = 'text';\n")
        #expect(!check.valid && check.errors.contains("TS2322"), "\(check.errors)")
    }

    @Test func sqlAnswersRowsLikeTheSQLiteShell() throws {
        let schema = "CREATE TABLE pitch (id INTEGER PRIMARY KEY, title TEXT, raised REAL);"
        let seed = "INSERT INTO pitch (title, raised) VALUES ('Alpha', 1.5), ('Beta', 20), ('Gamma', NULL);"
        let code = "SELECT title, raised FROM pitch WHERE raised IS NOT NULL ORDER BY raised DESC;\nSELECT count(*) AS n FROM pitch;"
        let result = try runner.run(RunRequest(language: .sql, code: code, schema: schema, seed: seed))
        #expect(result.exitCode == 0, "\(result)")
        let results = try #require(result.results?.arrayValue)
        #expect(results.count == 2)
        // The sqlite3 shell's own JSON answer for the same database and query.
        let shell = try Shell.run("/usr/bin/sqlite3", ["-json", ":memory:", schema + seed + "SELECT title, raised FROM pitch WHERE raised IS NOT NULL ORDER BY raised DESC;"])
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(shell.utf8)) as? [[String: Any]])
        let first = try #require(results[0].objectValue)
        #expect(first["columns"] == ["title", "raised"])
        let rows = try #require(first["rows"]?.arrayValue)
        #expect(rows.count == expected.count)
        for (row, want) in zip(rows, expected) {
            #expect(row.arrayValue?[0].stringValue == want["title"] as? String)
            #expect(row.arrayValue?[1].doubleValue == (want["raised"] as? NSNumber)?.doubleValue)
        }
        #expect(results[1].objectValue?["rows"] == [[3]])
    }

    @Test func sqlErrorNamesTheLine() throws {
        let result = try runner.run(RunRequest(language: .sql, code: "SELECT 1;\nSELECT * FROM missing;"))
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("main.sql:2: no such table: missing"), "\(result.stderr)")
    }

    @Test func goCompilesOnceThenComesFromTheCache() throws {
        let code = "package main\nimport (\"fmt\"; \"os\")\nfunc main() { fmt.Println(\"go says\", len(os.Args)-1) }\n"
        let first = try runner.run(RunRequest(language: .go, code: code, args: ["x"], timeoutSeconds: 30))
        #expect(first.stdout == "go says 1\n", "\(first)")
        #expect(first.compileCached == false && !first.compileError)
        let second = try runner.run(RunRequest(language: .go, code: code, args: ["x", "y"], timeoutSeconds: 30))
        #expect(second.stdout == "go says 2\n")
        #expect(second.compileCached == true)
        #expect(second.version.hasPrefix("go version go1."))
    }

    @Test func rustCompilesAndACompileErrorIsACompletedRun() throws {
        let ok = try runner.run(RunRequest(language: .rust, code: "fn main() { let v: Vec<u64> = (1..=10).collect(); println!(\"sum {}\", v.iter().sum::<u64>()); }", timeoutSeconds: 30))
        #expect(ok.stdout == "sum 55\n", "\(ok)")
        let broken = try runner.run(RunRequest(language: .rust, code: "fn main() { let x: u32 = \"text\"; }", timeoutSeconds: 30))
        #expect(broken.compileError)
        #expect(broken.compileOutput?.contains("mismatched types") == true, "\(broken.compileOutput ?? "")")
        #expect(broken.compileOutput?.contains("main.rs:1") == true)
        #expect(broken.exitCode == nil && broken.stdout.isEmpty)
    }

    @Test func validateUsesEachParserAndFlagsDangerousLines() throws {
        let python = try runner.validate(language: .python, code: "import os\nx = 1\nos.system('ls')\ndef f(:\n  pass\n")
        #expect(!python.valid)
        #expect(python.errors.contains("main.py:4"), "\(python.errors)")
        #expect(python.findings.contains { $0.line == 3 && $0.rule == "process-spawn" })
        let javascript = try runner.validate(language: .javascript, code: "const cp = require('child_process');\nconsole.log(1);\n")
        #expect(javascript.valid, "\(javascript.errors)")
        #expect(javascript.findings.map(\.line) == [1])
        let badJS = try runner.validate(language: .javascript, code: "function (\n")
        #expect(!badJS.valid && badJS.errors.contains("SyntaxError"))
        let sql = try runner.validate(language: .sql, code: "SELECT 1;\nSELEC 2;\nSELECT * FROM not_created_yet;")
        #expect(!sql.valid)
        #expect(sql.errors.contains("main.sql:2"), "\(sql.errors)")
        #expect(!sql.errors.contains("main.sql:3"))
        let go = try runner.validate(language: .go, code: "package main\nimport \"os/exec\"\nfunc main() { exec.Command(\"ls\") }\n")
        #expect(go.valid, "\(go.errors)")
        #expect(go.findings.contains { $0.line == 2 && $0.rule == "process-spawn" })
        let badGo = try runner.validate(language: .go, code: "package main\nfunc main() {\n")
        #expect(!badGo.valid && badGo.errors.contains("main.go:"))
    }
}

/// A trusted command-line tool's stdout.
enum Shell {
    static func run(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
