import ArgumentParser
import Foundation
import OTLPReceiver

/// An OTLP trace receiver for the tracing benchmark (scripts/bench-stack.sh): it accepts spans
/// over http/protobuf and gRPC on loopback, counts them without keeping them, and writes the
/// counts to a file twice a second until it is stopped.
@main
struct TraceSink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Receives OTLP spans on loopback and counts them.")

    @Option(help: "The http/protobuf port (POST /v1/traces).")
    var httpPort: Int = 4318

    @Option(help: "The gRPC port.")
    var grpcPort: Int = 4317

    @Option(help: "A file rewritten twice a second with `spans=<n> exports=<n>`.")
    var statsFile: String?

    func run() async throws {
        let receiver = try await OTLPTraceReceiver.start(httpPort: self.httpPort, grpcPort: self.grpcPort, keepSpans: false)
        print("TraceSink: listening http=\(receiver.httpPort) grpc=\(receiver.grpcPort)")
        while true {
            if let statsFile {
                let line = "spans=\(receiver.collected.spanCount) exports=\(receiver.collected.exportCount)\n"
                try? line.write(toFile: statsFile, atomically: true, encoding: .utf8)
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
