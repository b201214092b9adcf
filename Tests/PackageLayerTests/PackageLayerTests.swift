import Foundation
import Testing

/// Holds the package to the layers its manifest lists (the `// layer <name>: …` lines at the top
/// of Package.swift, lowest first): a target depends only on targets of its own layer and of the
/// layers listed before it. The dependencies are SwiftPM's own reading of the manifest
/// (`swift package dump-package`), not a second parse of it, so what is checked is what is built;
/// and a target's imports must be among them.
@Suite("Package layers")
struct PackageLayerTests {
    @Test("every target is in exactly one layer, and every listed name is a target")
    func everyTargetHasALayer() throws {
        let layers = try Layers.listed()
        let targets = try PackageTargets.dumped()
        let named = layers.order.flatMap { layers.members[$0] ?? [] }
        let twice = Dictionary(grouping: named, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        #expect(twice.isEmpty, "in more than one layer: \(twice)")
        let unlisted = targets.keys.filter { layers.layer(of: $0) == nil }.sorted()
        #expect(unlisted.isEmpty, "add to a layer in Package.swift: \(unlisted)")
        let unknown = named.filter { targets[$0] == nil }.sorted()
        #expect(unknown.isEmpty, "listed in a layer but not a target: \(unknown)")
    }

    @Test("no target depends on a target of a higher layer")
    func noDependencyOnAHigherLayer() throws {
        let layers = try Layers.listed()
        let targets = try PackageTargets.dumped()
        var violations: [String] = []
        for (target, declared) in targets.sorted(by: { $0.key < $1.key }) {
            guard let own = layers.layer(of: target) else { continue }  // reported by the test above
            for dependency in declared.dependencies.sorted() {
                guard let theirs = layers.layer(of: dependency), theirs.index > own.index else { continue }
                violations.append("\(target) (\(own.name)) depends on \(dependency) (\(theirs.name))")
            }
        }
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }

    /// A module SwiftPM happens to have built can be imported without being declared, which would
    /// go round the check above (and break a build of that target alone).
    @Test("every target declares the package's targets it imports")
    func importsAreDeclared() throws {
        let targets = try PackageTargets.dumped()
        var undeclared: [String] = []
        for (target, declared) in targets.sorted(by: { $0.key < $1.key }) {
            let imported = try declared.importedModules().filter { targets[$0] != nil && $0 != target }
            for module in imported.subtracting(declared.dependencies).sorted() {
                undeclared.append("\(target) imports \(module)")
            }
        }
        #expect(undeclared.isEmpty, "declare in Package.swift:\n\(undeclared.joined(separator: "\n"))")
    }

    /// Pins what the layering is for: the RPC can be taken as it is, without the domain.
    @Test("the wire, the envelope's messages and the RPC runtime are in the runtime layer")
    func rpcIsGeneric() throws {
        let layers = try Layers.listed()
        for target in ["RPCWire", "RPCProto", "RPCRuntime"] {
            #expect(layers.layer(of: target)?.name == "runtime", "\(target)")
        }
    }
}

/// The package's root folder: this file is Tests/PackageLayerTests/PackageLayerTests.swift.
private let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The layers as Package.swift lists them, lowest first.
private struct Layers {
    var order: [String] = []
    var members: [String: [String]] = [:]

    /// Reads the `// layer <name>: A, B,` lines and the `//   C, D` lines that continue them.
    static func listed() throws -> Layers {
        let manifest = try String(contentsOf: packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        var layers = Layers()
        var current: String?
        for line in manifest.split(separator: "\n", omittingEmptySubsequences: false) {
            let names: Substring
            if line.hasPrefix("// layer "), let colon = line.firstIndex(of: ":") {
                let name = String(line[line.index(line.startIndex, offsetBy: 9)..<colon])
                layers.order.append(name)
                current = name
                names = line[line.index(after: colon)...]
            } else if current != nil, line.hasPrefix("//   ") {
                names = line.dropFirst(2)
            } else {
                current = nil
                continue
            }
            guard let layer = current else { continue }
            let listed = names.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            layers.members[layer, default: []].append(contentsOf: listed.filter { !$0.isEmpty })
        }
        guard !layers.order.isEmpty else { throw LayerListMissing() }
        return layers
    }

    func layer(of target: String) -> (name: String, index: Int)? {
        guard let index = self.order.firstIndex(where: { self.members[$0]?.contains(target) == true }) else { return nil }
        return (self.order[index], index)
    }
}

private struct LayerListMissing: Error, CustomStringConvertible {
    var description: String { "Package.swift lists no `// layer <name>: …` lines" }
}

/// A target as `swift package dump-package` describes it: the package's own targets it depends on
/// (products of other packages left out) and where its sources are.
private struct DeclaredTarget {
    var dependencies: Set<String>
    var folder: URL

    /// The modules its Swift files import (`import X`, `@testable import X`, `public import X` …).
    func importedModules() throws -> Set<String> {
        var modules: Set<String> = []
        let files = FileManager.default.enumerator(at: self.folder, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ")
                guard let index = words.firstIndex(of: "import"), index + 1 < words.count,
                    words[..<index].allSatisfy({ $0.hasPrefix("@") || ["public", "internal", "package", "private", "fileprivate"].contains($0) })
                else { continue }
                modules.insert(String(words[index + 1].split(separator: ".")[0]))
            }
        }
        return modules
    }
}

private enum PackageTargets {
    static func dumped() throws -> [String: DeclaredTarget] {
        let json = try JSONSerialization.jsonObject(with: try dumpPackage()) as? [String: Any]
        let targets = json?["targets"] as? [[String: Any]] ?? []
        let names = Set(targets.compactMap { $0["name"] as? String })
        var declared: [String: DeclaredTarget] = [:]
        for target in targets {
            guard let name = target["name"] as? String else { continue }
            // Each dependency is one of {"byName": [name, condition]}, {"target": [name,
            // condition]} or {"product": [name, package, …]}; a by-name one may be a product.
            let local = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { dependency -> String? in
                let named = (dependency["byName"] ?? dependency["target"]) as? [Any]
                return (named?.first as? String).flatMap { names.contains($0) ? $0 : nil }
            }
            let defaultFolder = (target["type"] as? String == "test" ? "Tests/" : "Sources/") + name
            let folder = packageRoot.appendingPathComponent(target["path"] as? String ?? defaultFolder)
            declared[name] = DeclaredTarget(dependencies: Set(local), folder: folder)
        }
        return declared
    }

    /// Runs SwiftPM with a scratch folder of its own: the build folder is locked by the
    /// `swift test` that runs this test.
    private static func dumpPackage() throws -> Data {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("layers-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "package", "--package-path", packageRoot.path, "--scratch-path", scratch.path, "dump-package"]
        let output = Pipe()
        process.standardOutput = output  // its errors go to the test's output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw DumpPackageFailed(status: process.terminationStatus) }
        return data
    }
}

private struct DumpPackageFailed: Error, CustomStringConvertible {
    var status: Int32
    var description: String { "swift package dump-package exited with \(self.status)" }
}
