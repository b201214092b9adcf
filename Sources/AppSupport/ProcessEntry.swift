import Foundation

/// Runs a process's main body: a configuration error becomes one clear line on standard error
/// and exit status 1; anything else that escapes is reported by type only (no payloads, which
/// might hold personal data) and exit status 1.
public func runProcess(name: String, _ body: () async throws -> Void) async {
    do {
        try await body()
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
        exit(1)
    } catch {
        FileHandle.standardError.write(Data("\(name): stopped: \(error)\n".utf8))
        exit(1)
    }
}
