import AppSupport
import ArgumentParser
import Foundation
import Logging
import NIOCore
import RPCProto
import RPCRuntime

/// Asks one RPC service replica whether it serves, for container health checks and Kubernetes
/// probes, which can only run a command. It speaks the real protocol (handshake with
/// `RPC_TOKEN`, then `/career.v1.Health/Check`), so it fails on a wrong token or a process that
/// accepts TCP but no longer answers, which a port check would miss.
///
///     RPCHealthCheck                       # the service in this container: LISTEN_ADDR, RPC_TOKEN
///     RPCHealthCheck --target generation:7101 --timeout 1
///     RPCHealthCheck --live                # liveness: draining still counts as alive
///
/// Exit status 0 when healthy, 1 otherwise, with one line on standard output saying which.
@main
struct RPCHealthCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "RPCHealthCheck",
        abstract: "Exits 0 when the RPC service answers its health check as serving, 1 otherwise."
    )

    @Option(help: "host:port of the service. Default: LISTEN_ADDR, with a wildcard host (0.0.0.0, ::) replaced by loopback.")
    var target: String?

    @Option(help: "Seconds the whole check may take (connect, handshake, call).")
    var timeout: Double = 2

    @Flag(help: "Liveness: healthy when the service answers at all, NOT_SERVING (draining) included.")
    var live = false

    mutating func run() async throws {
        let reader = ConfigurationReader()
        let target: String
        let token: String?
        do {
            target = try self.target ?? Self.localTarget(reader: reader)
            token = try reader.rpcToken()
        } catch {
            print("unhealthy: \(error)")
            throw ExitCode(1)
        }
        guard self.timeout > 0, self.timeout <= 60 else {
            print("unhealthy: --timeout must be from 0 to 60 seconds")
            throw ExitCode(1)
        }
        let timeout = Duration.milliseconds(Int64(self.timeout * 1000))
        var logger = Logger(label: "rpc-health-check")
        logger.logLevel = .critical
        do {
            let client = try RPCClient(
                target: target,
                configuration: RPCClientConfiguration(token: token, clientName: "rpc-health-check", connectTimeout: timeout),
                logger: logger
            )
            defer { client.shutDown() }
            let response = try await client.unary(
                HealthMethods.check,
                Career_V1_HealthCheckRequest(),
                deadline: .now() + TimeAmount(timeout)
            )
            switch response.status {
            case .serving:
                print("healthy: \(target) is serving")
            case _ where self.live:
                print("alive: \(target) answers, status \(response.status)")
            default:
                print("unhealthy: \(target) answers, status \(response.status)")
                throw ExitCode(1)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch let error as RPCError {
            // The code and message only: never a payload or the token.
            print("unhealthy: \(target): \(error.code) \(error.message)")
            throw ExitCode(1)
        } catch {
            print("unhealthy: \(target): \(type(of: error))")
            throw ExitCode(1)
        }
    }

    /// The service in this container: its `LISTEN_ADDR`, reached over loopback when it listens
    /// on every interface.
    static func localTarget(reader: ConfigurationReader) throws(ConfigurationError) -> String {
        guard reader.string("LISTEN_ADDR") != nil else {
            throw ConfigurationError(setting: "LISTEN_ADDR", problem: "is required when --target is not given")
        }
        let (host, port) = try reader.hostPort("LISTEN_ADDR", default: "")
        switch host {
        case "0.0.0.0", "": return "127.0.0.1:\(port)"
        case "::": return "[::1]:\(port)"
        case _ where host.contains(":"): return "[\(host)]:\(port)"
        default: return "\(host):\(port)"
        }
    }
}
