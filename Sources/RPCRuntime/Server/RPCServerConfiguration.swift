import RPCWire

/// How an ``RPCServer`` listens and what it bounds.
public struct RPCServerConfiguration: Sendable {
    /// Address to listen on. Default `127.0.0.1`.
    public var host: String
    /// Port to listen on; 0 picks a free one. Default 0.
    public var port: Int
    /// The shared secret every connection must present in its `Hello`. Nil accepts any token:
    /// only for `RPC_INSECURE=1`. Default nil.
    public var token: String?
    /// Name sent in `HelloAck`, for the peer's logs. Default `"career-rpc"`.
    public var serverName: String
    /// Largest frame body accepted, length prefix excluded. Default 4 MiB.
    public var maxFrameBytes: Int
    /// Calls running at once on one connection; a call beyond is refused with
    /// `RESOURCE_EXHAUSTED`. Default 1,024.
    public var maxConcurrentCallsPerConnection: Int
    /// Connections open at once; a connection beyond is closed at accept. Default 1,024.
    public var maxConnections: Int
    /// Time a new connection has to send its `Hello`. Default 5 s.
    public var handshakeTimeout: Duration
    /// Time a connection with no call in flight may stay silent before it is closed. Default 120 s.
    public var idleTimeout: Duration
    /// Time a peer has to finish a frame once its first byte arrived. Default 10 s.
    public var partialFrameTimeout: Duration
    /// Time SIGTERM gives in-flight calls to finish before connections are closed. Default 30 s.
    public var drainTimeout: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        token: String?,
        serverName: String = "career-rpc",
        maxFrameBytes: Int = FrameLimits.defaultMaxFrameBytes,
        maxConcurrentCallsPerConnection: Int = 1024,
        maxConnections: Int = 1024,
        handshakeTimeout: Duration = .seconds(5),
        idleTimeout: Duration = .seconds(120),
        partialFrameTimeout: Duration = .seconds(10),
        drainTimeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.token = token
        self.serverName = serverName
        self.maxFrameBytes = maxFrameBytes
        self.maxConcurrentCallsPerConnection = maxConcurrentCallsPerConnection
        self.maxConnections = maxConnections
        self.handshakeTimeout = handshakeTimeout
        self.idleTimeout = idleTimeout
        self.partialFrameTimeout = partialFrameTimeout
        self.drainTimeout = drainTimeout
    }
}
