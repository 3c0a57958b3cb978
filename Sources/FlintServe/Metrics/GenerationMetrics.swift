import Foundation
import Metrics
import FlintModels

/// The chat models' metrics (text generation), beside the request metrics of ``ServeMetrics``:
///
/// | metric | type | labels |
/// |---|---|---|
/// | `llm_prompt_tokens_total` | counter (prompt tokens, cached ones included) | model |
/// | `llm_cached_prompt_tokens_total` | counter (prompt tokens whose KV came from the prefix cache) | model |
/// | `llm_generation_tokens_total` | counter | model |
/// | `llm_time_to_first_token_seconds` | histogram (request accepted → first token) | model |
/// | `llm_time_per_output_token_seconds` | histogram (first → last token, per later token) | model |
/// | `llm_active_sequences` | gauge (sequences in the running batch) | model |
/// | `llm_queue_depth` | gauge (requests waiting for a slot) | model |
/// | `llm_kv_cache_usage_ratio` | gauge (KV memory held ÷ the most the slots and the prefix cache may hold) | model |
///
/// Message content is never recorded or logged.
extension ServeMetrics {
    /// Counts a finished request's tokens and records its latencies, per choice.
    func recordGeneration(model: String, results: [ChoiceResult], choicesPerPrompt: Int, started: ContinuousClock.Instant) {
        let dimensions = [("model", model)]
        var prompt = 0, cached = 0, generated = 0
        for (index, result) in results.enumerated() {
            // The choices of one prompt share it: counted once.
            if index % max(1, choicesPerPrompt) == 0 {
                prompt += result.promptTokens
                cached += result.cachedTokens
            }
            generated += result.tokens.count
            if let first = result.firstTokenAt {
                Timer(label: "llm_time_to_first_token_seconds", dimensions: dimensions, factory: factory)
                    .recordNanoseconds((first - started).nanoseconds)
                if let last = result.lastTokenAt, result.tokens.count > 1 {
                    Timer(label: "llm_time_per_output_token_seconds", dimensions: dimensions, factory: factory)
                        .recordNanoseconds((last - first).nanoseconds / Int64(result.tokens.count - 1))
                }
            }
        }
        Counter(label: "llm_prompt_tokens_total", dimensions: dimensions, factory: factory).increment(by: prompt)
        Counter(label: "llm_cached_prompt_tokens_total", dimensions: dimensions, factory: factory).increment(by: cached)
        Counter(label: "llm_generation_tokens_total", dimensions: dimensions, factory: factory).increment(by: generated)
    }

    /// Sets the engine gauges of a chat model (called when `/metrics` is rendered).
    func recordEngine(_ model: ServedChatModel) {
        let status = model.engine.currentStatus
        let dimensions = [("model", model.name)]
        Gauge(label: "llm_active_sequences", dimensions: dimensions, factory: factory).record(status.activeSequences)
        Gauge(label: "llm_queue_depth", dimensions: dimensions, factory: factory).record(status.queuedRequests)
        let configuration = model.model.model.configuration
        let bytesPerPosition = 2 * configuration.layerCount * configuration.keyValueWidth * model.model.cachePrecision.byteCount
        let capacity = model.engine.configuration.maxSequences * model.model.contextSize * bytesPerPosition
            + model.engine.configuration.prefixCacheBytes
        Gauge(label: "llm_kv_cache_usage_ratio", dimensions: dimensions, factory: factory)
            .record(capacity > 0 ? Double(status.kvCacheBytes) / Double(capacity) : 0)
    }
}
