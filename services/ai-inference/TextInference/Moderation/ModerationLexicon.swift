import Foundation

/// The moderation categories' terms (matched as whole lower-case words or phrases) and example
/// sentences (embedding prototypes). Terms aim at abuse aimed at someone, not at subjects: a
/// thriller pitch about a murder is not a threat, so "murder" alone is not a violence term.
enum ModerationLexicon {
    static let terms: [String: [String]] = [
        "harassment": ["idiot", "moron", "loser", "you're pathetic", "you are pathetic", "shut up", "you're worthless", "you are worthless",
                       "nobody likes you", "you're ugly", "you are ugly", "stupid bitch", "dumbass", "go away creep", "you suck", "i will find you",
                       "everyone hates you", "piece of garbage", "piece of trash", "imbecile"],
        "hate": ["subhuman", "vermin", "inferior race", "go back to your country", "exterminate them", "racial purity", "master race",
                 "should be deported", "don't belong here", "animals who", "those people are", "white power", "ethnic cleansing", "degenerates"],
        "sexual": ["porn", "porno", "nude", "nudes", "naked pics", "xxx", "nsfw", "explicit sex", "sex video", "onlyfans", "sexting",
                   "hookup tonight", "erotic", "blowjob", "horny", "send nudes", "strip for"],
        "violence": ["kill you", "i will kill", "i'll kill", "going to kill", "shoot you", "stab you", "beat you up", "blow up the", "bomb the",
                     "slit your throat", "break your legs", "burn your house", "you're dead", "you are dead", "hurt you", "murder you", "shoot up"],
        "self-harm": ["kill myself", "killing myself", "suicide", "suicidal", "end my life", "cut myself", "cutting myself", "self harm",
                      "self-harm", "want to die", "wanna die", "overdose", "no reason to live", "hang myself", "better off dead"],
        "spam": ["click here", "buy now", "free money", "limited offer", "limited time offer", "act now", "you have won", "you won",
                 "winner", "100% free", "risk free", "risk-free", "viagra", "casino", "crypto giveaway", "double your", "work from home",
                 "earn money fast", "dm me", "whatsapp", "telegram", "promo code", "subscribe now", "cheap followers", "make money online"],
    ]

    static let prototypes: [String: [String]] = [
        "harassment": ["You are a worthless idiot and everyone hates you.", "Shut up, you pathetic loser, nobody wants you here.",
                       "You're so ugly and stupid, just disappear.", "I'm going to keep messaging you until you cry, creep."],
        "hate": ["People of that race are subhuman vermin.", "Immigrants are animals and should all be deported.",
                 "That religion is a disease and its followers must be wiped out.", "Gay people are degenerates who don't deserve rights."],
        "sexual": ["Send me nude photos tonight.", "Explicit pornographic sex video, xxx content.",
                   "I want to have sex with you, get naked for me.", "Hot singles want to hook up, adult content inside."],
        "violence": ["I am going to kill you and your family.", "I will shoot you if I see you again.",
                     "We should bomb the building and hurt as many people as possible.", "I'll beat you until you bleed."],
        "self-harm": ["I want to kill myself.", "I've been cutting myself again and I want to die.",
                      "There is no reason to live anymore, I'm going to end my life.", "How many pills does it take to overdose?"],
        "spam": ["Click here to win free money now!!!", "Buy cheap followers, limited time offer, act now!",
                 "Earn $5000 a week working from home, DM me on WhatsApp.", "Congratulations, you have won a free iPhone, claim your prize."],
    ]

    /// Spam's text signals: links, money amounts, shouting and exclamation runs (0…0.9).
    static func spamSignals(_ text: String) -> Double {
        let lower = text.lowercased()
        let links = lower.components(separatedBy: "http").count - 1 + lower.components(separatedBy: "www.").count - 1
        let exclamationRuns = text.components(separatedBy: "!!").count - 1
        let money = text.filter { $0 == "$" || $0 == "€" || $0 == "£" }.count
        let letters = text.filter(\.isLetter)
        let capitals = letters.filter(\.isUppercase).count
        let shouting = letters.count >= 20 && Double(capitals) / Double(letters.count) > 0.6
        var signals = 0
        if links >= 2 { signals += 1 }
        if exclamationRuns >= 1 { signals += 1 }
        if money >= 1 && links >= 1 { signals += 1 }
        if shouting { signals += 1 }
        return [0, 0.3, 0.6, 0.9, 0.9][min(signals, 4)]
    }
}
