import AppSupport
import Foundation
import Logging
import Testing

@Suite struct LogLineEncoderTests {
    static let noon = LogLineEncoder.Timestamp(secondsSinceEpoch: 1_764_072_000, milliseconds: 7)

    static func parse(_ line: [UInt8]) throws -> [String: Any] {
        #expect(line.last == 0x0A, "a line ends with a newline")
        #expect(line.dropLast().contains(0x0A) == false, "a record is one line")
        let object = try JSONSerialization.jsonObject(with: Data(line))
        return try #require(object as? [String: Any])
    }

    @Test func aRecordIsOneJSONLineWithItsFieldsFirstThenSortedMetadata() throws {
        let line = LogLineEncoder.line(
            timestamp: Self.noon, level: .info, logger: "gateway", message: "request",
            metadata: ["status": "200", "method": "POST", "request_id": "r-1", "latency_ms": .stringConvertible(12)]
        )
        let text = String(decoding: line, as: UTF8.self)
        #expect(text == #"{"ts":"2025-11-25T12:00:00.007Z","level":"info","logger":"gateway","msg":"request","latency_ms":"12","method":"POST","request_id":"r-1","status":"200"}"# + "\n")
        let record = try Self.parse(line)
        #expect(record["status"] as? String == "200")
    }

    @Test func metadataCannotOverwriteTheRecordsOwnFields() throws {
        let line = LogLineEncoder.line(
            timestamp: Self.noon, level: .error, logger: "coach", message: "real",
            metadata: ["msg": "forged", "level": "debug", "ts": "0", "logger": "other", "x": "y"]
        )
        let record = try Self.parse(line)
        #expect(record["msg"] as? String == "real")
        #expect(record["level"] as? String == "error")
        #expect(record["logger"] as? String == "coach")
        #expect(record["ts"] as? String == "2025-11-25T12:00:00.007Z")
        #expect(record.count == 5)
    }

    @Test func everyCharacterSurvivesTheRoundTrip() throws {
        var scalars = (0..<0x80).map { Character(Unicode.Scalar($0)!) }
        scalars += ["é", "ß", "\u{2028}", "\u{2029}", "🚀", "中", "\u{FEFF}", "\u{7F}"]
        let message = String(scalars) + #" "quoted" back\slash /slash"#
        let key = "k\"\\\n\u{1}"
        let line = LogLineEncoder.line(
            timestamp: Self.noon, level: .warning, logger: "l\u{0}g", message: message, metadata: [key: .string(message)]
        )
        let record = try Self.parse(line)
        #expect(record["msg"] as? String == message)
        #expect(record["logger"] as? String == "l\u{0}g")
        #expect(record[key] as? String == message)
        // `/` is written as it is, as before (JSONSerialization with .withoutEscapingSlashes).
        #expect(String(decoding: line, as: UTF8.self).contains(" /slash"))
    }

    @Test func nestedMetadataBecomesArraysAndObjects() throws {
        let line = LogLineEncoder.line(
            timestamp: Self.noon, level: .debug, logger: "g", message: "m",
            metadata: ["nested": .dictionary(["b": .array(["1", .dictionary([:]), .array([])]), "a": "x\ty"])]
        )
        let record = try Self.parse(line)
        let nested = try #require(record["nested"] as? [String: Any])
        #expect(nested["a"] as? String == "x\ty")
        let list = try #require(nested["b"] as? [Any])
        #expect(list.count == 3)
        #expect(list[0] as? String == "1")
        #expect((list[1] as? [String: Any])?.isEmpty == true)
        #expect((list[2] as? [Any])?.isEmpty == true)
        #expect(String(decoding: line, as: UTF8.self).contains(#""nested":{"a":"x\ty","b":["1",{},[]]}"#))
    }

    @Test(arguments: [
        (0, 0, "1970-01-01T00:00:00.000Z"),
        (951_782_400, 999, "2000-02-29T00:00:00.999Z"),
        (1_709_251_199, 50, "2024-02-29T23:59:59.050Z"),
        (1_798_761_599, 123, "2026-12-31T23:59:59.123Z"),
    ])
    func timestampsAreUTCWithMilliseconds(seconds: Int, milliseconds: Int, expected: String) throws {
        let line = LogLineEncoder.line(
            timestamp: .init(secondsSinceEpoch: seconds, milliseconds: milliseconds), level: .info, logger: "g",
            message: "m", metadata: [:]
        )
        let record = try Self.parse(line)
        #expect(record["ts"] as? String == expected)
        // And Foundation reads it back as the same instant.
        let parsed = try Date(expected, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        #expect(abs(parsed.timeIntervalSince1970 - (Double(seconds) + Double(milliseconds) / 1000)) < 0.0005)
    }

    @Test func nowIsTheClock() {
        let before = Date().timeIntervalSince1970
        let now = LogLineEncoder.Timestamp.now()
        let after = Date().timeIntervalSince1970
        let value = Double(now.secondsSinceEpoch) + Double(now.milliseconds) / 1000
        #expect(value >= before - 0.001 && value <= after + 0.001)
        #expect((0..<1000).contains(now.milliseconds))
    }
}
