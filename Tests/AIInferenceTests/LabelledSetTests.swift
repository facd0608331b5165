import AIInferenceDescriptor
import Foundation
import OutpostTesting
import Testing
import TextInference

/// The classifiers on labelled sets written for them (Fixtures/sentiment.json, genre.json,
/// moderation.json), with accuracy floors; the measured figures are printed for the README.
@Suite("AI inference: labelled sets", .serialized, .heavy)
struct LabelledSetTests {
    @Test func sentimentMatchesVaderSentimentAndClearsItsFloor() throws {
        let models = try ModelFixtures.loaded()
        let set = try LabelledSet("sentiment")
        // The Swift port against the Python package, text by text.
        let reference = try ModelFixtures.python("vader_reference.py", input: ["lexiconDir": models.sentiment.directory, "texts": set.texts])
        let compounds = try #require(reference["compound"] as? [Double])
        var predicted: [String] = []
        for (i, text) in set.texts.enumerated() {
            let scores = models.sentiment.scores(text)
            #expect(abs(scores.compound - compounds[i]) < 0.0006, "compound \(scores.compound) vs vaderSentiment \(compounds[i]) for \(text.debugDescription)")
            predicted.append(scores.label)
        }
        let result = ClassificationScores(gold: set.items.map { $0["label"] as! String }, predicted: predicted)
        print("sentiment (VADER) on \(set.items.count) items: \(result)")
        #expect(result.accuracy >= 0.8, "\(result)")
    }

    @Test func genreZeroShotClearsItsFloor() throws {
        let models = try ModelFixtures.loaded()
        let set = try LabelledSet("genre")
        let vectors = models.embedder.embed(set.texts).vectors
        let predicted = vectors.map { models.genres.rank($0)[0].label }
        let gold = set.items.map { $0["label"] as! String }
        #expect(Set(gold).isSubset(of: Set(AIInferenceDescriptor.genres)))
        let result = ClassificationScores(gold: gold, predicted: predicted)
        print("genre (zero-shot) on \(set.items.count) items: \(result)")
        #expect(result.accuracy >= 0.75, "\(result)")
    }

    @Test func moderationClearsItsPrecisionAndRecallFloors() throws {
        let models = try ModelFixtures.loaded()
        let set = try LabelledSet("moderation")
        var overall = DetectionScores()
        var perCategory: [String: DetectionScores] = [:]
        for item in set.items {
            let text = item["text"] as! String
            let gold = Set(item["categories"] as! [String])
            let result = models.moderator.moderate(text)
            overall.add(gold: !gold.isEmpty, predicted: result.flagged)
            for category in AIInferenceDescriptor.moderationCategories {
                perCategory[category, default: DetectionScores()].add(gold: gold.contains(category), predicted: result.categories[category]!.flagged)
            }
        }
        print("moderation on \(set.items.count) items, flagged overall: \(overall)")
        for category in AIInferenceDescriptor.moderationCategories { print("  \(category): \(perCategory[category]!)") }
        #expect(overall.precision >= 0.85 && overall.recall >= 0.85, "\(overall)")
        let categoryF1 = perCategory.values.map(\.f1).reduce(0, +) / Double(perCategory.count)
        #expect(categoryF1 >= 0.75, "mean per-category F1 \(categoryF1)")
    }
}
