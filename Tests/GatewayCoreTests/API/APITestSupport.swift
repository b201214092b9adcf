import CareerProto
import CoachTasks
import Foundation
import GatewayCore
import GenerationTasks
import JSONText
import SwiftProtobuf
import TaskContract
import Testing

/// Decodes `json` as `Request`, expecting success.
func decode<Request: APIRequest>(
    _ type: Request.Type,
    _ json: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> Request {
    do {
        return try Request.decode(jsonBody: Data(json.utf8))
    } catch {
        Issue.record("unexpected violations: \(error.violations)", sourceLocation: sourceLocation)
        throw error
    }
}

/// Decodes `body` as `Request`, expecting a refusal, and returns its violations.
func violations<Request: APIRequest>(
    _ type: Request.Type,
    _ body: Data,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [FieldViolation] {
    do {
        let request = try Request.decode(jsonBody: body)
        Issue.record("expected a refusal, decoded \(request)", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.violations
    }
}

func violations<Request: APIRequest>(
    _ type: Request.Type,
    _ json: String,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [FieldViolation] {
    violations(type, Data(json.utf8), sourceLocation: sourceLocation)
}

func violations<Request: APIRequest>(
    _ type: Request.Type,
    _ json: JSONValue,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [FieldViolation] {
    violations(type, json.jsonData(), sourceLocation: sourceLocation)
}

/// `FieldViolation(field:issue:)`, shorter.
func violation(_ field: String, _ issue: String) -> FieldViolation {
    FieldViolation(field: field, issue: issue)
}

/// The JSON text of a value, for comparing encoder output.
func text(_ data: Data) -> String {
    String(decoding: data, as: UTF8.self)
}

/// The top-level keys of a JSON object, in order.
func keys(_ value: JSONValue) -> [String] {
    guard case .object(let members) = value else { return [] }
    return members.map(\.key)
}

/// The member `key` of a JSON object.
func member(_ value: JSONValue, _ key: String) -> JSONValue? {
    guard case .object(let members) = value else { return nil }
    return members.first { $0.key == key }?.value
}

/// A string of `count` Unicode scalars.
func longString(_ count: Int, of character: Character = "a") -> String {
    String(repeating: character, count: count)
}

/// A request message read from its JSON body by its shape, as its route reads it
/// (``NetworkingTasks``, ``RequestShapes``, ``ChatRequestShape``), so that the decoding and
/// validation tests check that path.
protocol APIRequest: SwiftProtobuf.Message {
    static var shape: RequestShape<Self> { get }
    static func decode(jsonBody: Data) throws(RequestValidationError) -> Self
}

extension APIRequest {
    public static func decode(jsonBody: Data) throws(RequestValidationError) -> Self {
        try shape.decode(jsonBody)
    }
}

extension Career_V1_NetworkingRequest: APIRequest { static var shape: RequestShape<Self> { NetworkingTasks.brief.requestShape } }
extension Career_V1_ParseProfileRequest: APIRequest { static var shape: RequestShape<Self> { ParseProfileTask.definition.request } }
extension Career_V1_AnalyzeApplicationRequest: APIRequest { static var shape: RequestShape<Self> { AnalyzeApplicationTask.definition.request } }
extension Career_V1_CareerPathRequest: APIRequest { static var shape: RequestShape<Self> { PlanCareerPathTask.definition.request } }
extension Career_V1_InterviewQuestionsRequest: APIRequest { static var shape: RequestShape<Self> { InterviewQuestionsTask.definition.request } }
extension Career_V1_GenerateDocumentsRequest: APIRequest { static var shape: RequestShape<Self> { DocumentsTask.request } }
extension Career_V1_ChatRequest: APIRequest { static var shape: RequestShape<Self> { ChatRequestShape.chat } }
