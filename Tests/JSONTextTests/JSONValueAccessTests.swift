import Foundation
import JSONText
import Testing

@Suite("Reading JSON values, and JSON values through Codable")
struct JSONValueAccessTests {
    @Test("a member by name, the last of a repeated one")
    func memberByName() throws {
        let value = try parse(#"{"a": 1, "b": {"c": "x"}, "a": 2}"#)
        #expect(value["a"] == 2)
        #expect(value["b"]?["c"] == "x")
        #expect(value["missing"] == nil)
        #expect(JSONValue.array([1])["a"] == nil)
        #expect(value.objectValue?.map(\.key) == ["a", "b", "a"])
        #expect(value.uniqueMembersByName.map(\.key) == ["a", "b"])
        #expect(value.uniqueMembersByName.first?.value == 2)
    }

    @Test("each kind's accessor, nil for the other kinds")
    func kinds() throws {
        let value = try parse(#"["s", 2.5, 7, true, null, [1], {}]"#)
        let items = try #require(value.arrayValue)
        #expect(items.map(\.stringValue) == ["s", nil, nil, nil, nil, nil, nil])
        #expect(items.map(\.numberValue) == [nil, 2.5, 7, nil, nil, nil, nil])
        #expect(items.map(\.boolValue) == [nil, nil, nil, true, nil, nil, nil])
        #expect(items[5].arrayValue == [1])
        #expect(items[6].objectValue?.isEmpty == true)
        #expect(items[0].arrayValue == nil && items[0].objectValue == nil)
    }

    @Test("an Int for integral numbers that fit, exactly even past 2^53")
    func integers() throws {
        #expect(try parse("[3, 3.0, 3e0, -0, 9007199254740993, 3.5, 1e300, 99999999999999999999]").arrayValue?.map(\.intValue)
            == [3, 3, 3, 0, 9_007_199_254_740_993, nil, nil, nil])
        #expect(JSONValue.string("3").intValue == nil)
    }

    @Test("numbers from Doubles are RFC 8259 literals")
    func numbersFromDoubles() {
        #expect(JSONValue.number(3) == .number("3"))
        #expect(JSONValue.number(-0.0) == .number("0"))
        #expect(JSONValue.number(0.25) == .number("0.25"))
        #expect(JSONValue.number(1e20) == .number("1e+20"))
        #expect(JSONValue.number(.nan) == .null)
        #expect(JSONValue.number(-.infinity) == .null)
        let literal: JSONValue = 2.5
        #expect(literal == .number("2.5"))
    }

    @Test("equivalence: numbers by value, members in any order, the last of a repeated name")
    func equivalence() throws {
        #expect(try parse(#"{"a": [1e3, -0], "b": true}"#).isEquivalent(to: ["b": true, "a": [1000, 0]]))
        #expect(try parse(#"{"a": 1, "a": 2}"#).isEquivalent(to: ["a": 2]))
        #expect(try parse(#"{"a": 1}"#).isEquivalent(to: ["a": 1, "b": 2]) == false)
        #expect(try parse("[1, 2]").isEquivalent(to: [2, 1]) == false)
        #expect(!JSONValue.string("1").isEquivalent(to: 1))
        // `==` stays structural: order and spelling count.
        #expect(try parse(#"{"a": 1, "b": 2}"#) != ["b": 2, "a": 1])
        #expect(JSONValue.number("1.0") != 1)
    }

    @Test("equal values hash alike")
    func hashing() throws {
        let values: Set<JSONValue> = [try parse(#"{"a": [1, "x"]}"#), ["a": [1, "x"]], ["a": [1, "y"]]]
        #expect(values.count == 2)
    }

    @Test("Codable round trip keeps kinds; integral numbers encode without a fraction")
    func codableRoundTrip() throws {
        let value: JSONValue = ["list": [1, 2.5, "x", true, .null, [:], []], "n": .number("1e2"), "big": .integer(Int64.max)]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        #expect(text == #"{"big":9223372036854775807,"list":[1,2.5,"x",true,null,{},[]],"n":100}"#)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(decoded.isEquivalent(to: value))
        #expect(decoded["list"] == [1, 2.5, "x", true, .null, [:], []])
        #expect(String(decoding: try JSONEncoder().encode(["minItems": 1, "maximum": .number("100.0")] as JSONValue), as: UTF8.self)
            .contains(#""maximum":100"#))
    }

    @Test("decoded inside a Codable type, as the Gemini client's messages hold it")
    func decodedInsideAType() throws {
        struct Call: Codable, Equatable {
            var name: String
            var args: JSONValue?
        }
        let call = try JSONDecoder().decode(Call.self, from: Data(#"{"name": "f", "args": {"q": "x", "n": [1, 2]}}"#.utf8))
        #expect(call.args?["q"] == "x")
        #expect(call.args?["n"]?.arrayValue?.compactMap(\.intValue) == [1, 2])
        // Members come sorted by name, whatever order the decoder lists them in, so the same
        // JSON decodes to the same value every time.
        #expect(call.args?.objectValue?.map(\.key) == ["n", "q"])
        let again = try JSONDecoder().decode(Call.self, from: JSONEncoder().encode(call))
        #expect(again == call)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Call.self, from: Data(#"{"name": "f", "args": }"#.utf8)) }
    }
}
