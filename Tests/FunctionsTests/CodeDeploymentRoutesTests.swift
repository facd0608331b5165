import Foundation
import Functions
import Outpost
import OutpostTesting
import Testing

/// Code deployments through the platform with the repository's wrangler.toml and the real
/// code-executor container: deploy (validated by a real `code.validate` job), invoke (a real
/// `code.execute` run whose stdout CPython computed from the request's body), versions, list,
/// delete, owners, and concurrent deploys of one name.
@Suite("Code deployment routes", .serialized, .heavy)
struct CodeDeploymentRoutesTests {
    static let sum = "import json\ninputs = json.load(open('inputs.json'))\nprint(inputs['a'] + inputs['b'])\n"
    static let product = "import json, os\ninputs = json.loads(os.environ['INPUTS'])\nprint(inputs['a'] * inputs['b'])\n"

    /// Invokes `name` with `inputs` and returns the ended job (waiting past `?wait=` if the
    /// instance was still starting).
    func invoke(_ p: Platform, _ name: String, _ inputs: JSONValue, as caller: HTTPFields = Platform.alice) async throws -> JSONValue {
        try await p.finished("/api/code/deployments/\(name)/invoke", inputs, as: caller)
    }

    /// `(lineno, offset)` of the SyntaxError `python3`'s own `ast.parse` raises for `code`.
    static func cpythonErrorPosition(_ code: String) throws -> (Int, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import ast, sys\ntry:\n ast.parse(sys.argv[1])\nexcept SyntaxError as e:\n print(e.lineno, e.offset)", code]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let numbers = output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(numbers.count == 2, "python3 printed \(output)")
        return (numbers[0], numbers[1])
    }

    func delete(_ p: Platform, _ path: String, as caller: HTTPFields = Platform.alice) async throws -> (Int, JSONValue) {
        let response = await p.t.dispatchFetch(path, method: .delete, headers: caller, body: .empty)
        return (response.status.code, try await response.json())
    }

    @Test func deployInvokeVersionsListDeleteAndOwners() async throws {
        try await Platform.with { p in
            // Bad requests are refused before anything runs or is stored.
            let (badName, badNameError) = try await p.post("/api/code/deploy", ["name": "Calc_1", "language": "python", "code": "print(1)"])
            #expect(badName == 400 && badNameError["error"]?["code"] == "invalid_name", "\(badNameError)")
            let (memory, memoryError) = try await p.post("/api/code/deploy", ["name": "calc", "language": "python", "code": "print(1)", "memoryLimit": 4096])
            #expect(memory == 400 && (memoryError["error"]?["message"]?.stringValue ?? "").contains("memoryLimit"), "\(memoryError)")
            let (oversize, oversizeError) = try await p.post("/api/code/deploy", ["name": "calc", "language": "python", "code": .string(String(repeating: "#", count: 64 * 1024 + 1))])
            #expect(oversize == 413 && oversizeError["error"]?["code"] == "input_too_large", "\(oversizeError)")
            let (withInputs, withInputsError) = try await p.post("/api/code/deploy", ["name": "calc", "language": "python", "code": "print(1)", "inputs": [:]])
            #expect(withInputs == 400 && withInputsError["error"]?["code"] == "invalid_parameter", "\(withInputsError)")
            let (unknown, unknownError) = try await p.post("/api/code/deployments/nothing-here/invoke", ["a": 1])
            #expect(unknown == 404 && unknownError["error"]?["code"] == "deployment_not_found", "\(unknownError)")

            // Version 1 reads its inputs from inputs.json.
            let (created, v1) = try await p.post("/api/code/deploy", ["name": "calc", "language": "python", "code": .string(Self.sum), "timeout": 5, "memoryLimit": 64])
            #expect(created == 201, "\(v1)")
            #expect(v1["name"] == "calc" && v1["version"] == 1 && v1["language"] == "python", "\(v1)")
            #expect(v1["settings"]?["timeout"] == 5 && v1["settings"]?["memoryLimit"] == 64, "\(v1)")
            #expect(v1["findings"]?.arrayValue != nil, "\(v1)")

            let first = try await invoke(p, "calc", ["a": 2, "b": 3])
            #expect(first["status"] == "succeeded", "\(first)")
            #expect(first["type"] == "code.execute")
            #expect(first["result"]?["stdout"] == "5\n", "\(first)")
            #expect(first["params"]?["deployment"] == "calc" && first["params"]?["version"] == 1, "\(first)")
            // The deployment's limits are the run's.
            #expect(first["result"]?["timeoutSeconds"] == 5 && first["result"]?["memoryLimitBytes"] == .number(64 * 1024 * 1024), "\(first)")
            let second = try await invoke(p, "calc", ["a": 10, "b": -4])
            #expect(second["result"]?["stdout"] == "6\n", "\(second)")

            // Version 2 (reading $INPUTS) is what invoke runs from now on.
            let (created2, v2) = try await p.post("/api/code/deploy", ["name": "calc", "language": "python", "code": .string(Self.product)])
            #expect(created2 == 201 && v2["version"] == 2, "\(v2)")
            let third = try await invoke(p, "calc", ["a": 2, "b": 3])
            #expect(third["result"]?["stdout"] == "6\n" && third["params"]?["version"] == 2, "\(third)")

            // A syntax error is a 400 with where it is, and stores nothing.
            let (syntax, syntaxError) = try await p.post("/api/code/deploy", ["name": "calc", "language": "python", "code": "x = 1\ndef broken(:\n    pass\n"])
            #expect(syntax == 400 && syntaxError["error"]?["code"] == "syntax_error", "\(syntaxError)")
            // Where the host's own CPython puts the error.
            let (line, column) = try Self.cpythonErrorPosition("x = 1\ndef broken(:\n    pass\n")
            #expect(line == 2)
            #expect(syntaxError["error"]?["line"] == .number(Double(line)) && syntaxError["error"]?["column"] == .number(Double(column)), "\(syntaxError)")
            let (shown, versions) = try await p.get("/api/code/deployments/calc")
            #expect(shown == 200 && versions["version"] == 2 && versions["versions"]?.arrayValue?.count == 2, "\(versions)")
            #expect(versions["versions"]?.arrayValue?.first?["code"] == .string(Self.sum) && versions["versions"]?.arrayValue?.last?["code"] == .string(Self.product), "\(versions)")
            let (neverStatus, _) = try await p.post("/api/code/deploy", ["name": "never", "language": "python", "code": "def (\n"])
            #expect(neverStatus == 400)
            let (never, _) = try await p.get("/api/code/deployments/never")
            #expect(never == 404)

            // Lists: alice's own; bob sees none of hers; an admin sees everyone's with owners.
            let (listed, list) = try await p.get("/api/code/deployments")
            let calc = list["deployments"]?.arrayValue?.first { $0["name"] == "calc" }
            #expect(listed == 200 && list["deployments"]?.arrayValue?.count == 1, "\(list)")
            #expect(calc?["version"] == 2 && calc?["versions"] == 2 && calc?["owner"] == nil, "\(list)")
            let (_, bobList) = try await p.get("/api/code/deployments", as: Platform.bob)
            #expect(bobList["deployments"]?.arrayValue?.isEmpty == true, "\(bobList)")
            let (_, adminList) = try await p.get("/api/code/deployments", as: Platform.admin)
            #expect(adminList["deployments"]?.arrayValue?.contains { $0["name"] == "calc" && $0["owner"] == "alice" } == true, "\(adminList)")

            // Another user gets 404 for every route of alice's deployment.
            let (bobInvoke, _) = try await p.post("/api/code/deployments/calc/invoke", ["a": 1, "b": 1], as: Platform.bob)
            let (bobShow, _) = try await p.get("/api/code/deployments/calc", as: Platform.bob)
            let (bobDelete, _) = try await delete(p, "/api/code/deployments/calc", as: Platform.bob)
            #expect(bobInvoke == 404 && bobShow == 404 && bobDelete == 404)
            // A non-admin cannot name another owner; an admin can.
            let (bobOwner, _) = try await p.get("/api/code/deployments/calc?owner=alice", as: Platform.bob)
            #expect(bobOwner == 403)
            let (adminShow, adminShown) = try await p.get("/api/code/deployments/calc?owner=alice", as: Platform.admin)
            #expect(adminShow == 200 && adminShown["owner"] == "alice", "\(adminShown)")

            // An invoke body that is not JSON is a 400; one over the inputs limit a 413; neither runs.
            var headers = Platform.alice
            headers[.contentType] = "application/json"
            let notJSON = await p.t.dispatchFetch("/api/code/deployments/calc/invoke", method: .post, headers: headers, body: Body("{a: 1"))
            let notJSONError = try await notJSON.json()
            #expect(notJSON.status.code == 400 && notJSONError["error"]?["code"] == "invalid_inputs", "\(notJSONError)")
            let huge = JSONValue.string(String(repeating: "x", count: 300 * 1024)).serialized()
            let tooLarge = await p.t.dispatchFetch("/api/code/deployments/calc/invoke", method: .post, headers: headers, body: Body(huge))
            #expect(tooLarge.status.code == 413)

            // Delete removes every version; then it is gone.
            let (deleted, deletion) = try await delete(p, "/api/code/deployments/calc")
            #expect(deleted == 200 && deletion["versions"] == 2, "\(deletion)")
            let (afterShow, _) = try await p.get("/api/code/deployments/calc")
            let (afterInvoke, _) = try await p.post("/api/code/deployments/calc/invoke", ["a": 1, "b": 1])
            let (afterDelete, _) = try await delete(p, "/api/code/deployments/calc")
            #expect(afterShow == 404 && afterInvoke == 404 && afterDelete == 404)
            let (_, emptied) = try await p.get("/api/code/deployments")
            #expect(emptied["deployments"]?.arrayValue?.isEmpty == true, "\(emptied)")
            // A version number is never reused for other code: deploying the name again goes on at 3.
            let (again, v3) = try await p.post("/api/code/deploy", ["name": "calc", "language": "python", "code": .string(Self.sum)])
            #expect(again == 201 && v3["version"] == 3, "\(v3)")
            let (viewer, _) = try await p.post("/api/code/deploy", ["name": "calc", "language": "python", "code": "print(1)"], as: Platform.viewer)
            #expect(viewer == 403)
        }
    }

    @Test func concurrentDeploysOfOneNameGetDistinctVersions() async throws {
        try await Platform.with { p in
            let count = 5
            let versions = try await withThrowingTaskGroup(of: (Int, JSONValue).self) { group in
                for i in 0..<count {
                    group.addTask { try await p.post("/api/code/deploy", ["name": "shared", "language": "python", "code": .string("print(\(i))")]) }
                }
                var versions: [Int] = []
                for try await (status, answer) in group {
                    #expect(status == 201, "\(answer)")
                    if let version = answer["version"]?.intValue { versions.append(version) }
                }
                return versions
            }
            #expect(versions.sorted() == Array(1...count), "\(versions)")
            let (_, shown) = try await p.get("/api/code/deployments/shared")
            #expect(shown["versions"]?.arrayValue?.count == count && shown["version"] == .number(Double(count)), "\(shown)")
            // The latest version's code is what runs.
            let latestCode = shown["versions"]?.arrayValue?.last?["code"]?.stringValue ?? ""
            let job = try await invoke(p, "shared", [:])
            #expect(job["status"] == "succeeded" && "print(\(job["result"]?["stdout"]?.stringValue?.trimmingCharacters(in: .newlines) ?? "?"))" == latestCode, "\(job) vs \(latestCode)")
        }
    }
}
