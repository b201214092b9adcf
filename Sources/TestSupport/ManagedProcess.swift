import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One of this package's executables, started as a real process for an integration test. Its
/// output goes to a temporary file; it is killed when the test lets go of it.
public final class ManagedProcess: @unchecked Sendable {
    public let name: String
    private let process = Process()
    private let outputURL: URL

    /// Sanitizer and backtracer settings passed on from the test run, so that a
    /// `swift test --sanitize=thread` run with `TSAN_OPTIONS=log_path=…` also collects the
    /// reports of the processes the tests start (their own output is deleted with them).
    static let passedThrough = ["TSAN_OPTIONS", "ASAN_OPTIONS", "UBSAN_OPTIONS", "SWIFT_BACKTRACE"]

    /// Starts `name` (an executable product of this package) with exactly `environment` added to
    /// a minimal base environment (PATH and HOME only, so the developer's settings do not leak
    /// in, plus the sanitizer settings in ``passedThrough`` when set).
    public convenience init(_ name: String, environment: [String: String]) throws {
        try self.init(name: name, executable: Self.productsDirectory.appendingPathComponent(name), environment: environment)
    }

    /// Starts any `executable` (a test's helper script, say) with `arguments`, in the same
    /// minimal environment; `name` names it in logs.
    public init(name: String, executable: URL, arguments: [String] = [], environment: [String: String]) throws {
        self.name = name
        self.outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: self.outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: self.outputURL)
        self.process.executableURL = executable
        self.process.arguments = arguments
        var base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        base["HOME"] = ProcessInfo.processInfo.environment["HOME"]
        for key in Self.passedThrough { base[key] = ProcessInfo.processInfo.environment[key] }
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

/// A loopback port for a process a test is about to start: free now, and below the kernel's
/// ephemeral range, so that nothing else can take it before the process binds it.
///
/// A port found by binding port 0 is an ephemeral one: between its release and the process's
/// `bind`, the kernel may hand it to any outgoing connection (as its source port) or to any
/// other port-0 listener on the machine, and the process then fails to start or a client reaches
/// the wrong server. Ports below `ip_local_port_range` are never chosen by the kernel, so a
/// port probed free there stays free until someone binds it on purpose; within this test run a
/// port is handed out once, so parallel suites never share a service.
public func freeLoopbackPort() async throws -> Int {
    for _ in 0..<2_000 {
        guard let port = handedOutPorts.withLockedValue({ $0.next() }) else { break }
        if (try? await probeBind(port: port)) != nil { return port }
    }
    throw PortExhausted()
}

struct PortExhausted: Error, CustomStringConvertible {
    var description: String { "no free loopback port below the ephemeral range" }
}

private func probeBind(port: Int) async throws {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .bind(host: "127.0.0.1", port: port).get()
    try await channel.close()
}

/// Ports below the ephemeral range, walked from a random start (so that two test runs on one
/// machine rarely meet), each given out once.
private struct PortSequence {
    private let range: Range<Int>
    private var cursor: Int
    private var given = 0

    init() {
        let ephemeralStart = Self.ephemeralRangeStart() ?? 32_768
        // Stay above the well-known and commonly configured service ports.
        self.range = 20_000..<max(ephemeralStart, 20_001)
        self.cursor = Int.random(in: self.range)
    }

    mutating func next() -> Int? {
        guard self.given < self.range.count else { return nil }
        self.given += 1
        let port = self.cursor
        self.cursor = self.cursor + 1 < self.range.upperBound ? self.cursor + 1 : self.range.lowerBound
        return port
    }

    private static func ephemeralRangeStart() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8) else { return nil }
        return text.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
    }
}

private let handedOutPorts = NIOLockedValueBox(PortSequence())

/// Waits until something accepts TCP connections on loopback `port` (a process just started
/// has bound it), trying every 20 ms for at most `limit`. Returns whether it did.
@discardableResult
public func waitUntilListening(port: Int, within limit: Duration = .seconds(20)) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(500))
            .connect(host: "127.0.0.1", port: port).get()
        {
            try? await channel.close()
            return true
        }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return false
}
