import CareerProto
import Foundation
import TaskContract

/// A request message the gateway decodes from an endpoint's JSON body.
///
/// Decoding is strict, as the spec's conventions say:
/// - The body is one JSON object; anything else is one violation on the empty field.
/// - Types are strict: a number where a string belongs, `"yes"` where a boolean belongs, `1.5`
///   where an integer belongs are refused. `null` means the same as an absent field.
/// - Unknown keys are refused at the top level, in `options`, in `history` items (their
///   `action` included) and in `documentHistory` items; inside `profile` they are dropped at
///   any depth. A key given twice is refused.
/// - Lengths count Unicode scalars (see ``InputLimits``); a NUL character is refused in every
///   string, because C clients of the RPC would cut the string there.
/// - A required string must hold something other than whitespace.
///
/// Every problem in the body is reported at once, in one ``RequestValidationError``.
///
/// Adding an endpoint: conform its request message here, with its keys and field rules in
/// one `decode(jsonBody:)`.
public protocol APIRequest: Sendable {
    /// Decodes and validates a request body, or throws every problem found in it.
    static func decode(jsonBody: Data) throws(RequestValidationError) -> Self
}

// MARK: - POST /api/v1/generate/documents

extension Career_V1_GenerateDocumentsRequest: APIRequest {
    /// `{profile, options: {jobDescription, generateResume=true, generateCoverLetter=true,
    /// resumeLength?, coverLetterLength?, includeSummary=true, tone?, technicality?,
    /// thinkingMode=false, uploadedResume?, uploadedCoverLetter?}}`.
    public static func decode(jsonBody: Data) throws(RequestValidationError) -> Self {
        try RequestReader.decode(jsonBody, keys: ["profile", "options"]) { body, reader in
            var request = Self()
            if let profile = reader.profile(body["profile"], required: true) { request.profile = profile }
            if let options = reader.documentOptions(body["options"]) { request.options = options }
            return request
        }
    }
}

extension RequestReader {
    fileprivate func documentOptions(_ field: Field) -> Career_V1_DocumentOptions? {
        let keys = [
            "jobDescription", "generateResume", "generateCoverLetter", "resumeLength", "coverLetterLength",
            "includeSummary", "tone", "technicality", "thinkingMode", "uploadedResume", "uploadedCoverLetter",
        ]
        guard let object = object(field, keys: keys, unknownKeys: .reject, required: true) else { return nil }
        var options = Career_V1_DocumentOptions()
        options.jobDescription = string(object["jobDescription"], maxLength: InputLimits.maxLongTextLength, required: true)
        let resume = bool(object["generateResume"], default: true)
        let coverLetter = bool(object["generateCoverLetter"], default: true)
        switch (resume, coverLetter) {
        case (true, true): options.documents = .both
        case (true, false): options.documents = .resumeOnly
        case (false, true): options.documents = .coverLetterOnly
        case (false, false):
            report(object.path, "must ask for at least one document: generateResume and generateCoverLetter are both false")
        }
        options.resumeLength = string(object["resumeLength"], maxLength: InputLimits.maxOptionTextLength)
        options.coverLetterLength = string(object["coverLetterLength"], maxLength: InputLimits.maxOptionTextLength)
        options.excludeSummary = !bool(object["includeSummary"], default: true)
        options.tone = string(object["tone"], maxLength: InputLimits.maxOptionTextLength)
        if let technicality = integer(object["technicality"], in: 0...100, issue: "must be an integer from 0 to 100") {
            options.technicality = Int32(technicality)
        }
        options.thinkingMode = bool(object["thinkingMode"], default: false)
        options.uploadedResume = string(object["uploadedResume"], maxLength: InputLimits.maxLongTextLength)
        options.uploadedCoverLetter = string(object["uploadedCoverLetter"], maxLength: InputLimits.maxLongTextLength)
        return options
    }
}

// MARK: - POST /api/v1/coach/chat

extension Career_V1_ChatRequest: APIRequest {
    /// `{message, history?: [{role: "user"|"model", text, action?, turnState?}] (at most 50),
    /// profile, documentHistory?: [{jobTitle, companyName, createdAt}] (at most 5)}`.
    ///
    /// `action` and a non-empty `turnState` belong to model turns only.
    public static func decode(jsonBody: Data) throws(RequestValidationError) -> Self {
        let keys = ["message", "history", "profile", "documentHistory"]
        return try RequestReader.decode(jsonBody, keys: keys) { body, reader in
            var request = Self()
            request.message = reader.string(body["message"], maxLength: InputLimits.maxLongTextLength, required: true)
            request.history = reader.list(body["history"], maxItems: InputLimits.maxHistoryTurns) { reader.chatTurn($0) }
            if let profile = reader.profile(body["profile"], required: true) { request.profile = profile }
            request.documentHistory = reader.list(body["documentHistory"], maxItems: InputLimits.maxDocumentHistory) {
                reader.documentRecord($0)
            }
            return request
        }
    }
}

extension RequestReader {
    fileprivate func chatTurn(_ field: Field) -> Career_V1_ChatTurn? {
        let keys = ["role", "text", "action", "turnState"]
        guard let object = object(field, keys: keys, unknownKeys: .reject) else { return nil }
        var turn = Career_V1_ChatTurn()
        turn.role = choice(object["role"], ["user": Career_V1_ChatRole.user, "model": .model], required: true)
            ?? .unspecified
        // Present and a string; a model turn that only carried an action may have empty text.
        if object["text"].value == nil { report(object["text"].path, "is required") }
        turn.text = string(object["text"], maxLength: InputLimits.maxLongTextLength)
        if let action = coachAction(object["action"]) {
            turn.action = action
        }
        turn.turnState = string(object["turnState"], maxLength: InputLimits.maxTurnStateLength)
        if turn.role == .user {
            if object.isGiven("action") { report(object["action"].path, "is only allowed on model turns") }
            if !turn.turnState.isEmpty { report(object["turnState"].path, "is only allowed on model turns") }
        }
        return turn
    }

    fileprivate func documentRecord(_ field: Field) -> Career_V1_DocumentRecord? {
        let keys = ["jobTitle", "companyName", "createdAt"]
        guard let object = object(field, keys: keys, unknownKeys: .reject) else { return nil }
        var record = Career_V1_DocumentRecord()
        record.jobTitle = string(object["jobTitle"], maxLength: InputLimits.maxProfileStringLength)
        record.companyName = string(object["companyName"], maxLength: InputLimits.maxProfileStringLength)
        record.createdAt = string(object["createdAt"], maxLength: InputLimits.maxProfileStringLength)
        return record
    }
}
