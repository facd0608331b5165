import Foundation
import AIInferenceDescriptor
import OutpostJSON
import ServiceKit

/// `classify`'s task and, for `task: labels`, its labels (names or `{"name","description"}`).
struct ClassifyRequest: Sendable {
    enum Task: String, Sendable {
        case sentiment, genre, labels
    }

    var task: Task
    /// For `labels`: each name with its descriptions (empty: the name itself is compared).
    var labels: [(name: String, descriptions: [String])] = []

    init(parameters: JobParameters) throws(ServiceError) {
        let name = (try parameters.string("task") ?? "sentiment").lowercased()
        guard let task = Task(rawValue: name) else { throw ServiceError.invalidParameter("task", "must be sentiment, genre or labels.") }
        self.task = task
        let given = parameters.values["labels"]
        if task != .labels {
            if let given, given != .null { throw ServiceError.invalidParameter("labels", "is only for task labels.") }
            return
        }
        guard case .array(let items)? = given else {
            throw ServiceError.invalidParameter("labels", "is required for task labels: an array of \(AIInferenceDescriptor.labelCount.lowerBound) to \(AIInferenceDescriptor.labelCount.upperBound) names or {\"name\",\"description\"} objects.")
        }
        guard AIInferenceDescriptor.labelCount.contains(items.count) else {
            throw ServiceError.invalidParameter("labels", "must hold \(AIInferenceDescriptor.labelCount.lowerBound) to \(AIInferenceDescriptor.labelCount.upperBound) labels, got \(items.count).")
        }
        var seen = Set<String>()
        for item in items {
            let label: (name: String, descriptions: [String])
            switch item {
            case .string(let text): label = (text, [])
            case .object(let fields):
                guard let text = fields["name"]?.stringValue else { throw ServiceError.invalidParameter("labels", "objects need a \"name\" string.") }
                let description = fields["description"]?.stringValue
                if let value = fields["description"], value != .null, description == nil {
                    throw ServiceError.invalidParameter("labels", "\"description\" must be a string.")
                }
                label = (text, description.map { [$0] }.flatMap { $0.first!.isEmpty ? nil : $0 } ?? [])
            default: throw ServiceError.invalidParameter("labels", "items must be names or {\"name\",\"description\"} objects.")
            }
            let trimmed = label.name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.utf8.count <= 200 else { throw ServiceError.invalidParameter("labels", "names must be 1 to 200 bytes.") }
            guard seen.insert(trimmed.lowercased()).inserted else { throw ServiceError.invalidParameter("labels", "has \"\(trimmed)\" twice.") }
            labels.append((trimmed, label.descriptions))
        }
    }
}
