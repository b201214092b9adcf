#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOCore

/// Turns a target such as `"generation:7101"`, `"127.0.0.1:7101,127.0.0.1:7111"` or
/// `"[::1]:7101"` into every socket address it names: a comma-separated list is a list of
/// replicas, and a DNS name with several addresses is several replicas.
public enum EndpointResolver {
    public struct HostPort: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)" }
    }

    public enum ParseError: Error, CustomStringConvertible {
        case invalid(String)
        public var description: String {
            switch self {
            case .invalid(let entry): "'\(entry)' is not host:port"
            }
        }
    }

    /// Splits a target into host:port entries, without looking anything up.
    public static func parse(_ target: String) throws(ParseError) -> [HostPort] {
        let entries = target.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw .invalid(target) }
        return try entries.map { entry throws(ParseError) in
            let host: Substring
            let portText: Substring
            if entry.hasPrefix("[") {
                guard let close = entry.firstIndex(of: "]"), entry[entry.index(after: close)...].hasPrefix(":") else { throw .invalid(entry) }
                host = entry[entry.index(after: entry.startIndex)..<close]
                portText = entry[entry.index(close, offsetBy: 2)...]
            } else {
                guard let colon = entry.lastIndex(of: ":") else { throw .invalid(entry) }
                host = entry[..<colon]
                portText = entry[entry.index(after: colon)...]
            }
            guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else { throw .invalid(entry) }
            return HostPort(host: String(host), port: port)
        }
    }

    /// Whether `host` names this machine's loopback without a lookup: `localhost`, `::1`, or an
    /// IPv4 literal in 127.0.0.0/8 (not a name that merely starts with "127."). For the
    /// benchmark tools, which send traffic to loopback only.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && UInt8($0) != nil }) else {
            return false
        }
        return octets[0] == "127"
    }

    /// Every address of every entry, in a stable order, without duplicates. Names that do not
    /// resolve are left out.
    public static func resolve(_ entries: [HostPort]) -> [SocketAddress] {
        var seen = Set<String>()
        var addresses: [SocketAddress] = []
        for entry in entries {
            for address in Self.lookUp(entry) where seen.insert(address.description).inserted {
                addresses.append(address)
            }
        }
        return addresses
    }

    private static func lookUp(_ entry: HostPort) -> [SocketAddress] {
        if let literal = try? SocketAddress(ipAddress: entry.host, port: entry.port) {
            return [literal]
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(entry.host, String(entry.port), &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var current: UnsafeMutablePointer<addrinfo>? = first
        while let info = current {
            if let raw = info.pointee.ai_addr {
                switch Int32(raw.pointee.sa_family) {
                case AF_INET:
                    raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        addresses.append(SocketAddress($0.pointee, host: entry.host))
                    }
                case AF_INET6:
                    raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        addresses.append(SocketAddress($0.pointee, host: entry.host))
                    }
                default:
                    break
                }
            }
            current = info.pointee.ai_next
        }
        return addresses
    }
}
