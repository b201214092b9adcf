import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Per-request state the gateway's middleware fills in.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's valid `X-Request-Id`, or a new one.
    public var requestID = ""
    /// The verified user (the token's `sub`).
    public var userID: String? {
        didSet { self.outcome.userID.withLockedValue { $0 = self.userID } }
    }
    /// What inner middleware learnt that the outermost one logs: context copies share it.
    let outcome = RequestOutcome()
    /// The connection's event loop: a stream's ping timer runs on it.
    let eventLoop: any EventLoop

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.eventLoop = source.channel.eventLoop
    }

    /// Bodies are read by the routes with their own limit (``GatewayConfiguration/maxBodyBytes``).
    public var maxUploadSize: Int { GatewayConfiguration.maxBodyBytes }
}

/// Facts about a request found inside the middleware chain, read by ``RequestEdgeMiddleware``
/// for the request's log line.
final class RequestOutcome: Sendable {
    let userID = NIOLockedValueBox<String?>(nil)
}
