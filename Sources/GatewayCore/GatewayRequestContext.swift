import Hummingbird
import Logging

/// Per-request state the gateway's middleware fills in.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's valid `X-Request-Id`, or a new one.
    public var requestID = ""
    /// The verified user (the token's `sub`).
    public var userID: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Bodies are read by the routes with their own limit (``GatewayConfiguration/maxBodyBytes``).
    public var maxUploadSize: Int { GatewayConfiguration.maxBodyBytes }
}
