import CareerProto
import Foundation
import GenerationTasks
import JSONText
import SwiftProtobuf
import TaskContract
import Testing

/// Every registered task's definition is consistent with the protocol: its shape's members are
/// its request message's JSON names, its methods are declared in `generation.proto` with its
/// messages, and its names are unique.
@Suite struct GenerationTaskRegistryTests {
    /// A body with every member of `shape` given (strings "x", lists of one, booleans true).
    static func fullValue(_ shape: Shape) -> JSONValue {
        switch shape {
        case .named(_, let shape): fullValue(shape)
        case .string: "x"
        case .boolean: true
        case .integer(let range): .integer(range.lowerBound)
        case .choice(let choices): .string(choices[0].value)
        case .translated(let translation): fullValue(translation.shape)
        case .custom: .null
        case .array(let element, _): [fullValue(element)]
        case .object(let object): .object(object.properties.map { ($0.name, fullValue($0.shape)) })
        }
    }

    @Test func everyMemberOfEveryShapeIsAFieldOfItsMessage() throws {
        for definition in GenerationTaskRegistry.textTasks {
            try Self.checkMapping(definition)
        }
    }

    static func checkMapping<T: TextTaskDefinition>(_ definition: T) throws {
        let task = definition.task
        let body = fullValue(.object(task.request))
        // Strict decoding (unknown fields refused): a member the message lacks fails here.
        let message: T.Request = try ShapeMapping.decode(body.jsonData(), task.request)
        // And every member arrives: the message written back as JSON is the body again.
        let back = try JSONValue(parsing: message.jsonUTF8Data())
        #expect(back == body, "\(task.name): \(back.jsonString())")
        // The service's check accepts what the gateway accepted.
        try ShapeMapping.check(message, task.request)
    }

    @Test func everyTasksMethodsAreDeclaredInTheProtoFile() throws {
        let proto = try String(contentsOf: URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Proto/career/v1/generation.proto"), encoding: .utf8)
        let declared = proto.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        for definition in GenerationTaskRegistry.textTasks {
            let task = definition
            let request = Self.requestMessageName(definition)
            #expect(declared.contains("rpc \(task.rpcName)(\(request)) returns (TextAnswer);"), "\(task.name)")
            #expect(declared.contains("rpc Stream\(task.rpcName)(\(request)) returns (stream TextStreamEvent);"), "\(task.name)")
        }
    }

    static func requestMessageName<T: TextTaskDefinition>(_ definition: T) -> String {
        String(T.Request.protoMessageName.split(separator: ".").last ?? "")
    }

    @Test func namesArePathsAndSettingsAreUnique() {
        let tasks = GenerationTaskRegistry.textTasks
        #expect(Set(tasks.map(\.name)).count == tasks.count)
        #expect(Set(tasks.map(\.path)).count == tasks.count)
        #expect(Set(tasks.map(\.rpcName)).count == tasks.count)
        #expect(tasks.map(\.modelSetting).contains("MODEL_THANK_YOU_NOTE"))
    }
}
