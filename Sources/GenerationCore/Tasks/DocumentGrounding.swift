import CareerProto
import Foundation
import TaskContract

/// The honesty check on a generated resume: finds the employers, schools and certifications it
/// names that the profile does not have.
///
/// It is deliberately simple and deterministic, and reads only the layout the resume prompt
/// (`DocumentsTask.resumeInstruction`) asks for:
/// - A section starts at a level-1 or level-2 heading (`#`, `##`). It is an *experience* section
///   when the heading says "experience", "employment" or "work history"; an *education* section
///   when it says "education"; a *certifications* section when it says "certification" or
///   "licen" (and not "education").
/// - In experience and education sections every deeper heading (`###` …) is one entry, written
///   `### <title or degree> | <organisation>`; other lines (dates, bullets) are not read.
/// - In a certifications section every list item (`- `, `* `, `+ `) and every deeper heading is
///   one certification.
///
/// Names are compared as sets of words: lower-cased, accents folded, split on anything that is
/// not a letter or digit, with legal-form words (`inc`, `ltd`, `gmbh`, …) dropped. An entry is grounded when the words of some profile name of its kind all appear in
/// the entry, or the words of its organisation all appear in some profile name ("Globex" in
/// "Globex Corporation"). Employers are matched against `experience.company` and project names
/// (a project may be listed as an entry), schools against `education.institution`,
/// certifications against `certifications`.
///
/// What the check cannot see it does not flag: a resume that ignores the layout passes. It
/// catches an invented organisation in the places a reader looks for one.
struct DocumentGrounding: Sendable {
    enum Kind: String, Sendable, Hashable {
        case employer
        case school
        case certification
    }

    /// A name in the resume that the profile does not support.
    struct Issue: Sendable, Hashable, CustomStringConvertible {
        var kind: Kind
        /// The name as the resume writes it, without Markdown emphasis.
        var name: String

        /// The text of the answer's `warnings` entry.
        var warning: String {
            switch kind {
            case .employer: "The resume names an employer that is not in the profile: \(name)"
            case .school: "The resume names a school that is not in the profile: \(name)"
            case .certification: "The resume names a certification that is not in the profile: \(name)"
            }
        }

        var description: String { warning }
    }

    private let known: [Kind: [Set<String>]]

    init(profile: Career_V1_Profile) {
        func words(_ names: [String]) -> [Set<String>] { names.map(Self.words).filter { !$0.isEmpty } }
        self.known = [
            .employer: words(profile.experience.map(\.company) + profile.projects.map(\.name)),
            .school: words(profile.education.map(\.institution)),
            .certification: words(profile.certifications.map(\.name)),
        ]
    }

    /// Every employer, school and certification in `resume` that the profile does not support,
    /// in the order they appear, each once.
    func issues(in resume: String) -> [Issue] {
        var issues: [Issue] = []
        for entry in Self.entries(in: resume) where !self.isGrounded(entry) {
            let issue = Issue(kind: entry.kind, name: entry.organisation)
            if !issues.contains(issue) { issues.append(issue) }
        }
        return issues
    }

    // MARK: Reading the resume

    struct Entry: Equatable {
        var kind: Kind
        /// The whole heading or list item, Markdown emphasis removed.
        var text: String
        /// The part that names the organisation: after the last `|`, or the whole text.
        var organisation: String
    }

    /// The entries the layout marks as employers, schools and certifications.
    static func entries(in resume: String) -> [Entry] {
        enum Section { case experience, education, certifications, other }
        var section = Section.other
        var entries: [Entry] = []
        for rawLine in resume.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if case let (level, title)? = heading(line) {
                if level <= 2 {
                    let lower = title.lowercased()
                    if lower.contains("experience") || lower.contains("employment") || lower.contains("work history") {
                        section = .experience
                    } else if lower.contains("education") {
                        section = .education
                    } else if lower.contains("certification") || lower.contains("licen") {
                        section = .certifications
                    } else {
                        section = .other
                    }
                } else if section == .experience || section == .education {
                    entries.append(entry(section == .experience ? .employer : .school, title))
                } else if section == .certifications {
                    entries.append(entry(.certification, title))
                }
            } else if section == .certifications, let item = listItem(line) {
                entries.append(entry(.certification, item))
            }
        }
        return entries
    }

    private static func entry(_ kind: Kind, _ text: String) -> Entry {
        let plain = plainText(text)
        let organisation = plain.split(separator: "|").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? plain
        return Entry(kind: kind, text: plain, organisation: organisation.isEmpty ? plain : organisation)
    }

    /// `(level, text)` for an ATX heading (`## Experience`).
    private static func heading(_ line: String) -> (Int, String)? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes) else { return nil }
        let rest = line.dropFirst(hashes)
        guard rest.first == " " else { return nil }
        return (hashes, rest.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "#")).trimmingCharacters(in: .whitespaces))
    }

    /// The text of a list item (`- AWS Certified …`).
    private static func listItem(_ line: String) -> String? {
        for marker in ["- ", "* ", "+ "] where line.hasPrefix(marker) {
            let text = line.dropFirst(marker.count).trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : text
        }
        return nil
    }

    /// Markdown emphasis and code marks removed; a link reduced to its text.
    static func plainText(_ text: String) -> String {
        var result = text.replacingOccurrences(of: #"\[([^\]]*)\]\([^)]*\)"#, with: "$1", options: .regularExpression)
        result.removeAll { $0 == "*" || $0 == "_" || $0 == "`" }
        return result.trimmingCharacters(in: .whitespaces)
    }

    // MARK: Comparing names

    /// Words that say what legal form an organisation has, not which one it is.
    private static let legalForms: Set<String> = [
        "inc", "incorporated", "llc", "llp", "ltd", "limited", "corp", "corporation", "co", "company",
        "gmbh", "ag", "sa", "sas", "srl", "bv", "nv", "plc", "pty", "kk", "the",
    ]

    static func words(_ name: String) -> Set<String> {
        let folded = name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        let words = folded.split { !($0.isLetter || $0.isNumber) }.map(String.init)
        return Set(words).subtracting(legalForms)
    }

    private func isGrounded(_ entry: Entry) -> Bool {
        let entryWords = Self.words(entry.text)
        let organisationWords = Self.words(entry.organisation)
        return (self.known[entry.kind] ?? []).contains { known in
            known.isSubset(of: entryWords) || (!organisationWords.isEmpty && organisationWords.isSubset(of: known))
        }
    }
}
