@testable import AIProviders
import OutpostJSON
import Testing

@Suite("Generation request parameters")
struct GenerationRequestTests {
    func parse(_ json: String) throws -> GenerationRequest {
        try GenerationRequest(parameters: JSONValue.parse(json))
    }

    func failure(_ json: String) -> ProviderError? {
        #expect(throws: ProviderError.self) { try parse(json) }
    }

    @Test("a prompt becomes one user message; every optional field is read")
    func prompt() throws {
        let request = try parse(#"{"prompt":"Pitch a thriller.","system":"Be terse.","provider":"anthropic","model":"claude-x","maxTokens":300,"temperature":0.5}"#)
        #expect(request == GenerationRequest(prompt: "Pitch a thriller.", system: "Be terse.", provider: .anthropic, model: "claude-x",
                                             maxTokens: 300, temperature: 0.5))
    }

    @Test("messages keep their roles and order")
    func messages() throws {
        let request = try parse(#"{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Logline?"}],"provider":"openai-compatible"}"#)
        #expect(request.messages.map(\.role) == [.user, .assistant, .user])
        #expect(request.messages.map(\.content) == ["Hi", "Hello", "Logline?"])
        #expect(request.provider == .compat)
    }

    @Test("bad parameters are 400s naming the parameter")
    func badParameters() {
        let cases: [(String, String)] = [
            (#"{}"#, "prompt"),
            (#"{"prompt":"   "}"#, "prompt"),
            (#"{"prompt":42}"#, "prompt"),
            (#"{"prompt":"a","messages":[{"role":"user","content":"b"}]}"#, "messages"),
            (#"{"messages":"hi"}"#, "messages"),
            (#"{"messages":[]}"#, "messages"),
            (#"{"messages":[{"role":"system","content":"only rules"}]}"#, "messages"),
            (#"{"messages":[{"role":"user","content":"a"},{"role":"robot","content":"b"}]}"#, "messages[1].role"),
            (#"{"messages":[{"role":"user"}]}"#, "messages[0].content"),
            (#"{"prompt":"a","provider":"gemini"}"#, "provider"),
            (#"{"prompt":"a","maxTokens":0}"#, "maxTokens"),
            (#"{"prompt":"a","maxTokens":1.5}"#, "maxTokens"),
            (#"{"prompt":"a","maxTokens":100000}"#, "maxTokens"),
            (#"{"prompt":"a","temperature":2.5}"#, "temperature"),
            (#"{"prompt":"a","temperature":"hot"}"#, "temperature"),
            (#"{"prompt":"a","provider":"anthropic","temperature":1.5}"#, "temperature"),
            (#"{"prompt":"a","model":""}"#, "model"),
        ]
        for (json, parameter) in cases {
            let error = failure(json)
            #expect(error?.statusCode == 400, "\(json)")
            #expect(error?.code == "invalid_parameter", "\(json)")
            #expect(error?.message.hasPrefix(parameter + ":") == true, "\(json) → \(error?.message ?? "no error")")
        }
    }

    @Test("input over the limit is a 413 stating the limit")
    func tooLong() {
        let long = String(repeating: "a", count: GenerationRequest.maxInputCharacters + 1)
        let error = failure(#"{"prompt":"\#(long)"}"#)
        #expect(error?.statusCode == 413)
        #expect(error?.message.contains("\(GenerationRequest.maxInputCharacters)") == true)
    }
}
