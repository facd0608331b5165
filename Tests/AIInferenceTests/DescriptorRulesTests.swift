import AIInferenceDescriptor
import OutpostJSON
import ServiceDescriptors
import Testing

/// The descriptor's rules, as the platform applies them at submit: empty text, label counts and
/// sizes are refused before any job exists.
@Suite("AI inference: descriptor rules")
struct DescriptorRulesTests {
    func error(_ operation: String, _ params: [String: JSONValue]) -> ParameterError? {
        do throws(ParameterError) {
            try AIInferenceDescriptor.service.operation(operation)!.validate(params)
            return nil
        } catch {
            return error
        }
    }

    @Test func emptyOrWhitespaceTextIsA400() {
        for operation in ["classify", "moderate", "analyze", "analyze-pitch", "embed"] {
            for text in ["", "  \n\t"] {
                let refused = error(operation, ["text": .string(text)])
                #expect(refused?.name == "text" && refused?.status == 400 && refused?.message.contains("empty") == true, "\(operation): \(String(describing: refused))")
            }
            #expect(error(operation, ["text": "A pitch."]) == nil)
        }
    }

    @Test func labelCountsOutside2To50AreA400AndTextOverItsLimitA413() {
        let labels = { (n: Int) -> JSONValue in .array((0..<n).map { .string("label \($0)") }) }
        #expect(error("classify", ["text": "x", "task": "labels", "labels": labels(1)])?.name == "labels")
        #expect(error("classify", ["text": "x", "task": "labels", "labels": labels(51)])?.name == "labels")
        #expect(error("classify", ["text": "x", "task": "labels", "labels": labels(2)]) == nil)
        #expect(error("classify", ["text": "x", "task": "labels", "labels": labels(50)]) == nil)
        #expect(error("embed", ["texts": .array([])])?.name == "texts")
        let big = error("analyze", ["text": .string(String(repeating: "a", count: AIInferenceDescriptor.maxTextBytes + 1))])
        #expect(big?.name == "text" && big?.status == 413)
    }

    @Test func analyzeTakesExactlyOneOfTextAndKey() {
        for operation in ["analyze", "analyze-pitch"] {
            for params: [String: JSONValue] in [[:], ["text": "A pitch.", "key": "uploads/pitch.md"], ["key": .null, "text": .null]] {
                let refused = error(operation, params)
                #expect(refused?.status == 400 && refused?.description.contains("\"text\"") == true && refused?.description.contains("\"key\"") == true,
                        "\(operation) \(params): \(String(describing: refused))")
            }
            #expect(error(operation, ["key": "uploads/pitch.md"]) == nil)
            #expect(error(operation, ["text": "A pitch."]) == nil)
            #expect(error(operation, ["key": ""])?.name == "key")
        }
    }
}
