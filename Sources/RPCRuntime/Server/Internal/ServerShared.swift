import Atomics
import NIOConcurrencyHelpers
import NIOCore

/// What every connection of one server shares: configuration, routes, the draining flag and the
/// set of open connections (for the connection cap and for draining).
final class ServerShared: Sendable {
    let configuration: RPCServerConfiguration
    let router: RPCRouter
    let tokenBytes: [UInt8]?
    private let draining: ManagedAtomic<Bool>
    private let connections = NIOLockedValueBox([ObjectIdentifier: OpenConnection]())

    struct OpenConnection: Sendable {
        var channel: any Channel
        var handler: NIOLoopBound<ServerConnectionHandler>
    }

    init(configuration: RPCServerConfiguration, router: RPCRouter, draining: ManagedAtomic<Bool>) {
        self.configuration = configuration
        self.draining = draining
        self.router = router
        self.tokenBytes = configuration.token.map { Array($0.utf8) }
    }

    var isDraining: Bool { self.draining.load(ordering: .relaxed) }

    /// Registers a new connection; false when the server is at its connection cap.
    func admit(_ channel: any Channel, handler: NIOLoopBound<ServerConnectionHandler>) -> Bool {
        let admitted = self.connections.withLockedValue { connections in
            guard connections.count < self.configuration.maxConnections else { return false }
            connections[ObjectIdentifier(channel)] = OpenConnection(channel: channel, handler: handler)
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { _ in
                _ = self.connections.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) }
            }
        }
        return admitted
    }

    var openConnectionCount: Int { self.connections.withLockedValue { $0.count } }

    /// Marks the server draining and tells every connection to stop taking calls.
    func beginDrain() {
        self.draining.store(true, ordering: .relaxed)
        for connection in self.connections.withLockedValue({ Array($0.values) }) {
            connection.channel.eventLoop.execute { connection.handler.value.beginDrain() }
        }
    }

    /// Closes every connection now and waits until they are closed.
    func forceCloseAll() async {
        let connections = self.connections.withLockedValue { Array($0.values) }
        for connection in connections {
            connection.channel.eventLoop.execute { connection.handler.value.forceClose() }
        }
        for connection in connections {
            try? await connection.channel.closeFuture.get()
        }
    }
}
