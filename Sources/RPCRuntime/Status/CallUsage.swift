import NIOConcurrencyHelpers
import RPCProto

/// The model tokens a call spent, one entry per model, for its closing `CallStatus`
/// (PROTOCOL.md section 7): what a handler adds here travels with the status whatever the call's
/// outcome, so a call that failed after the model answered still reports its cost.
public final class CallUsage: Sendable {
    private let entries = NIOLockedValueBox<[Career_V1_ModelUsage]>([])

    public init() {}

    /// Adds tokens spent by `model` (summed with what it spent before on this call).
    public func add(model: String, promptTokens: Int64, outputTokens: Int64, thoughtsTokens: Int64, totalTokens: Int64) {
        guard promptTokens != 0 || outputTokens != 0 || thoughtsTokens != 0 || totalTokens != 0 else { return }
        self.entries.withLockedValue { entries in
            if let index = entries.firstIndex(where: { $0.model == model }) {
                entries[index].promptTokens += promptTokens
                entries[index].outputTokens += outputTokens
                entries[index].thoughtsTokens += thoughtsTokens
                entries[index].totalTokens += totalTokens
            } else {
                entries.append(.with {
                    $0.model = model
                    $0.promptTokens = promptTokens
                    $0.outputTokens = outputTokens
                    $0.thoughtsTokens = thoughtsTokens
                    $0.totalTokens = totalTokens
                })
            }
        }
    }

    /// Adds what another call reported spending (its status's `usage`), model by model: a
    /// service that calls another counts that call's tokens as its own call's.
    public func add(_ spent: [Career_V1_ModelUsage]) {
        for entry in spent {
            self.add(
                model: entry.model, promptTokens: entry.promptTokens, outputTokens: entry.outputTokens,
                thoughtsTokens: entry.thoughtsTokens, totalTokens: entry.totalTokens
            )
        }
    }

    /// Every model's tokens so far, in the order the models first spent any.
    public var byModel: [Career_V1_ModelUsage] { self.entries.withLockedValue { $0 } }
}
