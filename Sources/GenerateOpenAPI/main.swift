// Writes the gateway's OpenAPI document: the hand-written base with every task definition's
// path and request schemas put in (``OpenAPIDocument``). scripts/generate-openapi.sh runs it:
//   GenerateOpenAPI <openapi.base.json> <openapi.json>
import Foundation
import GatewayCore
import JSONText

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: GenerateOpenAPI <openapi.base.json> <openapi.json>\n".utf8))
    exit(2)
}
do {
    let base = try JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: arguments[1])))
    let document = try OpenAPIDocument.compose(base: base)
    try Data(document.prettyJSONString().utf8).write(to: URL(fileURLWithPath: arguments[2]))
} catch {
    FileHandle.standardError.write(Data("GenerateOpenAPI: \(error)\n".utf8))
    exit(1)
}
