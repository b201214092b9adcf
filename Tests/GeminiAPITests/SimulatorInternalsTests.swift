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

    @Test func serializationEscapesAndOrders() {
        let value = JSON.object(["b": .array([.number(1), .number(2.5), .bool(true), .null]), "a": .string("x\"\\\n\u{1}é")])
        #expect(value.serialized() == #"{"a":"x\"\\\n\u0001é","b":[1,2.5,true,null]}"#)
        #expect(JSON.orderedObject([("z", .number(-3)), ("a", .number(.infinity))]).serialized() == #"{"z":-3,"a":null}"#)
    }
}
