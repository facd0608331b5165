import AIInferenceDescriptor
import OutpostJSON
import ServiceKit

/// Reading the texts of a request: `text` (one, not empty) or `texts` (an array of strings).
enum TextInput {
    /// The required, non-empty `text`.
    static func text(_ parameters: JobParameters) throws(ServiceError) -> String {
        guard let text = try parameters.string("text") else { throw ServiceError.invalidParameter("text", "is required.") }
        guard !text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) else {
            throw ServiceError.invalidParameter("text", "is empty: give some text.")
        }
        return text
    }

    /// `embed`'s texts: `texts` (1 to the limit; an empty string among others is allowed) or a
    /// single non-empty `text`.
    static func texts(_ parameters: JobParameters) throws(ServiceError) -> [String] {
        switch parameters.values["texts"] {
        case nil, .null?:
            guard parameters.values["text"] != nil else { throw ServiceError.invalidParameter("texts", "or text is required.") }
            return [try text(parameters)]
        case .array(let items)?:
            guard parameters.values["text"] == nil else { throw ServiceError.invalidParameter("texts", "and text cannot both be given.") }
            let strings = items.compactMap(\.stringValue)
            guard strings.count == items.count else { throw ServiceError.invalidParameter("texts", "must be an array of strings.") }
            guard !strings.isEmpty, strings.count <= AIInferenceDescriptor.maxTexts else {
                throw ServiceError.invalidParameter("texts", "must hold 1 to \(AIInferenceDescriptor.maxTexts) texts, got \(strings.count).")
            }
            guard strings.contains(where: { !$0.isEmpty }) else { throw ServiceError.invalidParameter("texts", "are all empty: give some text.") }
            return strings
        case let other?:
            throw ServiceError.invalidParameter("texts", "must be an array of strings, got \(other.display).")
        }
    }
}
