import Foundation
import NIOCore
import NIOPosix

/// Runs a process's main body: a configuration error becomes one clear line on standard error
/// and exit status 1; anything else that escapes is reported by type only (no payloads, which
/// might hold personal data) and exit status 1.
///
/// Unless `TASK_EXECUTOR=swift`, the process's tasks run on SwiftNIO's event-loop threads (NIO's
/// singleton group becomes Swift Concurrency's global executor), the threads its sockets already
/// run on: a call then changes threads fewer times on its way through (BENCHMARKS.md, "Performance,
/// round two": a quarter less CPU per call in the generation service). Installed before the
/// body's first task, as the API requires.
public func runProcess(name: String, _ body: () async throws -> Void) async {
    let executor = ProcessInfo.processInfo.environment["TASK_EXECUTOR"] ?? "nio"
    guard executor == "nio" || executor == "swift" else {
        FileHandle.standardError.write(Data("\(name): TASK_EXECUTOR must be nio or swift, not \(executor.debugDescription)\n".utf8))
        exit(1)
    }
    if executor == "nio" {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
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
