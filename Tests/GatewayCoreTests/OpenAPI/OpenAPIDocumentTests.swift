import Foundation
import GatewayStore
import GenerationTasks
import JSONText
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
}
