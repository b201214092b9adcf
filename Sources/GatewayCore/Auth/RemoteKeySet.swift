import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization

/// The keys of `SUPABASE_JWKS_URL`: fetched at start, then cached.
///
/// Refresh policy, every fetch bounded:
/// - a token naming an unknown `kid` triggers a fetch, awaited by that request (Supabase has
///   rotated to a new key), but only if no fetch started within ``minimumRefreshInterval``
///   (60 s): a stream of tokens with made-up `kid`s costs at most one fetch a minute;
/// - keys older than ``maximumAge`` (10 min) are refetched in the background on the next
///   request, so that a revoked key stops verifying; the request uses the cached keys;
/// - one fetch at a time: concurrent requests wait for the fetch under way;
/// - a fetch that fails, or returns no usable key, keeps the cached keys (and is logged).
actor RemoteKeySet {
    typealias Fetch = @Sendable () async throws -> [PublicSigningKey]

    private let fetch: Fetch
    private let minimumRefreshInterval: Duration
    private let maximumAge: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let logger: Logger
    private var keys: [String: VerificationKey]
    private var fetchedAt: ContinuousClock.Instant
    private var lastAttempt: ContinuousClock.Instant
    private var refreshing: Task<Void, Never>?
    /// Counts the times the keys were replaced, so that what was verified with older keys can
    /// be told apart (``VerifiedTokenCache`` forgets it).
    nonisolated let generation = Atomic<Int>(0)

    /// Makes the first fetch; throws when it fails or yields no usable key.
    init(
        fetch: @escaping Fetch,
        minimumRefreshInterval: Duration,
        maximumAge: Duration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        logger: Logger
    ) async throws {
        self.fetch = fetch
        self.minimumRefreshInterval = minimumRefreshInterval
        self.maximumAge = maximumAge
        self.now = now
        self.logger = logger
        let started = now()
        let fetched = try await fetch()
        guard !fetched.isEmpty else { throw JWKSFetchError(description: "has no usable key (ES256 on P-256 or RS256, with a kid)") }
        self.keys = await Self.verificationKeys(fetched)
        self.fetchedAt = started
        self.lastAttempt = started
    }

    /// The key with this id, fetching the set again first when the id is unknown and the
    /// refresh policy allows it.
    func key(for keyID: String) async -> VerificationKey? {
        if let key = self.keys[keyID] {
            if self.now() - self.fetchedAt >= self.maximumAge {
                _ = self.startRefreshIfAllowed()
            }
            return key
        }
        guard let refresh = self.startRefreshIfAllowed() else {
            self.logger.debug("unknown key id; JWKS refresh not due yet")
            return nil
        }
        await refresh.value
        return self.keys[keyID]
    }

    /// The fetch under way, or a new one when none started within the minimum interval.
    private func startRefreshIfAllowed() -> Task<Void, Never>? {
        if let refreshing = self.refreshing { return refreshing }
        let now = self.now()
        guard now - self.lastAttempt >= self.minimumRefreshInterval else { return nil }
        self.lastAttempt = now
        let task = Task { await self.refresh(startedAt: now) }
        self.refreshing = task
        return task
    }

    private func refresh(startedAt: ContinuousClock.Instant) async {
        defer { self.refreshing = nil }
        do {
            let fetched = try await self.fetch()
            guard !fetched.isEmpty else {
                self.logger.warning("JWKS refresh returned no usable key; keeping the cached keys")
                return
            }
            self.keys = await Self.verificationKeys(fetched)
            self.fetchedAt = startedAt
            self.generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
            self.logger.debug("JWKS refreshed", metadata: ["auth.jwks.keys": "\(fetched.count)"])
        } catch {
            self.logger.warning("JWKS refresh failed; keeping the cached keys", metadata: ["error": "\(error)"])
        }
    }

    private static func verificationKeys(_ keys: [PublicSigningKey]) async -> [String: VerificationKey] {
        var table: [String: VerificationKey] = [:]
        for key in keys {
            table[key.keyID] = await VerificationKey.make(key)
        }
        return table
    }

    /// Fetches a JWKS over HTTP(S): one GET, answered 200 within `timeout`, body at most
    /// ``JSONWebKeySet/maxBytes``.
    static func httpFetch(url: String, client: HTTPClient, timeout: Duration) -> Fetch {
        { @Sendable in
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            guard response.status == .ok else {
                throw JWKSFetchError(description: "answered HTTP \(response.status.code)")
            }
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: JSONWebKeySet.maxBytes)
            } catch {
                throw JWKSFetchError(description: "answered more than \(JSONWebKeySet.maxBytes / 1024) KiB")
            }
            do {
                return try JSONWebKeySet.parse(Data(body.readableBytesView))
            } catch {
                throw JWKSFetchError(description: "\(error)")
            }
        }
    }
}

/// Why the JWKS could not be fetched or used; the text completes "SUPABASE_JWKS_URL …".
struct JWKSFetchError: Error, CustomStringConvertible {
    var description: String
}
