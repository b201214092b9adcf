/// One problem with one field of a request body.
public struct FieldViolation: Sendable, Hashable, CustomStringConvertible {
    /// The field's path in the body as the frontend names it: `profile.experience[0].title`,
    /// `options.technicality`, `history[3].role`. Empty when the problem is the body itself
    /// (not JSON, not an object).
    public var field: String
    /// What is wrong, as a sentence that follows the field's name: "must be a string",
    /// "is required", "must be at most 5000 characters".
    public var issue: String

    public init(field: String, issue: String) {
        self.field = field
        self.issue = issue
    }

    public var description: String { field.isEmpty ? issue : "\(field) \(issue)" }
}

/// A refused request body, with every problem found in it (400 `INVALID_ARGUMENT`).
///
/// Decoding never stops at the first problem: one answer lists them all, in the order they
/// appear in the body, up to ``InputLimits/maxReportedViolations`` (then one last entry with an
/// empty field says how many more there were).
public struct RequestValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Never empty.
    public var violations: [FieldViolation]

    public init(violations: [FieldViolation]) {
        precondition(!violations.isEmpty, "a validation error names at least one problem")
        self.violations = violations
    }

    public var description: String {
        "invalid request: " + violations.map(\.description).joined(separator: "; ")
    }
}

/// The bounds every request is held to: the one table that the gateway's validation, the
/// services' own checks and the OpenAPI document all read. Lengths count Unicode scalars (code
/// points), as JSON Schema's `maxLength` does, so the document states the same numbers; an
/// emoji with a skin tone counts as two (``InputLimits/length(of:)``).
public enum InputLimits {
    /// A string's length as every limit counts it: Unicode scalars.
    public static func length(of text: String) -> Int {
        text.unicodeScalars.count
    }

    /// Any string in the profile, and every other short free-text field (roles, document
    /// history entries, a career path's fields) (default 5,000).
    public static let maxProfileStringLength = 5_000
    /// Any list in the profile, and the lists of a career path (default 100).
    public static let maxListItems = 100
    /// `jobDescription`, `text`, `resumeText`, `counterpartInfo`, `uploadedResume`,
    /// `uploadedCoverLetter`, `message` and each history turn's `text` (default 20,000).
    public static let maxLongTextLength = 20_000
    /// `tone`, `resumeLength` and `coverLetterLength` (default 100).
    public static let maxOptionTextLength = 100
    /// Chat turns before the new message (default 50).
    public static let maxHistoryTurns = 50
    /// Entries of the coach's `documentHistory` (default 5).
    public static let maxDocumentHistory = 5
    /// A history turn's opaque `turnState` (default 200,000): it holds the model's turn verbatim,
    /// thought signatures included, so it is far longer than the turn's text.
    public static let maxTurnStateLength = 200_000
    /// The interviewer's name in a thank-you note request (200).
    public static let maxNameLength = 200
    /// Violations listed in one error (default 100).
    public static let maxReportedViolations = 100
}
