import Foundation

/// The system instructions of every task, read once at start from `Prompts/` (one Markdown
/// file per task, so a reviewer can read and edit them without touching code).
public struct PromptLibrary: Sendable {
    private let prompts: [String: String]

    public enum Name: String, CaseIterable, Sendable {
        case resume = "resume"
        case coverLetter = "cover-letter"
        case parseProfile = "parse-profile"
        case analyzeApplication = "analyze-application"
        case careerPath = "career-path"
        case interviewQuestions = "interview-questions"
    }

    /// Loads every prompt; a missing one stops the process at start rather than at first use.
    public static func load() throws -> PromptLibrary {
        var prompts: [String: String] = [:]
        for name in Name.allCases {
            guard let url = Bundle.module.url(forResource: name.rawValue, withExtension: "md", subdirectory: "Prompts") else {
                throw PromptError(name: name.rawValue)
            }
            prompts[name.rawValue] = try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return PromptLibrary(prompts: prompts)
    }

    public subscript(name: Name) -> String { self.prompts[name.rawValue]! }

    public struct PromptError: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "prompt '\(name)' is missing from the GenerationCore bundle" }
    }
}
