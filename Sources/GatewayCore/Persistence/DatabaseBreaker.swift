import NIOConcurrencyHelpers

/// Remembers that the database just failed, so that while it is down each call does not wait
/// out a bound first: for ``openFor`` after a failure, callers skip the database at once (an
/// answer without `resultId`, this replica's own limits). The first call after that tries again.
final class DatabaseBreaker: Sendable {
    /// How long the database is skipped after a failure: 5 s.
    static let openFor: Duration = .seconds(5)

    private let openUntil = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
    private let now: @Sendable () -> ContinuousClock.Instant

    init(now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.now = now
    }

    /// Whether to skip the database now.
    var isOpen: Bool {
        self.openUntil.withLockedValue { until in
            guard let end = until else { return false }
            if self.now() < end { return true }
            until = nil
            return false
        }
    }

    func recordFailure() {
        let end = self.now() + Self.openFor
        self.openUntil.withLockedValue { $0 = end }
    }

    func recordSuccess() {
        self.openUntil.withLockedValue { $0 = nil }
    }
}
