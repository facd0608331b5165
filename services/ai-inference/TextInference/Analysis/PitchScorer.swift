import Foundation

/// The pitch score, 0–100, as the sum of six parts, each naming its evidence:
/// - logline (20): labelled 20, a detected central sentence 14, else the first sentence 6;
/// - clarity (20): Flesch reading ease ≥ 60 → 20, 30…60 → 8…20 linearly, below 30 → 5;
/// - genre focus (15): 15 × min(1, top genre score / 0.5);
/// - substance (20): 100–1500 words → 20, 25–100 words linearly 5…20, fewer 2, over 1500 → 15;
/// - specifics (15): 3 points for each kind of pitch fact found — budget, runtime or episodes,
///   audience, comparable titles, cast or crew, format — at most 15;
/// - emotional pull (10): |VADER compound| ≥ 0.3 → 10, else 5.
enum PitchScorer {
    static func score(text: String, logline: PitchReport.Logline?, readability: PitchReport.Readability,
                      topGenre: PitchReport.Genre?, wordCount: Int, compound: Double) -> PitchReport.PitchScore {
        var parts: [PitchReport.ScorePart] = []
        switch logline?.source {
        case "labelled"?: parts.append(.init(name: "logline", points: 20, maxPoints: 20, evidence: "labelled logline: \"\(logline!.text)\""))
        case "central"?: parts.append(.init(name: "logline", points: 14, maxPoints: 20, evidence: "no labelled logline; most central sentence: \"\(logline!.text)\""))
        default: parts.append(.init(name: "logline", points: 6, maxPoints: 20, evidence: "no logline-length sentence found"))
        }
        let ease = readability.fleschReadingEase
        let clarity = ease >= 60 ? 20 : ease >= 30 ? 8 + (ease - 30) / 30 * 12 : 5
        parts.append(.init(name: "clarity", points: round1(clarity), maxPoints: 20,
                           evidence: "Flesch reading ease \(ease), grade \(readability.fleschKincaidGrade)"))
        let top = topGenre?.score ?? 0
        parts.append(.init(name: "genre focus", points: round1(15 * min(1, top / 0.5)), maxPoints: 15,
                           evidence: "top genre \(topGenre?.label ?? "none") at \(top)"))
        let substance: Double = switch wordCount {
        case 100...1500: 20
        case 25..<100: 5 + Double(wordCount - 25) / 75 * 15
        case 1501...: 15
        default: 2
        }
        parts.append(.init(name: "substance", points: round1(substance), maxPoints: 20, evidence: "\(wordCount) words"))
        let facts = specifics(text)
        parts.append(.init(name: "specifics", points: Double(min(15, 3 * facts.count)), maxPoints: 15,
                           evidence: facts.isEmpty ? "no budget, runtime, audience, comparables, cast/crew or format named" : "names " + facts.joined(separator: ", ")))
        parts.append(.init(name: "emotional pull", points: abs(compound) >= 0.3 ? 10 : 5, maxPoints: 10,
                           evidence: "VADER compound \(round3(compound))"))
        let total = Int(parts.reduce(0) { $0 + $1.points }.rounded())
        return .init(total: max(0, min(100, total)), parts: parts)
    }

    /// The kinds of pitch facts a text names, each with the words that showed it.
    static func specifics(_ text: String) -> [String] {
        let lower = " " + TextStatistics.normalizedWords(text).joined(separator: " ") + " "
        let raw = text.lowercased()
        var found: [String] = []
        let kinds: [(String, [String])] = [
            ("budget", ["budget", "million", "financing", "funding", "investment"]),
            ("runtime or episodes", ["minutes", "minute", "episodes", "episode", "runtime", "seasons", "season"]),
            ("audience", ["audience", "audiences", "viewers", "demographic", "fans of", "ages"]),
            ("comparable titles", ["meets", "comparable", "comps", "in the vein of", "in the style of"]),
            ("cast or crew", ["starring", "director", "directed", "cast", "producer", "attached", "showrunner", "writer"]),
            ("format", ["feature film", "feature", "series", "limited series", "miniseries", "short film", "pilot", "documentary series"]),
        ]
        for (name, cues) in kinds {
            if let cue = cues.first(where: { lower.contains(" " + $0 + " ") }) { found.append("\(name) (\"\(cue)\")") }
            else if name == "budget", raw.contains("$") { found.append("budget (\"$\")") }
            else if name == "runtime or episodes", raw.contains("-minute") { found.append("runtime or episodes (\"-minute\")") }
        }
        return found
    }
}
