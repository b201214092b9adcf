import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The payloads of one server-streaming call, handed from the connection's event loop to the
/// one task that reads them.
///
/// Used in place of an `AsyncThrowingStream` because its reader can also be woken from outside:
/// a gateway writing Server-Sent Events must send a ping while the model is still thinking,
/// and with a plain stream that takes a second task per call to merge the timer with the
/// messages (plus a third to read the messages into the merge). At 10,000 held streams those
/// tasks and their frames were a large share of the gateway's memory.
final class ResponseFrames: Sendable {
    enum Received {
        case payload(Data)
        case woken
        case ended
        case cancelled
    }

    private struct State {
        var buffered = CircularBuffer<Data>()
        /// Set when the service's closing status arrived: nil for OK, or the call's failure.
        var ending: (any Error)??
        var wakePending = false
        /// The reader stopped: cancelled, or the stream dropped. Nothing is delivered after.
        var cancelled = false
        /// `onTermination` has run (it runs once, at the first of end and cancel).
        var terminated = false
        var waiter: UnsafeContinuation<Received, any Error>?
    }

    private let state = NIOLockedValueBox(State())
    /// Runs once: when the call ends, or when the reader stops first (`cancelled` true), which
    /// must cancel the call on the wire.
    private let onTermination: @Sendable (_ cancelled: Bool) -> Void

    init(onTermination: @escaping @Sendable (_ cancelled: Bool) -> Void) {
        self.onTermination = onTermination
    }

    // MARK: The connection's side

    func yield(_ payload: Data) {
        let waiter: UnsafeContinuation<Received, any Error>? = self.state.withLockedValue { state in
            guard !state.cancelled, state.ending == nil else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.buffered.append(payload)
            return nil
        }
        waiter?.resume(returning: .payload(payload))
    }

    /// The call ended: normally (`failure` nil) or with the call's error, delivered after
    /// whatever is still buffered.
    func finish(failure: (any Error)?) {
        let (waiter, runTermination): (UnsafeContinuation<Received, any Error>?, Bool) = self.state.withLockedValue { state in
            guard !state.cancelled, state.ending == nil else { return (nil, false) }
            let runTermination = !state.terminated
            state.terminated = true
            let waiter = state.waiter
            state.waiter = nil
            // A waiting reader takes the ending now (so nothing is buffered); later reads see
            // a plain end.
            state.ending = waiter == nil ? .some(failure) : .some(nil)
            return (waiter, runTermination)
        }
        if runTermination { self.onTermination(false) }
        guard let waiter else { return }
        if let failure { waiter.resume(throwing: failure) } else { waiter.resume(returning: .ended) }
    }

    // MARK: The reader's side

    /// Makes the current wait, or the next one, return `.woken` (once, however often called
    /// before it is seen).
    func wake() {
        let waiter: UnsafeContinuation<Received, any Error>? = self.state.withLockedValue { state in
            guard !state.cancelled else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.wakePending = true
            return nil
        }
        waiter?.resume(returning: .woken)
    }

    /// Stops reading: the call is cancelled on the wire unless it has already ended, and the
    /// current or next wait returns `.cancelled`. Idempotent; nothing happens once the reader
    /// has seen the end (later reads still say it ended).
    func cancel() {
        let (waiter, runTermination): (UnsafeContinuation<Received, any Error>?, Bool) = self.state.withLockedValue { state in
            guard !state.cancelled else { return (nil, false) }
            if case .some(.none) = state.ending, state.buffered.isEmpty { return (nil, false) }
            state.cancelled = true
            state.buffered.removeAll()
            let runTermination = !state.terminated
            state.terminated = true
            let waiter = state.waiter
            state.waiter = nil
            return (waiter, runTermination)
        }
        if runTermination { self.onTermination(true) }
        waiter?.resume(returning: .cancelled)
    }

    /// The next payload, a wake-up, the end (thrown when the call failed), or `.cancelled` once
    /// the reader has stopped or its task is cancelled. One reader at a time.
    @inline(never)
    func next() async throws -> Received {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Received, any Error>) in
                let ready: Result<Received, any Error>? = self.state.withLockedValue { state in
                    if state.cancelled { return .success(.cancelled) }
                    if !state.buffered.isEmpty { return .success(.payload(state.buffered.removeFirst())) }
                    if state.wakePending {
                        state.wakePending = false
                        return .success(.woken)
                    }
                    if let ending = state.ending {
                        // Delivered once; later reads see a plain end.
                        state.ending = .some(nil)
                        return ending.map { .failure($0) } ?? .success(.ended)
                    }
                    // A second reader would leave the first waiting for ever.
                    assert(state.waiter == nil, "ResponseFrames has one reader at a time")
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            self.cancel()
        }
    }
}

/// The reading end of a call's ``ResponseFrames``, shared by a response stream and its
/// iterators: when the last of them is dropped, reading has stopped and the call is cancelled
/// (nothing happens if it had already ended).
final class ResponseFramesReader: Sendable {
    let frames: ResponseFrames

    init(_ frames: ResponseFrames) {
        self.frames = frames
    }

    deinit {
        self.frames.cancel()
    }
}
