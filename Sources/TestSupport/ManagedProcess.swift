import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// One of this package's executables, started as a real process for an integration test. Its
/// output goes to a temporary file; it is killed when the test lets go of it.
public final class ManagedProcess: @unchecked Sendable {
    public let name: String
    private let process = Process()
    private let outputURL: URL

    /// Starts `name` (an executable product of this package) with exactly `environment` added to
    /// a minimal base environment (PATH and HOME only, so the developer's settings do not leak in).
    public init(_ name: String, environment: [String: String]) throws {
        self.name = name
        self.outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: self.outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: self.outputURL)
        self.process.executableURL = Self.productsDirectory.appendingPathComponent(name)
        var base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        base["HOME"] = ProcessInfo.processInfo.environment["HOME"]
        self.process.environment = base.merging(environment) { _, new in new }
        self.process.standardOutput = output
        self.process.standardError = output
        try self.process.run()
    }

    deinit {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: self.outputURL)
    }

    /// Where `swift build` put this package's executables: beside the test bundle.
    public static var productsDirectory: URL {
        let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var directory = executable.deletingLastPathComponent()
        // Inside an .xctest bundle on some platforms; climb out of it.
        while directory.pathExtension == "xctest" || directory.lastPathComponent == "MacOS" || directory.lastPathComponent == "Contents" {
            directory = directory.deletingLastPathComponent()
        }
        return directory
    }

    public var isRunning: Bool { self.process.isRunning }
    public var processIdentifier: Int32 { self.process.processIdentifier }

    /// Everything the process wrote so far, standard output and error together.
    public var output: String { (try? String(contentsOf: self.outputURL, encoding: .utf8)) ?? "" }

    public func signal(_ signal: Int32) {
        kill(self.process.processIdentifier, signal)
    }

    /// Waits for the process to exit; its exit status, or nil when it is still running at the limit.
    public func waitForExit(within limit: Duration = .seconds(10)) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while self.process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return self.process.terminationStatus
    }
}

/// A loopback port that was free a moment ago (bound to port 0, then released).
public func freeLoopbackPort() async throws -> Int {
    // Suites run in parallel, each starting several processes on ports chosen here; a port is
    // never handed out twice in one test run, so two stacks cannot end up sharing a service.
    while true {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        if handedOutPorts.withLock({ $0.insert(port).inserted }) { return port }
    }
}

private let handedOutPorts = Mutex<Set<Int>>([])
