import Foundation
import Logging
import RPCProto
import RPCRuntime

/// The one method the benchmark calls: echoes its request.
enum BenchmarkEcho {
    static let method = RPCMethod<Career_V1_CallMessage, Career_V1_CallMessage>(
        service: "bench.v1.Echo", name: "Echo", kind: .unary
    )

    static var router: RPCRouter {
        var router = RPCRouter()
        router.register(Self.method) { request, _ in request }
        return router
    }

    /// A request carrying `bytes` bytes of payload (a repeating, non-zero pattern).
    static func request(payloadBytes bytes: Int) -> Career_V1_CallMessage {
        var message = Career_V1_CallMessage()
        message.payload = Data((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        return message
    }
}

/// What one concurrency level measured.
struct LevelResult: Sendable {
    var concurrency: Int
    /// Successful calls that started inside the measured window.
    var calls: Int
    var errors: Int
    /// From the end of the warm-up to the completion of the last measured call.
    var elapsed: Duration
    /// Latency of every successful measured call, in nanoseconds, ascending.
    var sortedLatencies: [Int64]

    var callsPerSecond: Double {
        let seconds = elapsed.seconds
        return seconds > 0 ? Double(calls) / seconds : 0
    }

    /// Nearest-rank percentile, in milliseconds.
    func percentile(_ p: Double) -> Double {
        guard !sortedLatencies.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(sortedLatencies.count)).rounded(.up))
        let index = min(max(rank - 1, 0), sortedLatencies.count - 1)
        return Double(sortedLatencies[index]) / 1_000_000
    }

    var maxMilliseconds: Double {
        guard let last = sortedLatencies.last else { return .nan }
        return Double(last) / 1_000_000
    }
}

private struct WorkerResult: Sendable {
    var latencies: [Int64]
    var errors: Int
    var lastFinish: ContinuousClock.Instant
}

enum BenchmarkRunner {
    /// Runs one level: `concurrency` workers share `client` (one connection per server address)
    /// and loop "call, record latency" through `warmup` then `duration`; only calls that start
    /// after the warm-up are recorded.
    static func runLevel(
        client: RPCClient,
        concurrency: Int,
        warmup: Duration,
        duration: Duration,
        request: Career_V1_CallMessage
    ) async -> LevelResult {
        let clock = ContinuousClock()
        let start = clock.now
        let measureStart = start + warmup
        let end = measureStart + duration
        let expectedBytes = request.payload.count
        // Room for ~200k calls/s without regrowing; arrays grow past it if need be.
        let reserve = min(Int(duration.seconds * 200_000) / concurrency + 1_024, 4_000_000)

        let results = await withTaskGroup(of: WorkerResult.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var latencies: [Int64] = []
                    latencies.reserveCapacity(reserve)
                    var errors = 0
                    var lastFinish = measureStart
                    while true {
                        let callStart = clock.now
                        if callStart >= end { break }
                        let measured = callStart >= measureStart
                        do {
                            let response = try await client.unary(BenchmarkEcho.method, request)
                            let callEnd = clock.now
                            guard measured else { continue }
                            if response.payload.count == expectedBytes {
                                latencies.append((callEnd - callStart).nanoseconds)
                            } else {
                                errors += 1
                            }
                            lastFinish = max(lastFinish, callEnd)
                        } catch {
                            if measured {
                                errors += 1
                                lastFinish = max(lastFinish, clock.now)
                            }
                            // Do not spin on a broken connection.
                            try? await Task.sleep(for: .milliseconds(1))
                        }
                    }
                    return WorkerResult(latencies: latencies, errors: errors, lastFinish: lastFinish)
                }
            }
            var all: [WorkerResult] = []
            all.reserveCapacity(concurrency)
            for await result in group { all.append(result) }
            return all
        }

        var latencies: [Int64] = []
        latencies.reserveCapacity(results.reduce(0) { $0 + $1.latencies.count })
        var errors = 0
        var lastFinish = measureStart
        for result in results {
            latencies.append(contentsOf: result.latencies)
            errors += result.errors
            lastFinish = max(lastFinish, result.lastFinish)
        }
        latencies.sort()
        return LevelResult(
            concurrency: concurrency,
            calls: latencies.count,
            errors: errors,
            elapsed: lastFinish - measureStart,
            sortedLatencies: latencies
        )
    }
}

enum Report {
    static let header = """
        | setup | concurrent calls | calls | calls/s | p50 ms | p90 ms | p99 ms | max ms | errors |
        |---|---:|---:|---:|---:|---:|---:|---:|---:|
        """

    static func row(label: String, _ result: LevelResult) -> String {
        let cells: [String] = [
            label,
            "\(result.concurrency)",
            "\(result.calls)",
            String(format: "%.0f", result.callsPerSecond),
            String(format: "%.3f", result.percentile(50)),
            String(format: "%.3f", result.percentile(90)),
            String(format: "%.3f", result.percentile(99)),
            String(format: "%.3f", result.maxMilliseconds),
            "\(result.errors)",
        ]
        return "| " + cells.joined(separator: " | ") + " |"
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Writes to standard output at once (the script waits for the server's "listening" line).
func emit(_ line: String) {
    print(line)
    fflush(nil)  // nil flushes every stream, without touching the non-Sendable global
}

/// Progress and errors, on standard error so standard output stays a Markdown table.
func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
