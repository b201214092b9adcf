import CareerProto
import CoachTasks
import Foundation
import GatewayCore
import GenerationTasks
import JSONText
import SwiftProtobuf
import TaskContract

/// Fuzzes the gateway's request decoding and validation: the `decode(jsonBody:)` each
/// `/api/v1` route runs on the body before anything else.
///
/// Input: byte 0 picks the endpoint (``endpoints``, modulo their count), the rest is the body.
/// Checked:
/// - decoding returns a message or throws ``RequestValidationError`` (typed throws make anything
///   else impossible; traps and hangs are what the fuzzer looks for), listing at most
///   `InputLimits.maxReportedViolations` problems plus the "and N more" line;
/// - a body that is not JSON is one violation on the body itself;
/// - a body that is JSON gives the same outcome as its canonical re-writing
///   (`JSONValue.jsonData()`), which parses back to an equal value;
/// - an accepted message holds no NUL character in any string.
public enum RequestDecodingHarness {
    /// The routes' paths (relative to `/api/v1`) and their request types, in `AIRoutes` order,
    /// then every task of ``GenerationTaskRegistry``, read by its shape as its route reads it.
    public static let endpoints: [(path: String, check: @Sendable (Data) -> Bool)] = Self.handWritten + Self.defined

    private static let handWritten: [(path: String, check: @Sendable (Data) -> Bool)] = [
        ("generate/documents", { check(DocumentsTask.request, $0) }),
        ("profile/parse", { check(ParseProfileTask.definition.request, $0) }),
        ("analyze/application", { check(AnalyzeApplicationTask.definition.request, $0) }),
        ("career/path", { check(PlanCareerPathTask.definition.request, $0) }),
        ("interview/questions", { check(InterviewQuestionsTask.definition.request, $0) }),
        ("coach/chat", { check(ChatRequestShape.chat, $0) }),
    ]

    private static let defined: [(path: String, check: @Sendable (Data) -> Bool)] = GenerationTaskRegistry.textTasks.map { task in
        (task.path, { @Sendable body in check(task, body) })
    }

    /// Checks one input; true when the endpoint accepted the body.
    @discardableResult
    public static func run(_ data: [UInt8]) -> Bool {
        guard let selector = data.first else { return false }
        return Self.endpoints[Int(selector) % Self.endpoints.count].check(Data(data.dropFirst()))
    }

    /// Whether any string in the JSON text, once unescaped, holds a NUL. Read from the parsed
    /// value rather than searched in the text: `"a\\\\u0000"` (an escaped backslash, then
    /// `u0000`) holds no NUL, and a text search mistook it for one.
    public static func holdsNUL(jsonText: String) -> Bool {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(jsonText.utf8), options: [.fragmentsAllowed])
        else { return false }
        return holdsNUL(parsed)
    }

    private static func holdsNUL(_ value: Any) -> Bool {
        switch value {
        case let string as String: string.unicodeScalars.contains("\u{0}")
        case let array as [Any]: array.contains(where: holdsNUL)
        case let object as [String: Any]: object.contains { holdsNUL($0.key) || holdsNUL($0.value) }
        default: false
        }
    }

    static func check<Request>(_ shape: RequestShape<Request>, _ body: Data) -> Bool {
        Self.check(body) { body throws(RequestValidationError) -> Request in try shape.decode(body) }
    }

    static func check<Definition: TextTaskDefinition>(_ definition: Definition, _ body: Data) -> Bool {
        let shape = definition.task.request
        return Self.check(body) { body throws(RequestValidationError) -> Definition.Request in try ShapeMapping.decode(body, shape) }
    }

    static func check<Request: SwiftProtobuf.Message>(
        _ body: Data, decode: (Data) throws(RequestValidationError) -> Request
    ) -> Bool {
        func decoded(_ body: Data) -> Result<Request, RequestValidationError> {
            Result { () throws(RequestValidationError) -> Request in try decode(body) }
        }
        let outcome = decoded(body)
        switch outcome {
        case .failure(let error):
            invariant(!error.violations.isEmpty, "a validation error without violations")
            invariant(
                error.violations.count <= InputLimits.maxReportedViolations + 1,
                "\(error.violations.count) violations listed, more than the limit"
            )
        case .success(let request):
            let json = (try? request.jsonString()) ?? ""
            invariant(!Self.holdsNUL(jsonText: json), "an accepted request holds a NUL character: \(json)")
        }

        let value: JSONValue
        do {
            value = try JSONValue(parsing: body)
        } catch {
            guard case .failure(let refusal) = outcome, refusal.violations.count == 1,
                refusal.violations[0].field.isEmpty
            else {
                fatalError("fuzz invariant violated: a body that is not JSON gave \(outcome)")
            }
            return false
        }
        let canonical = value.jsonData()
        do {
            let reparsed = try JSONValue(parsing: canonical)
            invariant(reparsed == value, "the canonical text parses to a different value")
        } catch {
            fatalError("fuzz invariant violated: the canonical text of a parsed body does not parse: \(error)")
        }
        let canonicalOutcome = decoded(canonical)
        invariant(Self.same(canonicalOutcome, outcome), "the canonical text decodes differently: \(outcome) / \(canonicalOutcome)")
        if case .success = outcome { return true } else { return false }
    }

    /// Equal outcomes: the same refusal, or messages with the same fields.
    private static func same<Request: SwiftProtobuf.Message>(
        _ first: Result<Request, RequestValidationError>, _ second: Result<Request, RequestValidationError>
    ) -> Bool {
        switch (first, second) {
        case (.success(let a), .success(let b)): a.isEqualTo(message: b)
        case (.failure(let a), .failure(let b)): a == b
        default: false
        }
    }
}
