// protobuf-c <-> swift-protobuf interop for every message of Proto/career/v1.
//
// Each fixture is one message built twice, with protobuf-c (Sources/ProtoInteropFixtures) and with
// swift-protobuf (SwiftFixtures.swift). Bytes go both ways and round trip. Maps are compared as
// dictionaries, never as bytes (swift-protobuf writes map entries in Dictionary order, which
// changes from run to run). Nothing here is shared mutable state, so cases run in parallel.
import CareerProto
import Foundation
import ProtoInteropFixtures
import RPCProto
import SwiftProtobuf
import Testing

@Suite("protobuf-c ⇄ swift-protobuf interop")
struct ProtoInteropTests {
    // MARK: Both directions, every fixture

    @Test("protobuf-c bytes decode in Swift to the message built in Swift", arguments: PIFFixture.all)
    func protobufCToSwift(_ fixture: PIFFixture) throws {
        let expected = SwiftFixtures.message(fixture)
        let bytes = CFixture.pack(fixture)
        #expect(!bytes.isEmpty)
        #expect(bytes.count == CFixture.packedSize(fixture))

        let decoded = try type(of: expected).init(serializedBytes: bytes)
        #expect(decoded.isEqualTo(message: expected), "decoded:\n\(summary(decoded))\nexpected:\n\(summary(expected))")
    }

    @Test("Swift bytes unpack in protobuf-c with every field equal", arguments: PIFFixture.all)
    func swiftToProtobufC(_ fixture: PIFFixture) throws {
        let bytes: [UInt8] = try SwiftFixtures.message(fixture).serializedBytes()
        let mismatch = CFixture.mismatch(fixture, bytes)
        #expect(mismatch == nil)
    }

    @Test("protobuf-c packs, Swift decodes and re-serializes, protobuf-c unpacks and checks",
          arguments: PIFFixture.all)
    func roundTrip(_ fixture: PIFFixture) throws {
        // Pack into a buffer Swift owns, exactly the size protobuf-c asks for.
        let size = CFixture.packedSize(fixture)
        let packed = try #require(CFixture.pack(fixture, capacity: size))
        #expect(packed.count == size)
        #expect(packed == CFixture.pack(fixture), "the two protobuf-c pack paths disagree")

        let expected = SwiftFixtures.message(fixture)
        let decoded = try type(of: expected).init(serializedBytes: packed)
        let reserialized: [UInt8] = try decoded.serializedBytes()
        #expect(CFixture.mismatch(fixture, reserialized) == nil)
        #expect(try type(of: expected).init(serializedBytes: reserialized).isEqualTo(message: expected))
    }

    @Test("each C fixture names the same message type as its Swift twin", arguments: PIFFixture.all)
    func messageTypesMatch(_ fixture: PIFFixture) throws {
        let cName = try #require(pif_fixture_message_name(fixture))
        #expect(type(of: SwiftFixtures.message(fixture)).protoMessageName == String(cString: cName))
    }

    // MARK: The fixtures themselves

    @Test("the fixtures are distinct and every one is packable")
    func fixtureTable() {
        let fixtures = PIFFixture.all
        #expect(fixtures.count == Int(pif_fixture_count()))
        #expect(Set(fixtures.map(\.testDescription)).count == fixtures.count)
        for fixture in fixtures {
            #expect(pif_fixture_name(fixture) != nil, "C has no fixture for \(fixture.rawValue)")
            #expect(CFixture.packedSize(fixture) > 0, "\(fixture)")
        }
    }

    @Test("the fixtures set every field of every protocol message at least once")
    func everyFieldIsExercised() {
        let uncovered = CFixture.uncoveredFields()
        #expect(uncovered.isEmpty, "fields no fixture sets: \(uncovered.joined(separator: ", "))")
    }

    @Test("the large CallMessage frame sits just under the 4 MiB frame limit")
    func largeFrameNearTheLimit() throws {
        #expect(Int(PIF_MAX_FRAME_BYTES) == SwiftFixtures.maxFrameBytes)
        #expect(SwiftFixtures.largePayload.count == SwiftFixtures.maxFrameBytes - 64)
        let cSize = CFixture.packedSize(.frameCallMessageLarge)
        let swiftBytes: [UInt8] = try SwiftFixtures.frameCallMessageLarge.serializedBytes()
        let swiftSize = swiftBytes.count
        #expect(cSize == swiftSize)
        #expect(cSize <= SwiftFixtures.maxFrameBytes)
        #expect(cSize > SwiftFixtures.maxFrameBytes - 64)
    }

    @Test("the long string is about 1 MiB of multi-byte UTF-8")
    func longString() {
        let text = SwiftFixtures.parseProfileRequestLong.text
        #expect(SwiftFixtures.longStringUnit.utf8.count == 27)
        #expect(text.utf8.count == 27 * 38_836)
        #expect(text.utf8.count > 1_048_000 && text.utf8.count <= 1_048_576)
        #expect(text.unicodeScalars.count < text.utf8.count)
    }

    @Test("pif_pack_into writes nothing into a buffer one byte too small")
    func packIntoRefusesSmallBuffer() {
        let fixture = PIFFixture.frameStatusError
        let size = CFixture.packedSize(fixture)
        var buffer = [UInt8](repeating: 0xAA, count: size - 1)
        let written = buffer.withUnsafeMutableBufferPointer { pif_pack_into(fixture, $0.baseAddress, $0.count) }
        #expect(written == 0)
        #expect(buffer.allSatisfy { $0 == 0xAA })
    }

    // MARK: Maps

    static let metadataOrders: [[String]] = {
        let keys = SwiftFixtures.frameCallStart.callStart.metadata.keys.sorted()
        let rotations = keys.indices.map { Array(keys[$0...] + keys[..<$0]) }
        return rotations + rotations.map { $0.reversed() }
    }()

    @Test("CallStart.metadata is a map in both libraries, whatever the order on the wire",
          arguments: metadataOrders)
    func metadataInAnyOrder(_ order: [String]) throws {
        let frame = SwiftFixtures.frameCallStart
        let metadata = frame.callStart.metadata
        // CallStart without metadata, then one map entry per key in `order`.
        var callStart = frame.callStart
        callStart.metadata = [:]
        var callStartBytes: [UInt8] = try callStart.serializedBytes()
        for key in order {
            let entry = Career_V1_CallStart.with { $0.metadata = [key: metadata[key]!] }
            callStartBytes += try entry.serializedBytes() as [UInt8]
        }
        // Frame{call_id} followed by field 4 (call_start), length-delimited.
        var frameBytes: [UInt8] = try Career_V1_Frame.with { $0.callID = frame.callID }.serializedBytes()
        frameBytes += [4 << 3 | 2] + varint(callStartBytes.count) + callStartBytes

        #expect(CFixture.mismatch(.frameCallStart, frameBytes) == nil)
        #expect(try Career_V1_Frame(serializedBytes: frameBytes) == frame)
    }

    @Test("the C metadata decodes in Swift to the same dictionary")
    func metadataFromC() throws {
        let decoded = try Career_V1_Frame(serializedBytes: CFixture.pack(.frameCallStart))
        #expect(decoded.callStart.metadata == SwiftFixtures.frameCallStart.callStart.metadata)
        #expect(decoded.callStart.metadata["x-empty"] == "")
        #expect(decoded.callStart.metadata.count == 5)
    }

    // MARK: The protobuf-c checker finds every kind of difference

    @Test("protobuf-c reports a changed field and where it is", arguments: Mutation.all)
    func checkerFindsMismatch(_ mutation: Mutation) throws {
        let bytes = try mutation.bytes()
        let mismatch = try #require(CFixture.mismatch(mutation.fixture, bytes), "protobuf-c saw no difference")
        #expect(mismatch.contains(mutation.report), "report was: \(mismatch)")
    }

    @Test("Swift also tells the mutated messages apart from the fixtures", arguments: Mutation.all)
    func swiftFindsMismatch(_ mutation: Mutation) throws {
        let expected = SwiftFixtures.message(mutation.fixture)
        guard let decoded = try? type(of: expected).init(serializedBytes: mutation.bytes()) else {
            return  // truncated bytes do not decode at all
        }
        #expect(!decoded.isEqualTo(message: expected))
    }
}

/// Base-128 varint, as protobuf writes lengths.
func varint(_ value: Int) -> [UInt8] {
    var value = UInt64(value)
    var bytes: [UInt8] = []
    while value >= 0x80 {
        bytes.append(UInt8(value & 0x7F) | 0x80)
        value >>= 7
    }
    bytes.append(UInt8(value))
    return bytes
}

/// One change to a fixture's Swift bytes, and the text protobuf-c's report must contain.
struct Mutation: Sendable, CustomTestStringConvertible {
    let fixture: PIFFixture
    let change: String
    let report: String
    private let make: @Sendable () throws -> [UInt8]

    var testDescription: String { "\(fixture.testDescription): \(change)" }

    func bytes() throws -> [UInt8] { try make() }

    /// Mutates the Swift twin of `fixture`, then serializes it.
    init<M: SwiftProtobuf.Message>(
        _ fixture: PIFFixture, _ change: String, report: String, _ mutate: @escaping @Sendable (inout M) -> Void
    ) {
        self.fixture = fixture
        self.change = change
        self.report = report
        self.make = {
            guard var message = SwiftFixtures.message(fixture) as? M else {
                preconditionFailure("\(fixture) is not a \(M.self)")
            }
            mutate(&message)
            return try message.serializedBytes()
        }
    }

    /// Edits the serialized Swift twin of `fixture` directly.
    init(_ fixture: PIFFixture, _ change: String, report: String, bytes edit: @escaping @Sendable ([UInt8]) -> [UInt8]) {
        self.fixture = fixture
        self.change = change
        self.report = report
        self.make = { edit(try SwiftFixtures.message(fixture).serializedBytes()) }
    }

    static let all: [Mutation] = [
        // Strings, nested and repeated messages.
        Mutation(.profile, "nested repeated string", report: "Profile.experience[1].achievements[0].text: expected") {
            (p: inout Career_V1_Profile) in p.experience[1].achievements[0].text += "!"
        },
        Mutation(.profile, "one repeated message fewer", report: "Profile.languages: expected 3 element(s), got 2") {
            (p: inout Career_V1_Profile) in p.languages.removeLast()
        },
        Mutation(.profile, "empty string set", report: "Profile.education[1].gpa: expected \"\"") {
            (p: inout Career_V1_Profile) in p.education[1].gpa = "4,0"
        },
        Mutation(.parseProfileRequestLong, "last byte of the 1 MiB string", report: "ParseProfileRequest.text") {
            (r: inout Career_V1_ParseProfileRequest) in r.text.removeLast()
        },
        Mutation(.generateDocumentsResponse, "repeated string element", report: ".warnings[1]: expected \"\"") {
            (r: inout Career_V1_GenerateDocumentsResponse) in r.warnings[1] = " "
        },
        Mutation(.chatStreamEventDone, "deeply nested string",
                 report: "ChatStreamEvent.done.action.save_career_path.career_path.path[0].action_items[1].title") {
            (e: inout Career_V1_ChatStreamEvent) in e.done.action.saveCareerPath.careerPath.path[0].actionItems[1].title += "."
        },
        // Maps.
        Mutation(.frameCallStart, "map value", report: "Frame.call_start.metadata[\"user-id\"]: expected") {
            (f: inout Career_V1_Frame) in f.callStart.metadata["user-id"] = "Zoe Unal"
        },
        Mutation(.frameCallStart, "map entry with an empty value removed",
                 report: "Frame.call_start.metadata[\"x-empty\"]: entry missing") {
            (f: inout Career_V1_Frame) in f.callStart.metadata["x-empty"] = nil
        },
        Mutation(.frameCallStart, "map entry added", report: "Frame.call_start.metadata[\"x-extra\"]: unexpected entry") {
            (f: inout Career_V1_Frame) in f.callStart.metadata["x-extra"] = "1"
        },
        // Bytes.
        Mutation(.frameCallStart, "bytes: one byte", report: "Frame.call_start.payload: expected 256 bytes, got 256 bytes; byte 255") {
            (f: inout Career_V1_Frame) in f.callStart.payload[255] = 0
        },
        Mutation(.frameHello, "bytes: token", report: "Frame.hello.token") {
            (f: inout Career_V1_Frame) in f.hello.token[11] = 0xFE
        },
        Mutation(.frameCallMessageLarge, "4 MiB payload, last byte",
                 report: "Frame.message.payload: expected 4194240 bytes, got 4194240 bytes; byte 4194239") {
            (f: inout Career_V1_Frame) in f.message.payload[f.message.payload.count - 1] ^= 0xFF
        },
        Mutation(.frameCallMessageLarge, "4 MiB payload, one byte shorter",
                 report: "Frame.message.payload: expected 4194240 bytes, got 4194239 bytes") {
            (f: inout Career_V1_Frame) in f.message.payload.removeLast()
        },
        // Integers, bools and enums.
        Mutation(.frameHelloAck, "uint32", report: "Frame.hello_ack.max_concurrent_calls: expected 4294967295, got 4294967294") {
            (f: inout Career_V1_Frame) in f.helloAck.maxConcurrentCalls -= 1
        },
        Mutation(.frameCallStart, "uint64", report: "Frame.call_start.timeout_millis: expected 18446744073709551615, got 0") {
            (f: inout Career_V1_Frame) in f.callStart.timeoutMillis = 0
        },
        Mutation(.framePing, "uint64 opaque", report: "Frame.ping.opaque") {
            (f: inout Career_V1_Frame) in f.ping.opaque = 0xFEDC_BA98_7654_3211
        },
        Mutation(.generateDocumentsResponse, "int64", report: "GenerateDocumentsResponse.usage.output_tokens: expected -9223372036854775808") {
            (r: inout Career_V1_GenerateDocumentsResponse) in r.usage.outputTokens += 1
        },
        Mutation(.analyzeApplicationResponse, "int32", report: "AnalyzeApplicationResponse.fit_score: expected 87, got -87") {
            (r: inout Career_V1_AnalyzeApplicationResponse) in r.fitScore = -87
        },
        Mutation(.framePing, "bool", report: "Frame.ping.ack: expected true, got false") {
            (f: inout Career_V1_Frame) in f.ping.ack = false
        },
        Mutation(.interviewQuestionsResponse, "enum in a repeated message",
                 report: "InterviewQuestionsResponse.questions[1].type: expected 2 (QUESTION_TYPE_TECHNICAL), got 1") {
            (r: inout Career_V1_InterviewQuestionsResponse) in r.questions[1].type = .behavioral
        },
        Mutation(.chatRequest, "enum in a oneof in a repeated message",
                 report: "ChatRequest.history[1].action.navigate_to_coffee_chat.mode: expected 2") {
            (r: inout Career_V1_ChatRequest) in r.history[1].action.navigateToCoffeeChat.mode = .prep
        },
        Mutation(.frameGoAwayUnknownCode, "unknown enum value", report: "Frame.go_away.code: expected 99 (not in the enum), got 98") {
            (f: inout Career_V1_Frame) in f.goAway.code = .UNRECOGNIZED(98)
        },
        Mutation(.healthCheckResponse, "enum", report: "HealthCheckResponse.status: expected 2 (SERVING_STATUS_NOT_SERVING), got 1") {
            (r: inout Career_V1_HealthCheckResponse) in r.status = .serving
        },
        // Oneofs and presence.
        Mutation(.framePing, "Frame.kind member", report: "Frame: oneof: expected member ping, got go_away") {
            (f: inout Career_V1_Frame) in f.goAway = .init()
        },
        Mutation(.generateDocumentsRequest, "technicality 0 made absent",
                 report: "GenerateDocumentsRequest.options: oneof: expected member technicality, got (none)") {
            (r: inout Career_V1_GenerateDocumentsRequest) in r.options.technicalityChoice = nil
        },
        Mutation(.documentOptionsDefaults, "absent technicality set to 0",
                 report: "DocumentOptions: oneof: expected member (none), got technicality") {
            (o: inout Career_V1_DocumentOptions) in o.technicality = 0
        },
        Mutation(.documentOptionsNegativeTechnicality, "negative int32 in a oneof",
                 report: "DocumentOptions.technicality: expected -1, got 1") {
            (o: inout Career_V1_DocumentOptions) in o.technicality = 1
        },
        Mutation(.analyzeApplicationRequestProfile, "AnalyzeApplicationRequest.candidate member",
                 report: "AnalyzeApplicationRequest: oneof: expected member profile, got resume_text") {
            (r: inout Career_V1_AnalyzeApplicationRequest) in r.resumeText = "x"
        },
        Mutation(.chatResponse, "CoachAction.kind member",
                 report: "ChatResponse.action: oneof: expected member update_summary, got navigate_to_resume_generator") {
            (r: inout Career_V1_ChatResponse) in r.action.navigateToResumeGenerator = .init()
        },
        Mutation(.frameStatusOk, "empty submessage made present", report: "Frame.status.details: expected no message, got one") {
            (f: inout Career_V1_Frame) in f.status.details = .init()
        },
        Mutation(.frameStatusError, "submessage removed", report: "Frame.status.details: expected a message, got none") {
            (f: inout Career_V1_Frame) in f.status.clearDetails()
        },
        Mutation(.frameStatusError, "repeated message element", report: "Frame.status.details.field_violations[2].issue") {
            (f: inout Career_V1_Frame) in f.status.details.fieldViolations[2].issue = "must be 0-100 🚀"
        },
        Mutation(.frameStatusError, "repeated usage element", report: "Frame.status.usage[0].prompt_tokens") {
            (f: inout Career_V1_Frame) in f.status.usage[0].promptTokens = 5_000_000_001
        },
        // Raw bytes.
        Mutation(.framePing, "an extra field protobuf-c does not know",
                 report: "Frame: 1 field(s) unknown to protobuf-c, the first is number 111 (wire type 0)") { bytes in
            bytes + varint(111 << 3 | 0) + [0x01]
        },
        Mutation(.frameStatusError, "truncated by one byte", report: "protobuf-c could not unpack") { bytes in
            Array(bytes.dropLast())
        },
    ]
}
