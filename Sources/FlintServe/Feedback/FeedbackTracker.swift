import Foundation
import Synchronization

/// Remembers recent predictions by request id and, when `POST /feedback` brings the true label, scores
/// them per model version over a sliding window of the last `window` feedback records:
/// accuracy = correct / n, error rate = 1 − accuracy (exported as `model_accuracy_score` and
/// `model_error_rate`).
public final class FeedbackTracker: Sendable {
    /// A remembered prediction.
    public struct Prediction: Sendable, Equatable {
        /// Served name.
        public var model: String
        /// Version that answered.
        public var version: String
        /// Predicted label.
        public var label: String
        /// Every label the model knows.
        public var labels: [String]
    }

    /// What one feedback record did.
    public struct Outcome: Sendable, Equatable {
        /// The prediction it scored.
        public var prediction: Prediction
        /// Whether the prediction was right.
        public var correct: Bool
        /// Accuracy of that version over its window now.
        public var accuracy: Double
        /// Records in the window.
        public var windowCount: Int
    }

    private struct State {
        var predictions: [String: Prediction] = [:]
        var order: [String] = []
        var orderHead = 0
        var scored: Set<String> = []
        var windows: [String: Window] = [:]
    }

    private struct Window {
        var outcomes: [Bool] = []
        var next = 0
        var correct = 0
    }

    /// Feedback records per version in the window.
    public let window: Int
    /// Predictions remembered (oldest forgotten first).
    public let memory: Int
    private let state = Mutex(State())

    /// A tracker.
    public init(window: Int, memory: Int) {
        precondition(window > 0 && memory > 0, "FeedbackTracker: window \(window) and memory \(memory) must be positive")
        self.window = window
        self.memory = memory
    }

    /// Remembers a prediction under its request id.
    public func remember(requestID: String, prediction: Prediction) {
        state.withLock { s in
            if s.predictions.updateValue(prediction, forKey: requestID) == nil { s.order.append(requestID) }
            while s.order.count - s.orderHead > memory {
                let old = s.order[s.orderHead]
                s.orderHead += 1
                s.predictions[old] = nil
                s.scored.remove(old)
            }
            if s.orderHead > 4096 && s.orderHead * 2 > s.order.count {
                s.order.removeFirst(s.orderHead)
                s.orderHead = 0
            }
        }
    }

    /// Scores the prediction of `requestID` against `label`.
    /// Throws 404 for an unknown (or forgotten) id, 422 for a label the model does not have, 409 when the
    /// request was already scored.
    public func record(requestID: String, label: String) throws -> Outcome {
        try state.withLock { s in
            guard let prediction = s.predictions[requestID] else {
                throw APIError(.notFound, "no recent prediction has request_id '\(requestID)'", type: "not_found_error",
                               code: "unknown_request_id")
            }
            guard prediction.labels.contains(label) else {
                throw APIError.invalid("label '\(label)' is not one of the model's labels \(prediction.labels)",
                                       code: "unknown_label")
            }
            guard s.scored.insert(requestID).inserted else {
                throw APIError(.conflict, "request '\(requestID)' already has feedback", type: "invalid_request_error",
                               code: "duplicate_feedback")
            }
            let key = prediction.model + "\u{0}" + prediction.version
            var w = s.windows[key] ?? Window()
            let correct = prediction.label == label
            if w.outcomes.count < window {
                w.outcomes.append(correct)
            } else {
                if w.outcomes[w.next] { w.correct -= 1 }
                w.outcomes[w.next] = correct
                w.next = (w.next + 1) % window
            }
            if correct { w.correct += 1 }
            s.windows[key] = w
            return Outcome(prediction: prediction, correct: correct,
                           accuracy: Double(w.correct) / Double(w.outcomes.count), windowCount: w.outcomes.count)
        }
    }
}
