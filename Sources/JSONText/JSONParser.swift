import Foundation

/// Why a body is not JSON, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. "unexpected character '}'".
    public var reason: String
    /// The byte offset in the body where the parser stopped.
    public var offset: Int

    public init(reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "\(reason) at byte \(offset)" }
}

extension JSONValue {
    /// Nesting deeper than this many arrays and objects is refused (default 64), so that a
    /// hostile body cannot exhaust the stack of the recursive parser.
    public static let maxNestingDepth = 64

    /// Parses one JSON text strictly, as RFC 8259 writes it.
    ///
    /// - Refused: invalid UTF-8, raw control characters in strings, trailing commas, comments,
    ///   `NaN`, leading zeros, anything after the value, nesting deeper than
    ///   ``maxNestingDepth``.
    /// - Accepted: one leading UTF-8 byte order mark, which is skipped.
    /// - A `\u` escape of a lone UTF-16 surrogate (what `JSON.stringify` writes for a string cut
    ///   in the middle of an emoji) becomes U+FFFD, since a Swift `String` cannot hold it.
    /// - Duplicate keys are kept, in order; refusing them is the validator's job.
    public init(parsing data: Data) throws(JSONParseError) {
        var parser = JSONParser(bytes: [UInt8](data))
        self = try parser.parseDocument()
    }

    /// Parses one JSON text as I-JSON (RFC 7493) asks of its strings: as ``init(parsing:)``,
    /// except that a `\u` escape of a lone surrogate is refused rather than replaced, and a
    /// leading byte order mark is refused rather than skipped. For texts that another party
    /// also reads (a token's claims), where a silent repair would let the two readings differ.
    public init(parsingStrictly data: Data) throws(JSONParseError) {
        var parser = JSONParser(bytes: [UInt8](data), strict: true)
        self = try parser.parseDocument()
    }
}

/// A small recursive-descent parser over the body's bytes.
struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// Reused for every string that needs unescaping.
    private var scratch: [UInt8] = []
    /// Lone surrogate escapes and a byte order mark are errors, not repaired or skipped.
    private let strict: Bool

    init(bytes: [UInt8], strict: Bool = false) {
        self.bytes = bytes
        self.strict = strict
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            if strict { throw fail("a byte order mark before the value") }
            index = 3
        }
        skipWhitespace()
        guard index < bytes.count else { throw fail("the body is empty") }
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected \(describeCurrent()) after the value") }
        return value
    }

    // MARK: Values

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected \(describeCurrent())")
        }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key, found \(describeCurrent())") }
            let key = try parseString()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw fail("expected ':', found \(describeCurrent())") }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            members.append((key: key, value: value))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(members)
            default: throw fail("expected ',' or '}', found \(describeCurrent())")
            }
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(elements)
            default: throw fail("expected ',' or ']', found \(describeCurrent())")
            }
        }
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        if depth > JSONValue.maxNestingDepth {
            throw fail("nesting deeper than \(JSONValue.maxNestingDepth) levels")
        }
    }

    // MARK: Strings

    private mutating func parseString() throws(JSONParseError) -> String {
        let opening = index
        index += 1  // "
        scratch.removeAll(keepingCapacity: true)
        var runStart = index
        while true {
            guard index < bytes.count else {
                index = opening
                throw fail("unterminated string")
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                scratch.append(contentsOf: bytes[runStart..<index])
                index += 1
                guard let string = String(validating: scratch, as: UTF8.self) else {
                    index = opening
                    throw fail("invalid UTF-8 in the string")
                }
                return string
            } else if byte == UInt8(ascii: "\\") {
                scratch.append(contentsOf: bytes[runStart..<index])
                try parseEscape()
                runStart = index
            } else if byte < 0x20 {
                throw fail("unescaped control character in a string")
            } else {
                index += 1
            }
        }
    }

    /// Reads one escape at `index` (the backslash) and appends its UTF-8 to `scratch`.
    private mutating func parseEscape() throws(JSONParseError) {
        index += 1
        guard index < bytes.count else { throw fail("unterminated string") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            var scalar = Unicode.Scalar(0xFFFD)!
            var representable = false
            if (0xD800...0xDBFF).contains(unit) {
                // A high surrogate counts only when a low one follows.
                if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                    let saved = index
                    index += 2
                    let low = try parseHex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        scalar = Unicode.Scalar(value)!
                        representable = true
                    } else {
                        index = saved  // Not a pair: the next escape stands alone.
                    }
                }
            } else if let plain = Unicode.Scalar(UInt32(unit)) {
                scalar = plain  // Anything but a lone low surrogate.
                representable = true
            }
            if strict && !representable { throw fail("a \\u escape of a lone surrogate") }
            scratch.append(contentsOf: String(Character(scalar)).utf8)
        default:
            index -= 1
            throw fail("invalid escape '\\\(Character(Unicode.Scalar(byte)))'")
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        guard index + 4 <= bytes.count else { throw fail("incomplete \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    // MARK: Numbers and literals

    /// Checks RFC 8259's number grammar and returns the literal.
    private mutating func parseNumber() throws(JSONParseError) -> String {
        let start = index
        if peek() == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(peek()) {
            while isDigit(peek()) { index += 1 }
        } else {
            throw fail("invalid number")
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard isDigit(peek()) else { throw fail("invalid number") }
            while isDigit(peek()) { index += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard isDigit(peek()) else { throw fail("invalid number") }
            while isDigit(peek()) { index += 1 }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let text = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard bytes.count - index >= text.count, bytes[index..<index + text.count].elementsEqual(text) else {
            throw fail("unexpected \(describeCurrent())")
        }
        index += text.count
    }

    // MARK: Helpers

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipWhitespace() {
        while let byte = peek(),
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
        {
            index += 1
        }
    }

    private func describeCurrent() -> String {
        guard let byte = peek() else { return "end of input" }
        if byte >= 0x21 && byte < 0x7F { return "character '\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private func fail(_ reason: String) -> JSONParseError {
        JSONParseError(reason: reason, offset: index)
    }
}
