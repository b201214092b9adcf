import NIOConcurrencyHelpers
import NIOCore

/// One replica address: its connection (at most one), whether it passes health checks, and
/// when it may be tried again after a failure.
final class Subchannel: Sendable {
    let address: SocketAddress
    private let configuration: RPCClientConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let state = NIOLockedValueBox(State())

    private struct State {
        var connection: ClientConnection?
        var connecting: Task<ClientConnection, any Error>?
        var healthy = true
        var consecutiveFailures = 0
        var retryAt = NIODeadline.uptimeNanoseconds(0)
        var shutDown = false
    }

    init(address: SocketAddress, configuration: RPCClientConfiguration, eventLoopGroup: any EventLoopGroup) {
        self.address = address
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
    }

    /// The connection, when it is open and the replica passes its health checks.
    var readyConnection: ClientConnection? {
        self.state.withLockedValue { state in
            guard state.healthy, let connection = state.connection, connection.isUsable else { return nil }
            return connection
        }
    }

    var isReady: Bool { self.readyConnection != nil }

    /// Calls in flight to this replica.
    var inFlight: Int { self.state.withLockedValue { $0.connection?.inFlight ?? 0 } }

    /// Whether a connection attempt may start now (not backing off after a failure).
    var mayConnectNow: Bool {
        self.state.withLockedValue { !$0.shutDown && ($0.connecting != nil || NIODeadline.now() >= $0.retryAt) }
    }

    /// The open connection, or a new one; joins an attempt already under way. Fails at once
    /// while the replica is backing off after a failure.
    func connect() async throws -> ClientConnection {
        let task: Task<ClientConnection, any Error> = try self.state.withLockedValue { state in
            if let connection = state.connection, connection.isUsable { return Task { connection } }
            if let connecting = state.connecting { return connecting }
            guard !state.shutDown else { throw RPCError(code: .unavailable, message: "client is shut down", reason: "NOT_STARTED") }
            guard NIODeadline.now() >= state.retryAt else {
                throw RPCError(code: .unavailable, message: "service replica is backing off after a failure", reason: "NOT_STARTED")
            }
            let task = Task { try await self.openConnection() }
            state.connecting = task
            return task
        }
        return try await task.value
    }

    private func openConnection() async throws -> ClientConnection {
        do {
            let connection = try await ClientConnection.connect(
                to: self.address,
                configuration: self.configuration,
                eventLoopGroup: self.eventLoopGroup,
                onUnusable: { [weak self] in self?.connectionBecameUnusable() }
            )
            let keep = self.state.withLockedValue { state in
                state.connecting = nil
                guard !state.shutDown else { return false }
                state.connection = connection
                state.healthy = true
                state.consecutiveFailures = 0
                return true
            }
            if !keep { connection.close() }
            return connection
        } catch {
            self.recordFailure(clearConnecting: true)
            throw error
        }
    }

    private func connectionBecameUnusable() {
        self.state.withLockedValue { state in
            if let connection = state.connection, !connection.isUsable { state.connection = nil }
        }
    }

    private func recordFailure(clearConnecting: Bool) {
        self.state.withLockedValue { state in
            if clearConnecting { state.connecting = nil }
            state.consecutiveFailures += 1
            let exponent = min(state.consecutiveFailures - 1, 16)
            let base = self.configuration.reconnectBackoffBase * (1 << exponent)
            let capped = min(base, self.configuration.reconnectBackoffMax)
            // Half fixed, half random, so replicas restarted together are not retried in lockstep.
            let nanoseconds = Int64(capped.nanosecondsClamped)
            let jittered = nanoseconds / 2 + Int64.random(in: 0...max(0, nanoseconds / 2))
            state.retryAt = .now() + .nanoseconds(jittered)
        }
    }

    /// Runs one health check: connects when allowed, then asks the health method. A replica that
    /// fails is not picked again until a later check passes.
    func checkHealth(using check: @Sendable (ClientConnection) async throws -> Bool) async {
        let connection: ClientConnection
        if let open = self.state.withLockedValue({ $0.connection }), open.isUsable {
            connection = open
        } else {
            guard self.mayConnectNow, let opened = try? await self.connect() else { return }
            connection = opened
        }
        let serving = (try? await check(connection)) ?? false
        self.state.withLockedValue { state in
            state.healthy = serving
            if serving { state.consecutiveFailures = 0 }
        }
        if !serving {
            self.recordFailure(clearConnecting: false)
            // No new calls go to it, but calls in flight keep their connection: a check that
            // timed out behind thousands of busy streams says "slow", not "broken", and closing
            // would fail every one of them. An idle connection is closed, so the next check
            // (or call) starts afresh; a dead one fails its calls by itself.
            if connection.inFlight == 0 { connection.close() }
        }
    }

    func shutDown() {
        let connection = self.state.withLockedValue { state in
            state.shutDown = true
            state.connecting?.cancel()
            return state.connection
        }
        connection?.close()
    }
}

extension Duration {
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = self.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product + attoseconds / 1_000_000_000
    }
}
