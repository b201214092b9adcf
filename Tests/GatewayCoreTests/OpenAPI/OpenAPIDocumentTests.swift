import CoachTasks
import Foundation
import GatewayStore
import GenerationTasks
import JSONText
import TaskContract
import Testing

@testable import GatewayCore

/// The committed `openapi.json` is exactly what the base document and the task definitions
/// give: editing either without `scripts/generate-openapi.sh` fails here.
@Suite struct OpenAPIDocumentTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/GatewayCore/OpenAPI")

    @Test func theCommittedDocumentIsTheGeneratedOne() throws {
        let base = try JSONValue(parsing: Data(contentsOf: Self.directory.appendingPathComponent("openapi.base.json")))
        let generated = try OpenAPIDocument.compose(base: base).prettyJSONString()
        let committed = try String(contentsOf: Self.directory.appendingPathComponent("openapi.json"), encoding: .utf8)
        #expect(generated == committed, "openapi.json is stale: run scripts/generate-openapi.sh")
    }

    @Test func everyTaskHasItsPathAndSavedTasksHaveAKind() throws {
        let base = try JSONValue(parsing: Data(contentsOf: Self.directory.appendingPathComponent("openapi.base.json")))
        let document = try OpenAPIDocument.compose(base: base)
        guard case .object(let members) = document, case .object(let paths)? = members.first(where: { $0.key == "paths" })?.value
        else { Issue.record("no paths"); return }
        for task in GenerationTaskRegistry.textTasks {
            #expect(paths.contains { $0.key == "/api/v1/" + task.path }, "\(task.path)")
            #expect(AIRoutes.paths.contains(task.path))
            if task.saved { #expect(ResultKind(rawValue: task.name) != nil, "\(task.name) has no saved kind") }
        }
        #expect(!paths.contains { $0.key == OpenAPIDocument.taskPathsMarker })
    }

    @Test func aBaseWithoutTheMarkerIsRefused() {
        #expect(throws: OpenAPIDocumentError.self) {
            try OpenAPIDocument.compose(base: ["paths": [:], "components": ["schemas": [:]]])
        }
    }

    /// The hand-written parts of the document state the reader's string rules as the shapes do:
    /// every free-text string a request may carry refuses NUL, and exactly the required ones
    /// (`minLength` 1) refuse blank text, with the same two patterns.
    @Test func everyRequestStringStatesTheReadersRules() throws {
        let base = try JSONValue(parsing: Data(contentsOf: Self.directory.appendingPathComponent("openapi.base.json")))
        let document = try OpenAPIDocument.compose(base: base)
        guard case .object(let members) = document,
              case .object(let components)? = members.first(where: { $0.key == "components" })?.value,
              case .object(let schemas)? = components.first(where: { $0.key == "schemas" })?.value
        else { Issue.record("no schemas"); return }
        let requestSchemas = ["DocumentOptions", "ChatTurn", "CoachActionInput", "CareerPathInput", "DocumentRecord", "Profile"]
            + RequestShapes.all.map(\.messageName) + [ChatRequestShape.chat.messageName]
            + GenerationTaskRegistry.textTasks.map(\.requestMessageName)
        var checked = 0
        func visit(_ value: JSONValue, at path: String) {
            switch value {
            case .array(let items):
                for (index, item) in items.enumerated() { visit(item, at: "\(path)[\(index)]") }
            case .object(let members):
                let member = { (key: String) in members.first(where: { $0.key == key })?.value }
                let isString = member("type") == "string" || member("type") == ["string", "null"]
                // A bare `{"type": "string"}` is a presence check (an `exactlyOneOf` branch).
                if isString, members.count > 1, member("enum") == nil, member("const") == nil, member("format") == nil {
                    checked += 1
                    let expected = member("minLength") == 1 ? Shape.requiredTextPattern : Shape.noNULPattern
                    #expect(member("pattern") == .string(expected), "\(path)")
                }
                for (key, child) in members { visit(child, at: "\(path).\(key)") }
            default:
                break
            }
        }
        for name in requestSchemas {
            guard let schema = schemas.first(where: { $0.key == name })?.value else {
                Issue.record("no schema \(name)")
                continue
            }
            visit(schema, at: name)
        }
        #expect(checked > 50)
    }

    /// The history cursor's documented form is the one the store reads.
    @Test func theCursorPatternIsTheStoresOwn() throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent("openapi.base.json"), encoding: .utf8)
        let escaped = HistoryCursor.tokenPattern.replacingOccurrences(of: "\\", with: "\\\\")
        #expect(text.contains("\"pattern\": \"\(escaped)\""))
    }
}
