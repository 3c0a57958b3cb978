import Testing

/// The suites that run SmolLM2 behind a server (chat completions, the Batch API, the official clients), one at a
/// time: each keeps both cores busy, and together they starved the timing-sensitive process tests of a full run.
@Suite(.serialized) enum LLMServingTests {}
