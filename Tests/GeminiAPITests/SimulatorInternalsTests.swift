import JSONText
import Testing

@testable import GeminiSimulatorCore

/// The simulator's answers must stay the same from run to run and release to release: these
/// pin the pieces its determinism rests on.
@Suite struct SimulatorInternalsTests {
    @Test func theHashIsFNV1aAndCanContinueFromAPrefix() {
        // FNV-1a 64 reference values.
        #expect(stableHash("") == 0xcbf2_9ce4_8422_2325)
        #expect(stableHash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(stableHash("foobar") == 0x8594_4171_f739_67e8)
        let prompt = String(repeating: "a long prompt é🚀 ", count: 200)
        for path in ["$", "$.questions[2].text", ""] {
            #expect(stableHash(path, continuing: stableHash("|", continuing: stableHash(prompt))) == stableHash(prompt + "|" + path))
        }
    }

    @Test func snakeCaseIsTheSameOnBothPaths() {
        #expect(RequestShape.snakeCase("responseMimeType") == "response_mime_type")
        #expect(RequestShape.snakeCase("already_snake") == "already_snake")
        #expect(RequestShape.snakeCase("URL") == "_u_r_l")
        #expect(RequestShape.snakeCase("") == "")
        // Non-ASCII names take the Unicode path.
        #expect(RequestShape.snakeCase("naïveName") == "naïve_name")
        #expect(RequestShape.snakeCase("ÉtéNom") == "_été_nom")
    }

    /// What the prompt's hash reads of a request's free JSON: members sorted by name at every
    /// level (the last of a repeated name), whatever order the client's encoder wrote them in.
    @Test func hashedJSONIsSortedByNameAndEscaped() {
        let value: JSONValue = ["b": [.number(1), .number(2.5), true, .null, ["y": 1, "x": 2, "y": 3]], "a": "x\"\\\n\u{1}é"]
        #expect(value.sortedByName.jsonString() == #"{"a":"x\"\\\n\u0001é","b":[1,2.5,true,null,{"x":2,"y":3}]}"#)
        #expect(JSONValue.object([("z", .number(-3)), ("a", .number(.infinity))]).jsonString() == #"{"z":-3,"a":null}"#)
    }
}
