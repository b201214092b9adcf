import ArgumentParser
import Foundation
import OTLPReceiver

/// An OTLP trace receiver on loopback, for the tracing benchmark (scripts/bench-tracing.sh) and
/// for looking at traces without a collector: it accepts spans over http/protobuf and gRPC,
/// counts them, and with `--print` writes one line per span as it arrives.
@main
struct TraceSink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Receives OTLP spans on loopback and counts them.")

    @Option(help: "The http/protobuf port (POST /v1/traces).")
    var httpPort: Int = 4318

    @Option(help: "The gRPC port.")
    var grpcPort: Int = 4317

    @Option(help: "A file rewritten twice a second with `spans=<n> exports=<n>`.")
    var statsFile: String?

    @Flag(help: "Print each span: service, name, kind, ids, duration and attributes.")
    var print = false

    func run() async throws {
        let receiver = try await OTLPTraceReceiver.start(httpPort: self.httpPort, grpcPort: self.grpcPort, keepSpans: self.print)
        Swift.print("TraceSink: listening http=\(receiver.httpPort) grpc=\(receiver.grpcPort)")
        var printed = 0
        while true {
            if self.print {
                let spans = receiver.collected.spans
                for span in spans[printed...] {
                    let milliseconds = Double(span.span.endTimeUnixNano &- span.span.startTimeUnixNano) / 1e6
                    let attributes = span.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                    Swift.print("\(span) \(String(format: "%.1f", milliseconds)) ms\(span.isError ? " ERROR" : "") trace=\(span.traceID) \(attributes)")
                }
                printed = spans.count
                fflush(nil)  // every stream: lines reach a pipe as they are printed
            }
            if let statsFile {
                let line = "spans=\(receiver.collected.spanCount) exports=\(receiver.collected.exportCount)\n"
                try? line.write(toFile: statsFile, atomically: true, encoding: .utf8)
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}
