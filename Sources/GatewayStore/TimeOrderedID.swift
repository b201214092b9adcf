import Foundation

extension UUID {
    /// A version 7 UUID (RFC 9562): the time in milliseconds since 1970 in its first 48 bits,
    /// then random bits. Ids made later sort after earlier ones (as text too), so a saved result's
    /// or a ledger row's primary key lands at the right edge of its B-tree instead of on a random
    /// page: fewer pages to dirty and write per batch than with random (version 4) ids.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        var bytes = (UInt128.random(in: .min ... .max)).bigEndianBytes
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // the RFC's variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

extension UInt128 {
    fileprivate var bigEndianBytes: [UInt8] { (0..<16).map { UInt8(truncatingIfNeeded: self >> (8 * (15 - $0))) } }
}
