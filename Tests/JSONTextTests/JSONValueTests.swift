import Foundation
import JSONText
import Testing

@Suite("JSON parsing and writing")
struct JSONValueTests {
    @Test("parses every kind of value and keeps order and literals")
    func parsesValues() throws {
        let value = try parse(#" { "b": [true, false, null], "a": -1.50e+2, "c": "x\ny" } "#)
        #expect(value == ["b": [true, false, .null], "a": .number("-1.50e+2"), "c": "x\ny"])
        #expect(keys(value) == ["b", "a", "c"])
    }

    @Test("booleans are never numbers")
    func booleansAreNotNumbers() throws {
        #expect(try parse("[true, 1, 0, false]") == [.bool(true), .number("1"), .number("0"), .bool(false)])
    }

    @Test("keeps duplicate keys for the validator")
    func keepsDuplicates() throws {
        #expect(keys(try parse(#"{"a": 1, "a": 2}"#)) == ["a", "a"])
    }

    @Test("decodes escapes and surrogate pairs")
    func decodesEscapes() throws {
        let value = try parse(#"["\"\\\/\b\f\n\r\t", "\u00e9\u4e2d", "\ud83d\ude00", "é😀"]"#)
        #expect(value == ["\"\\/\u{8}\u{C}\n\r\t", "é中", "😀", "é😀"])
    }

    @Test("a lone surrogate escape becomes U+FFFD")
    func loneSurrogate() throws {
        #expect(try parse(#"["\ud83d", "\ude00x", "\ud83d\u0041"]"#) == ["\u{FFFD}", "\u{FFFD}x", "\u{FFFD}A"])
    }

    @Test("skips one leading byte order mark")
    func byteOrderMark() throws {
        #expect(try JSONValue(parsing: Data([0xEF, 0xBB, 0xBF]) + Data("{}".utf8)) == [:])
    }

    @Test(
        "refuses what RFC 8259 does not allow",
        arguments: [
            "", "   ", "{", "[1,]", #"{"a":1,}"#, "{a:1}", "'a'", "01", "1.", ".5", "-", "1e", "+1", "NaN",
            "Infinity", "tru", "nul", "[1] x", "{} {}", #""abc"#, "\"a\u{1}b\"", #""\x""#, #""\u12""#,
            #""\u12G4""#, "// c\n{}", "[1 2]", #"{"a" 1}"#,
        ])
    func refusesInvalid(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Data(text.utf8)) }
    }

    @Test("refuses invalid UTF-8 in strings")
    func refusesInvalidUTF8() {
        let body = Data([UInt8(ascii: "\""), 0xC3, 0x28, UInt8(ascii: "\"")])
        #expect(throws: JSONParseError(reason: "invalid UTF-8 in the string", offset: 0)) {
            try JSONValue(parsing: body)
        }
    }

    @Test("says where it stopped")
    func errorOffset() {
        #expect(throws: JSONParseError(reason: "unexpected character '}'", offset: 5)) {
            try JSONValue(parsing: Data(#"{"a":}"#.utf8))
        }
    }

    @Test("bounds nesting")
    func nestingLimit() throws {
        let deepest = String(repeating: "[", count: JSONValue.maxNestingDepth)
            + String(repeating: "]", count: JSONValue.maxNestingDepth)
        _ = try parse(deepest)
        let tooDeep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try parse(tooDeep) }
    }

    @Test("writes compact JSON in the stored order with escapes")
    func writes() {
        let value: JSONValue = ["z": "a\"b\\c\nd\u{1}é😀", "a": [1, true, .null], "m": .integer(Int64.max), "e": [:]]
        #expect(value.jsonString() == #"{"z":"a\"b\\c\nd\u0001é😀","a":[1,true,null],"m":9223372036854775807,"e":{}}"#)
    }

    @Test("written JSON parses back to the same value, with no raw line break")
    func roundTrip() throws {
        let value: JSONValue = ["text": "line 1\r\nline 2\t\u{0}\u{1F}\u{7F}\u{2028}", "list": [[:], []]]
        let data = value.jsonData()
        #expect(!data.contains(0x0A) && !data.contains(0x0D))
        #expect(try JSONValue(parsing: data) == value)
        #expect(try JSONSerialization.jsonObject(with: data) is [String: Any])
    }
}

/// `text` parsed strictly, for the tests of this module.
func parse(_ text: String) throws -> JSONValue {
    try JSONValue(parsing: Data(text.utf8))
}

/// The top-level keys of a JSON object, in order.
private func keys(_ value: JSONValue) -> [String] {
    guard case .object(let members) = value else { return [] }
    return members.map(\.key)
}
