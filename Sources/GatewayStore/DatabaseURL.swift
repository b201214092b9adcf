import Foundation
import NIOSSL
import PostgresNIO

/// `DATABASE_URL`: `postgres://user:password@host:port/database?sslmode=…`, as libpq and
/// Supabase's dashboard write it (`postgresql://` too). User and password are percent-decoded.
///
/// `sslmode`, as libpq reads it: `disable`; `allow` and `prefer` (the default) try TLS and fall
/// back to plain; `require` insists on TLS without checking the certificate (Supabase's
/// advice); `verify-ca` checks the chain against the system's roots; `verify-full` checks the
/// host name too.
public struct DatabaseURL: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public init(_ text: String) throws(Invalid) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              ["postgres", "postgresql"].contains(scheme.lowercased())
        else { throw Invalid(description: "must be postgres://user:password@host:port/database, got something else") }
        guard let host = components.host, !host.isEmpty else { throw Invalid(description: "names no host") }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw Invalid(description: "names no user")
        }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        guard (1...65535).contains(self.port) else { throw Invalid(description: "has an invalid port") }
        self.username = user
        self.password = components.percentEncodedPassword?.removingPercentEncoding
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        let mode = components.queryItems?.last(where: { $0.name == "sslmode" })?.value ?? SSLMode.prefer.rawValue
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw Invalid(description: "has sslmode '\(mode)'; use one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.sslMode = sslMode
    }

    /// The pool's configuration for this URL.
    public var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: self.host, port: self.port, username: self.username, password: self.password, database: self.database, tls: self.tls
        )
        // Enough for a gateway replica's saves and reads; Supabase's poolers allow more.
        configuration.options.maximumConnections = 20
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    var tls: PostgresClient.Configuration.TLS {
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        switch self.sslMode {
        case .disable:
            return .disable
        case .allow, .prefer:
            return .prefer(unverified)
        case .require:
            return .require(unverified)
        case .verifyCA:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .noHostnameVerification
            return .require(configuration)
        case .verifyFull:
            return .require(.makeClientConfiguration())
        }
    }

    /// The URL without its password, for logs.
    public var redacted: String {
        "postgres://\(self.username)@\(self.host):\(self.port)/\(self.database)?sslmode=\(self.sslMode.rawValue)"
    }
}
