// Swift wrappers over the protobuf-c fixture functions of ProtoInteropFixtures.
import ProtoInteropFixtures
import SwiftProtobuf
import Testing

extension PIFFixture: @retroactive CustomTestStringConvertible {
    /// Every fixture, in C's order.
    static var all: [PIFFixture] {
        (0..<pif_fixture_count()).map { index in
            guard let fixture = PIFFixture(rawValue: .init(index)) else {
                preconditionFailure("C fixture \(index) has no case in PIFFixture")
            }
            return fixture
        }
    }

    /// The C name ("frame_call_start"), which also names the test case.
    public var testDescription: String { pif_fixture_name(self).map { String(cString: $0) } ?? "unknown \(rawValue)" }
}

enum CFixture {
    /// The fixture's size packed by protobuf-c.
    static func packedSize(_ fixture: PIFFixture) -> Int {
        pif_packed_size(fixture)
    }

    /// The fixture packed by protobuf-c into a buffer it mallocs (`pif_pack`, `pif_free`).
    static func pack(_ fixture: PIFFixture) -> [UInt8] {
        var length = 0
        guard let buffer = pif_pack(fixture, &length) else { return [] }
        defer { pif_free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: length))
    }

    /// The fixture packed by protobuf-c into a buffer of `capacity` bytes that Swift owns
    /// (`pif_pack_into`); nil when protobuf-c wrote nothing.
    static func pack(_ fixture: PIFFixture, capacity: Int) -> [UInt8]? {
        var written = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            written = pif_pack_into(fixture, buffer.baseAddress, capacity)
            count = written
        }
        return written == 0 ? nil : bytes
    }

    /// Unpacks `bytes` with protobuf-c and compares every field with the fixture. Returns nil
    /// when equal, otherwise protobuf-c's description of the first difference.
    static func mismatch(_ fixture: PIFFixture, _ bytes: [UInt8]) -> String? {
        var description = [CChar](repeating: 0, count: 2048)
        let equal = bytes.withUnsafeBufferPointer { data in
            description.withUnsafeMutableBufferPointer { out in
                pif_check(fixture, data.baseAddress, data.count, out.baseAddress, out.count)
            }
        }
        if equal == 1 { return nil }
        let text = description.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: text, as: UTF8.self)
    }

    /// The fields of the protocol that no fixture sets to a non-default value.
    static func uncoveredFields() -> [String] {
        var names = [CChar](repeating: 0, count: 16 * 1024)
        let count = names.withUnsafeMutableBufferPointer { pif_uncovered_fields($0.baseAddress, $0.count) }
        let text = String(decoding: names.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let listed = text.split(separator: "\n").map(String.init)
        return count == listed.count ? listed : listed + ["(\(Int(count) - listed.count) more)"]
    }
}

/// A short text-format rendering of a message for failure messages (large fixtures are cut).
func summary(_ message: any SwiftProtobuf.Message) -> String {
    let text = message.textFormatString()
    return text.count <= 3000 ? text : String(text.prefix(3000)) + "… (\(text.utf8.count) bytes in all)"
}
