import AIInferenceDescriptor

/// The genre label set (the descriptor's `genres`) and the descriptions zero-shot genre
/// classification compares a text with: several short pitches per genre, averaged.
enum GenreLabels {
    static let descriptions: [String: [String]] = [
        "drama": ["A serious drama about family conflict, grief and personal struggle.",
                  "An emotional character study of ordinary people facing hard choices in their lives.",
                  "A moving story of loss, addiction and redemption."],
        "comedy": ["A funny comedy full of jokes, awkward situations and laughs.",
                   "A hilarious story of misfits whose silly plans go comically wrong.",
                   "A lighthearted comedy of misunderstandings with witty banter."],
        "thriller": ["A suspenseful thriller about a detective hunting a killer before he strikes again.",
                     "A tense conspiracy where a hunted witness must uncover the truth in time.",
                     "A psychological thriller full of twists, secrets and danger."],
        "horror": ["A terrifying horror story about a haunted house and a demon that hunts the family.",
                   "Teenagers are stalked by a monster in the dark woods; blood, screams and fear.",
                   "A ghost, a curse and a nightmare of supernatural terror."],
        "sci-fi": ["A science fiction story set in space, on a distant planet, with aliens and starships.",
                   "In a dystopian future, robots, artificial intelligence and time travel change humanity.",
                   "Astronauts on a spaceship discover advanced alien technology."],
        "documentary": ["A documentary film with real interviews and archival footage about true events.",
                        "A nonfiction investigation into a real social issue, told by the people who lived it.",
                        "An observational documentary following real scientists, athletes or communities."],
        "romance": ["A romantic love story of two people falling in love against the odds.",
                    "A romance about a couple, a wedding, heartbreak and a second chance at love.",
                    "Two strangers meet, fall for each other and must choose love."],
        "action": ["An action movie with explosions, car chases, gunfights and martial arts.",
                   "An elite soldier fights a team of mercenaries to rescue hostages.",
                   "A high-octane heist with stunts, fights and a race against time."],
        "animation": ["An animated cartoon feature with talking animals and colorful hand-drawn or CGI characters.",
                      "An anime-style animated adventure with magical creatures.",
                      "A stop-motion or computer-animated film for all ages."],
        "family": ["A heartwarming family film for kids and parents about friendship and growing up.",
                   "Children and their dog go on a wholesome adventure that brings the family together.",
                   "A gentle, kid-friendly story about siblings, school and home."],
    ]

    /// The labels in the descriptor's order with their descriptions.
    static var labels: [(name: String, descriptions: [String])] {
        AIInferenceDescriptor.genres.map { ($0, descriptions[$0] ?? []) }
    }
}
