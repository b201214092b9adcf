#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONText
import Logging

/// Encodes one log record as a line of JSON, written byte by byte into a buffer.
///
/// Hand-written because it runs once per request in every process: building a Foundation
/// dictionary, formatting the time with `Date.ISO8601FormatStyle` and serializing with
/// `JSONSerialization` took about 30% of the gateway's CPU under load (BENCHMARKS.md, the
/// full-stack profile). The output is the same JSON: `ts`, `level`, `logger` and `msg` first,
/// then the metadata keys in sorted order (a record's own fields win over metadata of the
/// same name), strings escaped as ``JSONValue/writeString(_:to:)`` does, `/` left as it is.
public enum LogLineEncoder {
    static let reservedKeys: Set<String> = ["ts", "level", "logger", "msg"]

    /// The whole line, newline included.
    public static func line(
        timestamp: Timestamp, level: Logger.Level, logger: String, message: String, metadata: Logger.Metadata
    ) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(192 + message.utf8.count)
        out.append(UInt8(ascii: "{"))
        Self.key("ts", into: &out)
        timestamp.appendQuoted(to: &out)
        out.append(UInt8(ascii: ","))
        Self.key("level", into: &out)
        JSONValue.writeString(level.rawValue, to: &out)
        out.append(UInt8(ascii: ","))
        Self.key("logger", into: &out)
        JSONValue.writeString(logger, to: &out)
        out.append(UInt8(ascii: ","))
        Self.key("msg", into: &out)
        JSONValue.writeString(message, to: &out)
        for key in metadata.keys.sorted() where !Self.reservedKeys.contains(key) {
            out.append(UInt8(ascii: ","))
            Self.key(key, into: &out)
            Self.value(metadata[key]!, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        out.append(0x0A)
        return out
    }

    private static func key(_ key: String, into out: inout [UInt8]) {
        JSONValue.writeString(key, to: &out)
        out.append(UInt8(ascii: ":"))
    }

    private static func value(_ value: Logger.Metadata.Value, into out: inout [UInt8]) {
        switch value {
        case .string(let string):
            JSONValue.writeString(string, to: &out)
        case .stringConvertible(let convertible):
            JSONValue.writeString(convertible.description, to: &out)
        case .array(let array):
            out.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.value(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            out.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.key(key, into: &out)
                Self.value(dictionary[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A UTC wall-clock time with milliseconds, written as `2026-11-25T20:47:25.123Z`.
    public struct Timestamp: Sendable, Equatable {
        public var secondsSinceEpoch: Int
        public var milliseconds: Int

        public init(secondsSinceEpoch: Int, milliseconds: Int) {
            self.secondsSinceEpoch = secondsSinceEpoch
            self.milliseconds = milliseconds
        }

        public static func now() -> Timestamp {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            return Timestamp(secondsSinceEpoch: Int(spec.tv_sec), milliseconds: Int(spec.tv_nsec) / 1_000_000)
        }

        func appendQuoted(to out: inout [UInt8]) {
            var seconds = time_t(self.secondsSinceEpoch)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            out.append(UInt8(ascii: "\""))
            Self.digits(Int(parts.tm_year) + 1900, 4, &out)
            out.append(UInt8(ascii: "-"))
            Self.digits(Int(parts.tm_mon) + 1, 2, &out)
            out.append(UInt8(ascii: "-"))
            Self.digits(Int(parts.tm_mday), 2, &out)
            out.append(UInt8(ascii: "T"))
            Self.digits(Int(parts.tm_hour), 2, &out)
            out.append(UInt8(ascii: ":"))
            Self.digits(Int(parts.tm_min), 2, &out)
            out.append(UInt8(ascii: ":"))
            Self.digits(Int(parts.tm_sec), 2, &out)
            out.append(UInt8(ascii: "."))
            Self.digits(self.milliseconds, 3, &out)
            out.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
        }

        /// `value` as exactly `width` decimal digits, zero-padded.
        private static func digits(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
    }
}
