import Foundation
import OutpostTesting

/// A labelled fixture (`Fixtures/<name>.json`: an array of objects) and the scores tests report.
struct LabelledSet {
    let items: [[String: Any]]

    init(_ name: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: ModelFixtures.directory + "/" + name + ".json"))
        guard let items = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { throw TestFailure("\(name).json is not an array of objects") }
        self.items = items
    }

    var texts: [String] { items.map { $0["text"] as? String ?? "" } }
}

/// Accuracy and per-class F1 of predictions against gold labels.
struct ClassificationScores: CustomStringConvertible {
    let accuracy: Double
    let f1: [String: Double]
    var macroF1: Double { f1.values.reduce(0, +) / Double(max(1, f1.count)) }

    init(gold: [String], predicted: [String]) {
        accuracy = Double(zip(gold, predicted).filter { $0 == $1 }.count) / Double(max(1, gold.count))
        var f1: [String: Double] = [:]
        for label in Set(gold) {
            let tp = Double(zip(gold, predicted).filter { $0 == label && $1 == label }.count)
            let fp = Double(zip(gold, predicted).filter { $0 != label && $1 == label }.count)
            let fn = Double(zip(gold, predicted).filter { $0 == label && $1 != label }.count)
            let precision = tp + fp > 0 ? tp / (tp + fp) : 0, recall = tp + fn > 0 ? tp / (tp + fn) : 0
            f1[label] = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        }
        self.f1 = f1
    }

    var description: String {
        String(format: "accuracy %.3f, macro-F1 %.3f (", accuracy, macroF1)
            + f1.keys.sorted().map { String(format: "%@ %.2f", $0, f1[$0]!) }.joined(separator: ", ") + ")"
    }
}

/// Precision and recall of a binary decision.
struct DetectionScores: CustomStringConvertible {
    var truePositives = 0, falsePositives = 0, falseNegatives = 0, trueNegatives = 0

    mutating func add(gold: Bool, predicted: Bool) {
        switch (gold, predicted) {
        case (true, true): truePositives += 1
        case (false, true): falsePositives += 1
        case (true, false): falseNegatives += 1
        case (false, false): trueNegatives += 1
        }
    }

    var precision: Double { truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives) }
    var recall: Double { truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives) }
    var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    var description: String { String(format: "precision %.3f, recall %.3f, F1 %.3f (tp %d, fp %d, fn %d)", precision, recall, f1, truePositives, falsePositives, falseNegatives) }
}
