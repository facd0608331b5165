import Foundation
import Outpost
import Testing

/// `JSONValue.parse` and `serialized()` agree with Foundation's coders on valid JSON and refuse
/// what is not JSON.
@Suite("JSONValue text")
struct JSONValueTests {
    static let valid = [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #"  [ 1 , -0.5 , 2.5e3 , -1E-2, 0, 123456789012 ]  "#,
        #""esc: \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00""#,
        #"{"ünïcødé":"日本語","empty":{},"list":[]}"#,
        "null", "true", "false", "0", "\"\"",
    ]

    @Test("parses valid JSON to the same value as JSONDecoder")
    func parsesLikeFoundation() throws {
        for text in Self.valid {
            let ours = try JSONValue.parse(text)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(ours == foundation, "\(text)")
        }
    }

    @Test("serializes as JSONCoding.encoder does: compact, sorted keys, slashes unescaped")
    func serializesLikeFoundation() throws {
        for text in Self.valid + [#"{"z":"a/b","y":"\u0001 tab\t","x":[1.25,-3,1e20]}"#] {
            let value = try JSONValue.parse(text)
            let foundation = String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self)
            #expect(value.serialized() == foundation, "\(text)")
            #expect(try JSONValue.parse(value.serialized()) == value)
        }
    }

    @Test("refuses what is not JSON, saying where")
    func refusesInvalid() {
        let invalid = ["", "{", "[1,]", "{\"a\":1,}", "{a:1}", "'x'", "01", "1.", "1e", "-", "tru", "nul", "[1] x", "\"unterminated",
                       "\"\\x\"", "\"\\ud800\"", "\"a\u{01}b\"", "NaN", "[" + String(repeating: "[", count: 600) + String(repeating: "]", count: 601), "1e400"]
        for text in invalid {
            #expect(throws: (any Error).self, "\(text.prefix(20))") { try JSONValue.parse(text) }
        }
    }
}
