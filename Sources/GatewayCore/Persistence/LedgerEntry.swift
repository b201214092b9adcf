import GatewayStore
import NIOConcurrencyHelpers
import RPCProto
import RPCRuntime

/// One call's usage-ledger row, written once both halves of it are known: how the call ended
/// for its user (the route says, and the duration is what the user waited), and what the
/// service says the call spent (its closing RPC status, see ``RPCClient/Settled``). The second
/// half comes after the first for a call the gateway gave up on: a stream whose client left, a
/// call past the gateway's deadline, a stream ended right after `done`. Waiting for it is what
/// puts the tokens of abandoned calls in the ledger.
///
/// A row is written only when a service settled the call, so a call that never reached one
/// (none reachable, refused before it started, a 429 of the gateway's own) has none.
final class LedgerEntry: Sendable {
    enum Outcome: Sendable {
        /// Answered; `answerTokens` are the answer's own account, used when the status carries none.
        case answered(answerTokens: [UsageCall.ModelTokens])
        /// Failed; nil: the client left.
        case failed(APIErrorResponse?)
    }

    private struct Halves {
        var outcome: Outcome?
        var duration: Duration?
        var spent: [Career_V1_ModelUsage]?
        var written = false
    }

    private let persistence: Persistence
    private let call: Persistence.Call
    private let halves = NIOLockedValueBox(Halves())

    init(persistence: Persistence, call: Persistence.Call) {
        self.persistence = persistence
        self.call = call
    }

    /// How the call ended for its user. The first outcome counts.
    func end(_ outcome: Outcome) {
        let duration = ContinuousClock.now - self.call.started
        self.complete { halves in
            guard halves.outcome == nil else { return }
            halves.outcome = outcome
            halves.duration = duration
        }
    }

    /// What the service's closing status reported spending (the RPC client's settlement).
    func settled(_ spent: [Career_V1_ModelUsage]) {
        self.complete { $0.spent = spent }
    }

    /// ``settled(_:)``, for the RPC call.
    var settlement: RPCClient.Settled {
        { [self] spent in self.settled(spent) }
    }

    private func complete(_ update: (inout Halves) -> Void) {
        let ready = self.halves.withLockedValue { halves -> (Outcome, Duration, [Career_V1_ModelUsage])? in
            update(&halves)
            guard !halves.written, let outcome = halves.outcome, let duration = halves.duration, let spent = halves.spent else { return nil }
            halves.written = true
            return (outcome, duration, spent)
        }
        guard let (outcome, duration, spent) = ready else { return }
        let tokens = UsageCall.ModelTokens.fromStatus(spent)
        switch outcome {
        case .answered(let answerTokens):
            self.persistence.recordAnswered(self.call, tokens: tokens.isEmpty ? answerTokens : tokens, duration: duration)
        case .failed(let error):
            self.persistence.fail(self.call, error: error, tokens: tokens, duration: duration)
        }
    }

    deinit {
        // A status came but the route never said how the call ended (a stream whose writer
        // never ran because the client had gone): the user got nothing.
        let orphan = self.halves.withLockedValue { !$0.written && $0.outcome == nil ? $0.spent : nil }
        if let spent = orphan {
            self.persistence.fail(
                self.call, error: nil, tokens: UsageCall.ModelTokens.fromStatus(spent), duration: ContinuousClock.now - self.call.started
            )
        }
    }
}
