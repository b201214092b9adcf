import RPCWire

/// How an ``RPCClient`` connects, checks health and backs off.
public struct RPCClientConfiguration: Sendable {
    /// The shared secret sent in every `Hello`; nil sends an empty token (`RPC_INSECURE=1`).
    /// Default nil.
    public var token: String?
    /// Name sent in `Hello`, for the server's logs. Default `"career-rpc-client"`.
    public var clientName: String
    /// Largest frame body accepted from a server, length prefix excluded. Default 4 MiB.
    public var maxFrameBytes: Int
    /// Time to open the TCP connection, and again to finish the handshake. Default 5 s each: a
    /// refused connection fails at once anyway, and a server that is merely busy (a loaded
    /// two-core host) should not be given up on in the time one slow handshake takes.
    public var connectTimeout: Duration
    /// Time between health checks of each replica. Default 2 s.
    public var healthCheckInterval: Duration
    /// Time a health check may take before the replica counts as failing. Default 2 s (one
    /// missed check takes a replica out of rotation, so not shorter than a busy moment).
    public var healthCheckTimeout: Duration
    /// First delay before reconnecting to a replica that failed; doubles per failure, with
    /// jitter. Default 100 ms.
    public var reconnectBackoffBase: Duration
    /// Longest delay between reconnection attempts. Default 5 s.
    public var reconnectBackoffMax: Duration
    /// Time between DNS look-ups of the target's names, so new replicas are found. Default 10 s.
    public var resolveInterval: Duration

    public init(
        token: String?,
        clientName: String = "career-rpc-client",
        maxFrameBytes: Int = FrameLimits.defaultMaxFrameBytes,
        connectTimeout: Duration = .seconds(5),
        healthCheckInterval: Duration = .seconds(2),
        healthCheckTimeout: Duration = .seconds(2),
        reconnectBackoffBase: Duration = .milliseconds(100),
        reconnectBackoffMax: Duration = .seconds(5),
        resolveInterval: Duration = .seconds(10)
    ) {
        self.token = token
        self.clientName = clientName
        self.maxFrameBytes = maxFrameBytes
        self.connectTimeout = connectTimeout
        self.healthCheckInterval = healthCheckInterval
        self.healthCheckTimeout = healthCheckTimeout
        self.reconnectBackoffBase = reconnectBackoffBase
        self.reconnectBackoffMax = reconnectBackoffMax
        self.resolveInterval = resolveInterval
    }
}
