import AppSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import GatewayCore

/// `SUPABASE_JWKS_URL` against a real HTTP server on port 0 that counts its fetches.
@Suite struct JWKSRefreshTests {
    /// What the JWKS server answers, and how often it was asked.
    final class JWKSServer: Sendable {
        private let state: NIOLockedValueBox<(body: String, status: HTTPResponse.Status, fetches: Int)>

        init(body: String) {
            self.state = NIOLockedValueBox((body, .ok, 0))
        }

        var fetches: Int { self.state.withLockedValue { $0.fetches } }
        func serve(_ body: String, status: HTTPResponse.Status = .ok) { self.state.withLockedValue { $0.body = body; $0.status = status } }

        func application() -> some ApplicationProtocol {
            let router = Router()
            router.get("auth/v1/.well-known/jwks.json") { _, _ -> Response in
                let (body, status) = self.state.withLockedValue { state in
                    state.fetches += 1
                    return (state.body, state.status)
                }
                return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
            }
            return Application(router: router, logger: quietLogger)
        }
    }

    func makeVerifier(port: Int, clock: ManualClock) async throws -> SupabaseTokenVerifier {
        let configuration = try authConfiguration(["SUPABASE_JWKS_URL": "http://localhost:\(port)/auth/v1/.well-known/jwks.json"])
        return try await SupabaseTokenVerifier.make(
            configuration: configuration, logger: quietLogger, now: { Date() }, refreshClock: { clock.now }
        )
    }

    @Test func unknownKeyIDRefreshesAtMostOncePerMinute() async throws {
        let keys = try TestKeys()
        let server = JWKSServer(body: try keys.jwks(es256: [("es-1", keys.es256)]))
        let clock = ManualClock()
        try await server.application().test(.live) { client in
            let verifier = try await self.makeVerifier(port: try #require(client.port), clock: clock)
            #expect(server.fetches == 1)

            // A known key needs no fetch.
            #expect(try await verifier.verify(makeToken(signer: .es256(keys.es256, kid: "es-1"))).id == TestClaims().sub)
            #expect(server.fetches == 1)

            // The project rotates to es-2. Within a minute of the start fetch, es-2 is unknown
            // and refused without a fetch.
            server.serve(try keys.jwks(es256: [("es-1", keys.es256), ("es-2", keys.es256Spare)]))
            let rotated = try await makeToken(signer: .es256(keys.es256Spare, kid: "es-2"))
            await expectRefused(verifier, rotated)
            #expect(server.fetches == 1)

            // A minute later, the unknown kid triggers one fetch and the token is accepted.
            clock.advance(by: .seconds(61))
            #expect(try await verifier.verify(rotated).id == TestClaims().sub)
            #expect(server.fetches == 2)

            // Made-up kids right after: refused, no fetch, however many (and concurrently).
            await expectRefused(verifier, try await makeToken(signer: .es256(keys.es256, kid: "made-up-1")))
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask { await expectRefused(verifier, try! await makeToken(signer: .es256(keys.es256, kid: "made-up-\(index)"))) }
                }
            }
            #expect(server.fetches == 2)

            // Next minute: concurrent unknown kids share one fetch.
            clock.advance(by: .seconds(61))
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask { await expectRefused(verifier, try! await makeToken(signer: .es256(keys.es256, kid: "other-\(index)"))) }
                }
            }
            #expect(server.fetches == 3)
        }
    }

    @Test func failedRefreshKeepsTheCachedKeys() async throws {
        let keys = try TestKeys()
        let server = JWKSServer(body: try keys.jwks(es256: [("es-1", keys.es256)]))
        let clock = ManualClock()
        try await server.application().test(.live) { client in
            let verifier = try await self.makeVerifier(port: try #require(client.port), clock: clock)
            let token = try await makeToken(signer: .es256(keys.es256, kid: "es-1"))

            server.serve("oops", status: .internalServerError)
            clock.advance(by: .seconds(61))
            await expectRefused(verifier, try await makeToken(signer: .es256(keys.es256Spare, kid: "es-2")))
            #expect(server.fetches == 2)
            #expect(try await verifier.verify(token).id == TestClaims().sub)

            server.serve(#"{"keys":[]}"#)
            clock.advance(by: .seconds(61))
            await expectRefused(verifier, try await makeToken(signer: .es256(keys.es256Spare, kid: "es-2")))
            #expect(server.fetches == 3)
            #expect(try await verifier.verify(token).id == TestClaims().sub)
        }
    }

    @Test func staleKeysAreRefetchedInTheBackgroundSoRevokedKeysStopVerifying() async throws {
        let keys = try TestKeys()
        let server = JWKSServer(body: try keys.jwks(es256: [("es-1", keys.es256)]))
        let clock = ManualClock()
        try await server.application().test(.live) { client in
            let verifier = try await self.makeVerifier(port: try #require(client.port), clock: clock)
            let revoked = try await makeToken(signer: .es256(keys.es256, kid: "es-1"))

            // es-1 is revoked; ten minutes on, the next request still uses the cache but
            // starts a refetch.
            server.serve(try keys.jwks(es256: [("es-2", keys.es256Spare)]))
            clock.advance(by: .seconds(601))
            #expect(try await verifier.verify(revoked).id == TestClaims().sub)
            for _ in 0..<200 where server.fetches < 2 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(server.fetches == 2)
            // Let the refresh store its keys, then es-1 is gone (and no fetch is due).
            var refused = false
            for _ in 0..<200 where !refused {
                do { _ = try await verifier.verify(revoked) } catch { refused = true }
                if !refused { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(refused)
            #expect(server.fetches == 2)
        }
    }

    @Test func startFailsWhenTheJWKSCannotBeFetched() async throws {
        let keys = try TestKeys()
        let server = JWKSServer(body: "")
        let clock = ManualClock()
        try await server.application().test(.live) { client in
            let port = try #require(client.port)
            for (body, status) in [("not json", HTTPResponse.Status.ok), (#"{"keys":[]}"#, .ok), (try keys.standardJWKS(), .notFound)] {
                server.serve(body, status: status)
                do {
                    _ = try await self.makeVerifier(port: port, clock: clock)
                    Issue.record("started with an unusable JWKS")
                } catch {
                    #expect((error as? ConfigurationError)?.setting == "SUPABASE_JWKS_URL")
                }
            }
        }
    }

    @Test func startFailsWhenTheJWKSServerIsDown() async throws {
        var configuration = try authConfiguration(["SUPABASE_JWKS_URL": "http://127.0.0.1:1/auth/v1/.well-known/jwks.json"])
        configuration.fetchTimeout = .milliseconds(500)
        do {
            _ = try await SupabaseTokenVerifier.make(configuration: configuration, logger: quietLogger)
            Issue.record("started without its keys")
        } catch {
            #expect(error.setting == "SUPABASE_JWKS_URL")
        }
    }
}
