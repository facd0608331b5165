@testable import Outpost
import Testing

/// `allowedHosts` / `deniedHosts` as Cloudflare decides them, and the proxy's request heads: no I/O.
@Suite("Egress policy")
struct EgressPolicyTests {
    @Test(arguments: [
        ("*.example.com", "api.example.com", true),
        ("*.example.com", "a.b.example.com", true),
        ("*.example.com", "example.com", false),
        ("*.example.com", "evilexample.com", false),
        ("api.openai.com", "API.OpenAI.com.", true),
        ("api.openai.com", "api.openai.com.evil.net", false),
        ("*", "anything.at.all", true),
        ("api.*.com", "api.stripe.com", true),
        ("api.*.com", "api.stripe.net", false),
        ("10.0.*", "10.0.3.4", true),
        ("::1", "[::1]", true),
        ("a*b*c", "abc", true),
        ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxcyyb", false),
    ])
    func globMatching(pattern: String, host: String, matches: Bool) {
        #expect(HostPattern(pattern).matches(host) == matches, "\(pattern) vs \(host)")
    }

    @Test func deniedHostsWinOverEverything() {
        let policy = EgressPolicy(enableInternet: true, allowedHosts: ["*.example.com"], deniedHosts: ["secret.example.com"])
        #expect(policy.decision(for: "secret.example.com") == .blocked(.denied(HostPattern("secret.example.com"))))
        #expect(policy.decision(for: "api.example.com") == .allowed(.allowedHost(HostPattern("*.example.com"))))
    }

    @Test func allowedHostsAreAnAllowlistEvenWithInternet() {
        let policy = EgressPolicy(enableInternet: true, allowedHosts: ["api.openai.com"])
        #expect(policy.decision(for: "api.openai.com").isAllowed)
        #expect(policy.decision(for: "example.org") == .blocked(.notAllowed))
        #expect(policy.isRestricted)
    }

    @Test func allowedHostsReachOutWithoutInternet() {
        let policy = EgressPolicy(enableInternet: false, allowedHosts: ["api.anthropic.com"])
        #expect(policy.decision(for: "api.anthropic.com").isAllowed)
        #expect(policy.decision(for: "example.org") == .blocked(.notAllowed))
    }

    @Test func withoutListsEnableInternetDecides() {
        #expect(EgressPolicy(enableInternet: true).decision(for: "example.org") == .allowed(.internet))
        #expect(!EgressPolicy(enableInternet: true).isRestricted, "the default needs no proxy")
        #expect(EgressPolicy(enableInternet: false).decision(for: "example.org") == .blocked(.noInternet))
        let deniedOnly = EgressPolicy(enableInternet: true, deniedHosts: ["*.tracker.net"])
        #expect(deniedOnly.decision(for: "example.org") == .allowed(.internet))
        #expect(deniedOnly.decision(for: "ads.tracker.net") == .blocked(.denied(HostPattern("*.tracker.net"))))
        #expect(deniedOnly.isRestricted)
    }

    @Test func firstMatchingPatternIsTheRuleReported() {
        let policy = EgressPolicy(deniedHosts: ["*.net", "evil.net"])
        #expect(policy.decision(for: "evil.net") == .blocked(.denied(HostPattern("*.net"))))
    }

    @Test func containerDefaultsMatchCloudflare() {
        let options = ContainerStartOptions()
        #expect(options.allowedHosts.isEmpty && options.deniedHosts.isEmpty && options.enableInternet)
        #expect(!options.egressPolicy.isRestricted)
    }

    @Test func absoluteFormRequestIsRewrittenToOriginForm() throws {
        let head = "GET http://api.example.com:8080/v1/models?x=1 HTTP/1.1\r\nHost: api.example.com:8080\r\nProxy-Connection: keep-alive\r\nProxy-Authorization: Basic eA==\r\nConnection: keep-alive\r\nAccept: */*"
        let request = try EgressRequest.parse(Array(head.utf8))
        #expect(request.host == "api.example.com" && request.port == 8080)
        guard case .forward(let upstream) = request.kind else { Issue.record("not a forward"); return }
        #expect(String(decoding: upstream, as: UTF8.self)
                == "GET /v1/models?x=1 HTTP/1.1\r\nHost: api.example.com:8080\r\nAccept: */*\r\nConnection: close\r\n\r\n")
    }

    @Test func connectAndDefaults() throws {
        let connect = try EgressRequest.parse(Array("CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443".utf8))
        #expect(connect == EgressRequest(kind: .connect, host: "api.openai.com", port: 443))
        let plain = try EgressRequest.parse(Array("GET http://example.org HTTP/1.1\r\nHost: example.org".utf8))
        #expect(plain.host == "example.org" && plain.port == 80)
        let v6 = try EgressRequest.parse(Array("CONNECT [::1]:8443 HTTP/1.1".utf8))
        #expect(v6.host == "::1" && v6.port == 8443)
    }

    @Test(arguments: ["GET /path HTTP/1.1", "CONNECT example.org HTTP/1.1", "CONNECT example.org:99999 HTTP/1.1",
                      "GET https://example.org/ HTTP/1.1", "nonsense", "GET http:/// HTTP/1.1"])
    func unreadableHeadsAreRefused(line: String) {
        #expect(throws: EgressRequest.Malformed.self) { try EgressRequest.parse(Array((line + "\r\nHost: x").utf8)) }
    }
}
