import CareerProto
import Foundation
import GatewayStore
import GenerationTasks
import JSONText

// The answer messages the gateway writes as endpoints' JSON bodies (``AnswerMessage``): the
// generation tasks' answers write themselves by their shapes (``ShapedAnswer``, next to their
// definitions in GenerationTasks); the coach's (an action only when there is one, in the spec's
// form) is written here.

/// One Server-Sent Event of a streaming answer, before framing: `event: <name>` and one
/// `data: <data>` line (the JSON never holds a raw line break).
public struct APIStreamEvent: Sendable, Equatable {
    /// The name of a text piece (`{"text": …}`, plus `"document"` for documents).
    public static let delta = "delta"
    /// The name of the coach's action (the action's JSON).
    public static let action = "action"
    /// The name of the last event: exactly the JSON the non-streaming call returns.
    public static let done = "done"

    /// `delta`, `action` or `done`.
    public var name: String
    /// The event's JSON.
    public var data: Data
    /// For `done`: what the ledger and the saved copy need, read from the answer message.
    var accounting: AnswerAccounting? {
        get { self.saving?.accounting }
        set { self.saving = Saving(accounting: newValue, coachCareerPath: self.coachCareerPath) }
    }
    /// For the coach's `saveCareerPath` action: the path, saved as the event goes out.
    var coachCareerPath: Career_V1_CareerPathResponse? {
        get { self.saving?.coachCareerPath }
        set { self.saving = Saving(accounting: self.accounting, coachCareerPath: newValue) }
    }

    /// What only the events to save carry (one or two per stream), out of line: inline, they
    /// made every event 328 bytes, and an event is held in the async frame of every stream
    /// waiting on its model. Immutable, so copies of an event share it safely.
    private final class Saving: Sendable {
        let accounting: AnswerAccounting?
        let coachCareerPath: Career_V1_CareerPathResponse?

        init(accounting: AnswerAccounting?, coachCareerPath: Career_V1_CareerPathResponse?) {
            self.accounting = accounting
            self.coachCareerPath = coachCareerPath
        }
    }

    private var saving: Saving?

    public init(name: String, data: Data) {
        self.name = name
        self.data = data
    }

    /// Events are equal when they send the same bytes; the accounting is what they were made of.
    public static func == (lhs: APIStreamEvent, rhs: APIStreamEvent) -> Bool {
        lhs.name == rhs.name && lhs.data == rhs.data
    }

    /// The `done` event of `answer`.
    static func done(_ answer: some AnswerMessage) -> APIStreamEvent {
        var event = APIStreamEvent(name: Self.done, data: answer.jsonBody())
        event.accounting = answer.accounting
        return event
    }
}

/// A streamed RPC message that the gateway forwards as one Server-Sent Event.
public protocol APIStreamEventConvertible: Sendable {
    /// The event, or nil when the message holds none (an empty `oneof`).
    var apiStreamEvent: APIStreamEvent? { get }
}

extension AnswerMessage {
    /// What the ledger and the saved copy need: the model that answered and its usage, and a
    /// career path the answer carries (the coach's), which has its own.
    var accounting: AnswerAccounting {
        AnswerAccounting(model: self.model, usage: self.usage, coachCareerPath: self.carriedCareerPath)
    }
}

// MARK: - Shared parts

extension Career_V1_TextDelta {
    /// `{"text": …}`.
    var jsonValue: JSONValue { ["text": .string(text)] }
}

// MARK: - POST /api/v1/generate/documents

extension Career_V1_DocumentsStreamEvent: APIStreamEventConvertible {
    /// `delta` `{"text": …, "document": "resume"|"coverLetter"}` (no `document` when the
    /// service left it unspecified), or `done` with the documents answer.
    public var apiStreamEvent: APIStreamEvent? {
        switch event {
        case nil:
            return nil
        case .delta(let delta):
            var members: [(key: String, value: JSONValue)] = [(key: "text", value: .string(delta.text))]
            switch delta.document {
            case .resume: members.append((key: "document", value: "resume"))
            case .coverLetter: members.append((key: "document", value: "coverLetter"))
            case .unspecified, .UNRECOGNIZED: break
            }
            return APIStreamEvent(name: APIStreamEvent.delta, data: JSONValue.object(members).jsonData())
        case .done(let answer):
            return .done(answer)
        }
    }
}

// MARK: - POST /api/v1/networking/brief and /api/v1/networking/reach-out

extension Career_V1_TextStreamEvent: APIStreamEventConvertible {
    /// `delta` `{"text": …}`, or `done` with the text answer.
    public var apiStreamEvent: APIStreamEvent? {
        switch event {
        case nil: nil
        case .delta(let delta): APIStreamEvent(name: APIStreamEvent.delta, data: delta.jsonValue.jsonData())
        case .done(let answer): .done(answer)
        }
    }
}

// MARK: - POST /api/v1/coach/chat

extension Career_V1_ChatResponse: AnswerMessage {
    /// The career path of a `saveCareerPath` action.
    public var carriedCareerPath: Career_V1_CareerPathResponse? {
        guard self.hasAction, case .saveCareerPath(let save)? = self.action.kind, save.hasCareerPath else { return nil }
        return save.careerPath
    }

    /// `{text, action?, turnState, model, usage}`; `action` is left out when there is none.
    public var jsonValue: JSONValue {
        var members: [(key: String, value: JSONValue)] = [(key: "text", value: .string(text))]
        if hasAction, let action = action.jsonValue {
            members.append((key: "action", value: action))
        }
        members.append((key: "turnState", value: .string(turnState)))
        members.append((key: "model", value: .string(model)))
        members.append((key: "usage", value: usage.jsonValue))
        return .object(members)
    }
}

extension Career_V1_ChatStreamEvent: APIStreamEventConvertible {
    /// `delta` `{"text": …}`, `action` with the action's JSON, or `done` with the chat answer.
    /// An action message that holds no action gives no event.
    public var apiStreamEvent: APIStreamEvent? {
        switch event {
        case nil:
            return nil
        case .delta(let delta):
            return APIStreamEvent(name: APIStreamEvent.delta, data: delta.jsonValue.jsonData())
        case .action(let action):
            guard let json = action.jsonValue else { return nil }
            var event = APIStreamEvent(name: APIStreamEvent.action, data: json.jsonData())
            if case .saveCareerPath(let save)? = action.kind, save.hasCareerPath { event.coachCareerPath = save.careerPath }
            return event
        case .done(let answer):
            return .done(answer)
        }
    }
}
