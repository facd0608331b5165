import Foundation
import OutpostTesting
import Testing

/// Hostile programs as real runs of the real service, started like a container instance
/// (outpost-sandbox, its own uid, `--nested`). Each asserts the run failed safely, the next run
/// works, and the host is unchanged. The observed outcomes are listed in
/// services/code-executor/README.md.
@Suite("Code executor: escape attempts (sandboxed instance)", .serialized, .heavy)
struct CodeExecutorEscapeTests {
    /// A run that must work after every escape attempt.
    static func expectHealthy(_ service: ServiceProcess, after name: String) async throws {
        let result = try await service.execute(["language": "python", "code": "print(6 * 7)"])
        #expect(result["stdout"] as? String == "42\n", "after \(name): \(result)")
        #expect(result["exitCode"] as? Int == 0)
    }

    static func python(_ service: ServiceProcess, _ code: String, timeout: Double = 5, memory: Int = 128) async throws -> [String: Any] {
        try await service.execute(["language": "python", "code": code, "timeout": timeout, "memoryLimit": memory])
    }

    @Test func filesystemEscapesFail() async throws {
        let service = try ServiceProcess.sandboxedCodeExecutor()
        try await service.waitUntilReady()
        let marker = "pwned-" + UUID().uuidString

        // /etc/shadow, the instance's scratch (state), the host's /tmp and the service's environment.
        let reads = try await Self.python(service, """
        import os
        for path in ["/etc/shadow", "/scratch", "/tmp", "\(service.scratch.path)", "/etc/passwd"]:
            try:
                if os.path.isdir(path):
                    print(path, "LISTED", os.listdir(path))
                else:
                    print(path, "READ", open(path).read()[:40])
            except OSError as e:
                print(path, "DENIED", type(e).__name__)
        envs = []
        for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
            try:
                envs.append(open("/proc/%s/environ" % pid, "rb").read())
            except OSError:
                pass
        print("PROCESSES", len([p for p in os.listdir("/proc") if p.isdigit()]))
        print("SERVICE_ENV_SEEN", any(b"JOB_CONCURRENCY" in e or b"PORT=" in e for e in envs))
        print("ROOT", sorted(os.listdir("/")))
        """)
        let out = reads["stdout"] as? String ?? ""
        print("escape reads:\n\(out)")
        #expect(out.contains("/etc/shadow DENIED FileNotFoundError"), "\(reads)")
        #expect(out.contains("/scratch DENIED FileNotFoundError"))
        #expect(out.contains("/tmp DENIED FileNotFoundError"))
        #expect(out.contains("\(service.scratch.path) DENIED FileNotFoundError"))
        #expect(out.contains("/etc/passwd DENIED FileNotFoundError"))
        #expect(out.contains("SERVICE_ENV_SEEN False"))
        let processes = out.split(separator: "\n").first { $0.hasPrefix("PROCESSES ") }.flatMap { Int($0.dropFirst(10)) } ?? 99
        #expect(processes <= 3, "the run sees only its own processes: \(out)")
        // /opt holds only /opt/deno (TypeScript), mapped read-only when installed.
        let opt = FileManager.default.fileExists(atPath: "/opt/deno") ? "'opt', " : ""
        #expect(out.contains("ROOT ['bin', 'dev', 'etc', 'lib', 'lib64', \(opt)'proc', 'sbin', 'usr', 'work']"), "\(out)")
        try await Self.expectHealthy(service, after: "reads")

        // Writes outside the work directory.
        let writes = try await Self.python(service, """
        import os
        for path in ["/\(marker)", "/usr/\(marker)", "/etc/\(marker)", "/program/\(marker)", "/dev/\(marker)", "/tmp/\(marker)", "/scratch/\(marker)"]:
            try:
                open(path, "w").write("x")
                print(path, "WROTE")
            except OSError as e:
                print(path, "DENIED", type(e).__name__)
        open("/work/inside.txt", "w").write("fine")
        print("WORK", open("/work/inside.txt").read())
        """)
        let written = writes["stdout"] as? String ?? ""
        print("escape writes:\n\(written)")
        #expect(!written.contains("WROTE"), "\(writes)")
        #expect(written.contains("WORK fine"))
        for path in ["/" + marker, "/usr/" + marker, "/etc/" + marker, "/tmp/" + marker, service.scratch.path + "/" + marker] {
            #expect(!FileManager.default.fileExists(atPath: path), "\(path) exists on the host")
        }
        try await Self.expectHealthy(service, after: "writes")

        // Another run's files: a run leaves a secret in its work directory and stays alive; a
        // second run, at the same time, looks for it everywhere it can see.
        let secret = "secret-" + UUID().uuidString
        async let holder = Self.python(service, "open('/work/secret.txt','w').write('\(secret)')\nprint('written', flush=True)\nimport time\ntime.sleep(3)", timeout: 4)
        try await Task.sleep(for: .milliseconds(300))
        let seeker = try await Self.python(service, """
        import os
        needle = ("\(secret.prefix(10))" + "\(secret.dropFirst(10))").encode()  # not in this source as one piece
        found = []
        for top in ["/work", "/program", "/dev", "/etc", "/tmp", "/scratch"]:
            for root, dirs, files in os.walk(top):
                for f in files:
                    path = os.path.join(root, f)
                    if os.path.islink(path) or not os.path.isfile(path):
                        continue  # device nodes (a pty master would block)
                    try:
                        if needle in open(path, "rb").read(1 << 16):
                            found.append(path)
                    except OSError:
                        pass
        print("FOUND", found)
        """, timeout: 10)
        let held = try await holder
        #expect(held["stdout"] as? String == "written\n", "\(held)")
        #expect(seeker["stdout"] as? String == "FOUND []\n", "\(seeker)")
        try await Self.expectHealthy(service, after: "another run's files")
        try await service.stop()
    }

    @Test func privilegeEscapesFail() async throws {
        let service = try ServiceProcess.sandboxedCodeExecutor()
        try await service.waitUntilReady()
        let result = try await Self.python(service, """
        import ctypes, ctypes.util, os, subprocess
        libc = ctypes.CDLL(None, use_errno=True)
        def attempt(name, call):
            rc = call()
            print(name, "rc=%d errno=%s" % (rc, os.strerror(ctypes.get_errno()) if rc < 0 else "-"))
        attempt("mount", lambda: libc.mount(b"none", b"/work", b"tmpfs", 0, None))
        attempt("ptrace", lambda: libc.ptrace(16, 1, 0, 0))
        attempt("unshare-user", lambda: libc.unshare(0x10000000))
        attempt("unshare-net", lambda: libc.unshare(0x40000000))
        attempt("init_module", lambda: libc.syscall(175, None, 0, b""))
        attempt("finit_module", lambda: libc.syscall(313, 0, b"", 0))
        attempt("setuid0", lambda: libc.setuid(0))
        for cmd in (["/usr/bin/su", "root", "-c", "id"], ["/usr/bin/unshare", "-r", "id"], ["/bin/mount", "-t", "tmpfs", "none", "/work"]):
            try:
                p = subprocess.run(cmd, capture_output=True, timeout=5)
                print(cmd[0], "exit", p.returncode)
            except OSError as e:
                print(cmd[0], "cannot start", type(e).__name__)
        print("uid", os.getuid(), "euid", os.geteuid())
        """)
        let out = result["stdout"] as? String ?? ""
        print("escape privileges:\n\(out)")
        for name in ["mount", "ptrace", "unshare-user", "unshare-net", "init_module", "finit_module"] {
            #expect(out.contains("\(name) rc=-1 errno=Operation not permitted"), "\(name): \(out) \(result["stderr"] ?? "")")
        }
        #expect(!out.contains("setuid0 rc=0") || out.contains("uid 1000 euid 1000"), "\(out)")
        #expect(!out.contains("/usr/bin/su exit 0"), "\(out)")
        #expect(!out.contains("/usr/bin/unshare exit 0"), "\(out)")
        #expect(!out.contains("/bin/mount exit 0"), "\(out)")
        #expect(out.contains("uid 1000 euid 1000"), "\(out)")
        try await Self.expectHealthy(service, after: "privileges")
        try await service.stop()
    }

    @Test func resourceExhaustionIsAStoppedRun() async throws {
        let service = try ServiceProcess.sandboxedCodeExecutor()
        try await service.waitUntilReady()

        let bomb = try await Self.python(service, "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", timeout: 3)
        print("escape bomb: limit=\(bomb["limitExceeded"] ?? "none") exit=\(bomb["exitCode"] ?? "-") signal=\(bomb["signal"] ?? "-") oomKilled=\(bomb["oomKilled"] ?? "-") timedOut=\(bomb["timedOut"] ?? "-") wallMs=\(bomb["wallMs"] ?? "-") peak=\(bomb["peakMemoryBytes"] ?? "-") stdoutBytes=\(bomb["stdoutBytes"] ?? "-") stderr=\(String(describing: bomb["stderr"] ?? "").suffix(120))")
        // Stopped by a limit (the memory watchdog sums every process's resident memory, so a
        // bomb usually trips it before the timeout), its whole tree killed.
        #expect(["timeout", "memory"].contains(bomb["limitExceeded"] as? String ?? ""), "\(bomb)")
        #expect(bomb["signal"] as? String == "SIGKILL")
        #expect((bomb["wallMs"] as? Double ?? 1e9) < 30_000)
        try await Self.expectHealthy(service, after: "fork bomb")

        let hog = try await Self.python(service, "x = bytearray(1 << 30)\nprint('allocated')", memory: 64)
        print("escape hog: limit=\(hog["limitExceeded"] ?? "none") exit=\(hog["exitCode"] ?? "-") signal=\(hog["signal"] ?? "-") oomKilled=\(hog["oomKilled"] ?? "-") timedOut=\(hog["timedOut"] ?? "-") wallMs=\(hog["wallMs"] ?? "-") peak=\(hog["peakMemoryBytes"] ?? "-") stdoutBytes=\(hog["stdoutBytes"] ?? "-") stderr=\(String(describing: hog["stderr"] ?? "").suffix(120))")
        #expect(hog["stdout"] as? String == "", "\(hog)")
        #expect((hog["stderr"] as? String ?? "").contains("MemoryError") || hog["oomKilled"] as? Bool == true, "\(hog)")
        #expect(hog["limitExceeded"] as? String == "memory", "\(hog)")
        #expect((hog["exitCode"] as? Int ?? 0) != 0 || hog["signal"] != nil)
        let touching = try await Self.python(service, "chunks = []\nwhile True:\n    chunks.append(b'x' * (1 << 20))", memory: 64)
        print("escape touching: limit=\(touching["limitExceeded"] ?? "none") exit=\(touching["exitCode"] ?? "-") signal=\(touching["signal"] ?? "-") oomKilled=\(touching["oomKilled"] ?? "-") timedOut=\(touching["timedOut"] ?? "-") wallMs=\(touching["wallMs"] ?? "-") peak=\(touching["peakMemoryBytes"] ?? "-") stdoutBytes=\(touching["stdoutBytes"] ?? "-") stderr=\(String(describing: touching["stderr"] ?? "").suffix(120))")
        #expect((touching["stderr"] as? String ?? "").contains("MemoryError") || touching["oomKilled"] as? Bool == true, "\(touching)")
        let nodeHog = try await service.execute(["language": "javascript", "code": "const a = []; while (true) a.push(Buffer.alloc(1 << 20, 1));", "memoryLimit": 64, "timeout": 20])
        print("escape nodeHog: limit=\(nodeHog["limitExceeded"] ?? "none") exit=\(nodeHog["exitCode"] ?? "-") signal=\(nodeHog["signal"] ?? "-") oomKilled=\(nodeHog["oomKilled"] ?? "-") timedOut=\(nodeHog["timedOut"] ?? "-") wallMs=\(nodeHog["wallMs"] ?? "-") peak=\(nodeHog["peakMemoryBytes"] ?? "-") stdoutBytes=\(nodeHog["stdoutBytes"] ?? "-") stderr=\(String(describing: nodeHog["stderr"] ?? "").suffix(120))")
        #expect(nodeHog["oomKilled"] as? Bool == true, "\(nodeHog)")
        #expect(nodeHog["limitExceeded"] as? String == "memory")
        #expect(nodeHog["signal"] as? String == "SIGKILL")
        try await Self.expectHealthy(service, after: "memory hog")

        let loop = try await Self.python(service, "while True:\n    pass", timeout: 1)
        print("escape loop: limit=\(loop["limitExceeded"] ?? "none") exit=\(loop["exitCode"] ?? "-") signal=\(loop["signal"] ?? "-") oomKilled=\(loop["oomKilled"] ?? "-") timedOut=\(loop["timedOut"] ?? "-") wallMs=\(loop["wallMs"] ?? "-") peak=\(loop["peakMemoryBytes"] ?? "-") stdoutBytes=\(loop["stdoutBytes"] ?? "-") stderr=\(String(describing: loop["stderr"] ?? "").suffix(120))")
        #expect(loop["timedOut"] as? Bool == true && loop["signal"] as? String == "SIGKILL", "\(loop)")
        #expect((loop["wallMs"] as? Double ?? 0) >= 1000)
        try await Self.expectHealthy(service, after: "infinite loop")

        let sleeper = try await Self.python(service, "import time\ntime.sleep(60)", timeout: 1)
        print("escape sleeper: limit=\(sleeper["limitExceeded"] ?? "none") exit=\(sleeper["exitCode"] ?? "-") signal=\(sleeper["signal"] ?? "-") oomKilled=\(sleeper["oomKilled"] ?? "-") timedOut=\(sleeper["timedOut"] ?? "-") wallMs=\(sleeper["wallMs"] ?? "-") peak=\(sleeper["peakMemoryBytes"] ?? "-") stdoutBytes=\(sleeper["stdoutBytes"] ?? "-") stderr=\(String(describing: sleeper["stderr"] ?? "").suffix(120))")
        #expect(sleeper["timedOut"] as? Bool == true, "\(sleeper)")
        #expect((sleeper["wallMs"] as? Double ?? 1e9) < 30_000)
        try await Self.expectHealthy(service, after: "sleep")

        // A busy child outlives its parent: the run ends with the parent, the child with it.
        let tag = "orphan-" + UUID().uuidString
        let orphan = try await Self.python(service, "import os\nif os.fork() == 0:\n    os.execv('/usr/bin/python3', ['python3', '-c', 'while True: pass', '\(tag)'])\nprint('parent done')", timeout: 20)
        print("escape orphan: limit=\(orphan["limitExceeded"] ?? "none") exit=\(orphan["exitCode"] ?? "-") signal=\(orphan["signal"] ?? "-") oomKilled=\(orphan["oomKilled"] ?? "-") timedOut=\(orphan["timedOut"] ?? "-") wallMs=\(orphan["wallMs"] ?? "-") peak=\(orphan["peakMemoryBytes"] ?? "-") stdoutBytes=\(orphan["stdoutBytes"] ?? "-") stderr=\(String(describing: orphan["stderr"] ?? "").suffix(120))")
        #expect(orphan["stdout"] as? String == "parent done\n", "\(orphan)")
        #expect(orphan["timedOut"] as? Bool == false)
        #expect(Self.hostProcesses(containing: tag) == [], "the orphan survived its run")
        #expect(Self.hostProcesses(containing: "os.fork()") == [], "a fork bomb process survived its run")
        try await Self.expectHealthy(service, after: "orphan")

        let flood = try await Self.python(service, "import sys\nchunk = 'y' * (1 << 20)\nfor _ in range(100):\n    sys.stdout.write(chunk)", timeout: 30)
        print("escape flood: limit=\(flood["limitExceeded"] ?? "none") exit=\(flood["exitCode"] ?? "-") signal=\(flood["signal"] ?? "-") oomKilled=\(flood["oomKilled"] ?? "-") timedOut=\(flood["timedOut"] ?? "-") wallMs=\(flood["wallMs"] ?? "-") peak=\(flood["peakMemoryBytes"] ?? "-") stdoutBytes=\(flood["stdoutBytes"] ?? "-") stderr=\(String(describing: flood["stderr"] ?? "").suffix(120))")
        #expect(flood["stdoutTruncated"] as? Bool == true, "\(flood["stdoutBytes"] ?? "")")
        #expect(flood["stdoutBytes"] as? Int == 100 << 20)
        #expect((flood["stdout"] as? String)?.utf8.count == flood["outputCapBytes"] as? Int)
        #expect(flood["exitCode"] as? Int == 0)
        try await Self.expectHealthy(service, after: "100 MB of output")
        try await service.stop()
    }

    @Test func networkIsUnreachable() async throws {
        let listener = try HostListener()
        let service = try ServiceProcess.sandboxedCodeExecutor()
        try await service.waitUntilReady()
        let result = try await Self.python(service, """
        import socket
        for port in (\(listener.port), \(service.port)):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=3).close()
                print(port, "CONNECTED")
            except OSError as e:
                print(port, "REFUSED", type(e).__name__)
        try:
            print("DNS", socket.getaddrinfo("example.com", 80))
        except OSError as e:
            print("DNS FAILED", type(e).__name__)
        import os
        print("INTERFACES", sorted(os.listdir("/sys/class/net")) if os.path.exists("/sys/class/net") else "none")
        """, timeout: 15)
        let out = result["stdout"] as? String ?? ""
        print("escape network:\n\(out)")
        #expect(out.contains("\(listener.port) REFUSED"), "\(result)")
        #expect(out.contains("\(service.port) REFUSED"))
        #expect(out.contains("DNS FAILED"))
        #expect(listener.acceptPending() == 0)
        let node = try await service.execute(["language": "javascript", "timeout": 10, "code": """
        const net = require('net');
        const s = net.connect(\(listener.port), '127.0.0.1');
        s.on('connect', () => { console.log('CONNECTED'); s.end(); });
        s.on('error', e => console.log('ERROR', e.code));
        require('dns').lookup('example.com', (e, a) => console.log('DNS', e ? e.code : a));
        """])
        #expect((node["stdout"] as? String ?? "").contains("ERROR ECONNREFUSED"), "\(node)")
        #expect(!(node["stdout"] as? String ?? "").contains("CONNECTED"))
        #expect(listener.acceptPending() == 0)
        // This instance shares the host network (no egress proxy): allowNetworking is a 400 before anything runs.
        let refused = try await ServiceHTTP.postJSON(service.baseURL + "/jobs/execute", ["params": ["language": "python", "code": "print(1)", "allowNetworking": true]])
        #expect(refused.status == 400 && refused.text.contains("egress proxy"), "\(refused.text)")
        try await Self.expectHealthy(service, after: "network")
        try await service.stop()
    }

    @Test func otherLanguagesAreBoundTheSameWay() async throws {
        let service = try ServiceProcess.sandboxedCodeExecutor()
        try await service.waitUntilReady()
        let node = try await service.execute(["language": "javascript", "code": """
        const fs = require('fs');
        for (const p of ['/etc/shadow', '/scratch', '/tmp/x']) { try { fs.readFileSync(p); console.log(p, 'READ'); } catch (e) { console.log(p, e.code); } }
        try { fs.writeFileSync('/usr/x', 'x'); console.log('WROTE'); } catch (e) { console.log('write', e.code); }
        try { require('child_process').execFileSync('/usr/bin/unshare', ['-r', 'id']); console.log('UNSHARED'); } catch (e) { console.log('unshare failed'); }
        """])
        let nodeOut = node["stdout"] as? String ?? ""
        #expect(nodeOut.contains("/etc/shadow ENOENT") && nodeOut.contains("/scratch ENOENT"), "\(node)")
        #expect(nodeOut.contains("write EROFS"))
        #expect(nodeOut.contains("unshare failed"))
        let go = try await service.execute(["language": "go", "timeout": 30, "code": """
        package main
        import ("fmt"; "os"; "net"; "time")
        func main() {
            _, err := os.ReadFile("/etc/shadow"); fmt.Println("shadow", err != nil)
            err = os.WriteFile("/usr/x", []byte("x"), 0644); fmt.Println("write", err != nil)
            _, err = net.DialTimeout("tcp", "127.0.0.1:\(service.port)", 3*time.Second); fmt.Println("dial", err != nil)
        }
        """])
        #expect(go["stdout"] as? String == "shadow true\nwrite true\ndial true\n", "\(go)")
        let goLoop = try await service.execute(["language": "go", "timeout": 1, "code": "package main\nfunc main() { for {} }\n"])
        print("escape goLoop: limit=\(goLoop["limitExceeded"] ?? "none") exit=\(goLoop["exitCode"] ?? "-") signal=\(goLoop["signal"] ?? "-") oomKilled=\(goLoop["oomKilled"] ?? "-") timedOut=\(goLoop["timedOut"] ?? "-") wallMs=\(goLoop["wallMs"] ?? "-") peak=\(goLoop["peakMemoryBytes"] ?? "-") stdoutBytes=\(goLoop["stdoutBytes"] ?? "-") stderr=\(String(describing: goLoop["stderr"] ?? "").suffix(120))")
        #expect(goLoop["timedOut"] as? Bool == true, "\(goLoop)")
        try await Self.expectHealthy(service, after: "other languages")
        try await service.stop()
    }

    /// Host processes whose command line holds `text`.
    static func hostProcesses(containing text: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        return pids.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(text)
        }
    }
}
