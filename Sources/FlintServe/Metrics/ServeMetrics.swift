import Foundation
import Metrics
import Prometheus

/// The server's metrics, recorded through swift-metrics into its own Prometheus registry (one per
/// server, so that tests and several servers in one process don't share counters) and rendered in
/// Prometheus' text format by `GET /metrics`:
///
/// | metric | type | labels |
/// |---|---|---|
/// | `model_predictions_total` | counter | model, model_version, status (`ok`, `error`, `rejected`) |
/// | `model_prediction_duration_seconds` | histogram (per request: queue + inference) | model, model_version |
/// | `model_batch_size` | histogram (texts per forward pass) | model, model_version |
/// | `model_batch_duration_seconds` | histogram (per forward pass) | model, model_version |
/// | `model_queue_depth` | gauge (requests waiting) | model, model_version |
/// | `model_accuracy_score`, `model_error_rate` | gauge (feedback window) | model, model_version |
/// | `http_requests_total` | counter | route, method, status |
/// | `http_request_duration_seconds` | histogram | route |
/// | `process_resident_memory_bytes` | gauge | — |
public final class ServeMetrics: Sendable {
    /// The Prometheus registry the factory records into.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory bound to ``registry``.
    public let factory: PrometheusMetricsFactory

    /// Buckets of `model_prediction_duration_seconds`: 1 ms … 10 s.
    public static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    /// Buckets of `model_batch_size`.
    public static let batchSizeBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128]

    /// A fresh registry.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.durationBuckets
        factory.valueHistogramBuckets = ["model_batch_size": Self.batchSizeBuckets]
        self.factory = factory
    }

    /// Counts one request's texts under `status`.
    public func recordPredictions(model: String, version: String, status: String, count: Int = 1) {
        Counter(label: "model_predictions_total",
                dimensions: [("model", model), ("model_version", version), ("status", status)], factory: factory)
            .increment(by: count)
    }

    /// Records one request's prediction time: queueing plus its share of a forward pass, as the client
    /// waits for it (HTTP parsing and encoding excluded).
    public func recordPrediction(model: String, version: String, duration: Duration) {
        Timer(label: "model_prediction_duration_seconds", dimensions: [("model", model), ("model_version", version)],
              factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    /// Records one forward pass: how many texts it held and how long it ran.
    public func recordBatch(model: String, version: String, size: Int, duration: Duration) {
        let dimensions = [("model", model), ("model_version", version)]
        Recorder(label: "model_batch_size", dimensions: dimensions, aggregate: true, factory: factory)
            .record(size)
        Timer(label: "model_batch_duration_seconds", dimensions: dimensions, factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    /// Sets the number of requests waiting for a model version.
    public func setQueueDepth(model: String, version: String, depth: Int) {
        Gauge(label: "model_queue_depth", dimensions: [("model", model), ("model_version", version)], factory: factory)
            .record(depth)
    }

    /// Sets the feedback accuracy and error rate of a model version.
    public func setAccuracy(model: String, version: String, accuracy: Double) {
        let dimensions = [("model", model), ("model_version", version)]
        Gauge(label: "model_accuracy_score", dimensions: dimensions, factory: factory).record(accuracy)
        Gauge(label: "model_error_rate", dimensions: dimensions, factory: factory).record(1 - accuracy)
    }

    /// Counts one HTTP exchange and its duration.
    public func recordHTTP(route: String, method: String, status: Int, duration: Duration) {
        Counter(label: "http_requests_total",
                dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            .increment()
        Timer(label: "http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    /// The exposition text (`text/plain; version=0.0.4`), with resident memory read now.
    public func render() -> String {
        if let resident = Self.residentMemoryBytes() {
            Gauge(label: "process_resident_memory_bytes", factory: factory).record(resident)
        }
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// VmRSS of this process from `/proc/self/statm` (resident pages × page size); nil where absent.
    public static func residentMemoryBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

extension Duration {
    /// Whole nanoseconds.
    var nanoseconds: Int64 {
        let parts = components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}
