import CareerProto
import Foundation
import SwiftProtobuf
import TaskContract

/// The request bodies of the structured generation tasks, whose prompts and answer schemas
/// still live in the generation service: each body is stated once here, and the gateway reads
/// it, the service checks the message and the API reference documents it from this statement.
public enum RequestShapes {
    /// `POST /api/v1/generate/documents`: `{profile, options}`.
    public static let documents = RequestShape<Career_V1_GenerateDocumentsRequest>(ObjectShape(
        properties: [.required("profile", ProfileShape.shape), .required("options", DocumentOptionsShape.shape)],
        unknownKeys: .reject
    ))

    /// `POST /api/v1/profile/parse`: `{text}`.
    public static let parseProfile = RequestShape<Career_V1_ParseProfileRequest>(ObjectShape(
        properties: [.required("text", .longText, "Pasted or extracted resume text.")],
        unknownKeys: .reject
    ))

    /// `POST /api/v1/analyze/application`: the job and exactly one of the profile and a resume's text.
    public static let analyzeApplication = RequestShape<Career_V1_AnalyzeApplicationRequest>(ObjectShape(
        properties: [
            .required("jobDescription", .longText),
            .optional("profile", ProfileShape.shape),
            .optional("resumeText", .longText, "A resume's text, instead of a profile."),
        ],
        unknownKeys: .reject,
        exactlyOneOf: ["profile", "resumeText"]
    ))

    /// `POST /api/v1/career/path`: `{profile, currentRole, targetRole}`.
    public static let careerPath = RequestShape<Career_V1_CareerPathRequest>(ObjectShape(
        properties: [
            .required("profile", ProfileShape.shape),
            .required("currentRole", .shortText),
            .required("targetRole", .shortText),
        ],
        unknownKeys: .reject
    ))

    /// `POST /api/v1/interview/questions`: `{jobDescription, profile?}`.
    public static let interviewQuestions = RequestShape<Career_V1_InterviewQuestionsRequest>(ObjectShape(
        properties: [
            .required("jobDescription", .longText),
            .optional("profile", ProfileShape.shape),
        ],
        unknownKeys: .reject
    ))

    /// Every one, by its message's name, for the API reference.
    public static let all: [(messageName: String, shape: ObjectShape)] = [
        documents.documented, parseProfile.documented, analyzeApplication.documented, careerPath.documented, interviewQuestions.documented,
    ]
}
