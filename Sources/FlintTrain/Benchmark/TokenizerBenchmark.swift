import Foundation
import Flint
import FlintText

/// `tokenize_10k_minilm`: 10,000 sentences through MiniLM's tokenizer, Flint against the Hugging Face
/// fast tokenizer (`tokenizer(list_of_texts)` in transformers, Rust, parallel), both reading the same
/// corpus file.
public enum TokenizerBenchmark {
    /// Number of sentences.
    public static let sentenceCount = 10_000

    /// The MiniLM folder: `$FLINT_CACHE/models/all-MiniLM-L6-v2` (default cache `~/.cache/flint`).
    public static var modelFolder: URL {
        let env = ProcessInfo.processInfo.environment
        let cache = env["FLINT_CACHE"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache/flint")
        return URL(fileURLWithPath: cache).appendingPathComponent("models/all-MiniLM-L6-v2")
    }

    static let words = """
        the of and to in is was for that on with as by at from it be this are have an not which or but had his they \
        you were their one all we can her has there been if more when will would who so no she other its may these \
        about time people year way day man thing woman life child world school state family student group country \
        problem hand part place case week company system program question work government number night point home \
        water room mother area money story fact month lot right study book eye job word business issue side kind \
        head house service friend father power hour game line end member law car city community name president team \
        minute idea kid body information back parent face others level office door health person art war history \
        party result change morning reason research girl guy moment air teacher force education model network \
        training embedding transformer attention tokenizer sentence language learning gradient optimizer inference \
        unbelievable internationalization misunderstanding counterproductive electroencephalography \
        good new first last long great little own old big high different small large next early young important few \
        public bad same able quickly really never always often sometimes together already however therefore
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    static let rareWords = ["café", "naïve", "résumé", "Zürich", "São", "façade", "jalapeño", "Ångström", "Łódź", "crème",
                            "brûlée", "Øresund", "El Niño", "東京", "中文", "日本語", "北京", "한국어", "привет", "mañana",
                            "😀", "🎉", "COVID-19", "e-mail", "don't", "it's", "we're", "3.14", "$42", "100%",
                            "https://example.com/a?b=c", "user@example.org", "#hashtag", "@mention", "C++", "x86_64"]

    static let punctuation = [",", ",", ";", ":", " -", " (see below)", "!", "?", "..."]

    /// The deterministic corpus: sentences of 3 to 60 words (mostly 8–25) from a fixed word list, with
    /// punctuation, capitals, numbers, accents, CJK, emoji, URLs and contractions.
    public static func corpus(count: Int = sentenceCount, seed: UInt64 = 20_241_129) -> [String] {
        var random = RandomGenerator(seed: seed)
        var sentences: [String] = []
        sentences.reserveCapacity(count)
        for _ in 0..<count {
            let shape = random.nextInt(below: 10)
            let length = shape < 1 ? 3 + random.nextInt(below: 5) : shape < 8 ? 8 + random.nextInt(below: 18) : 26 + random.nextInt(below: 35)
            var sentence = ""
            for index in 0..<length {
                var word: String
                let draw = random.nextInt(below: 100)
                if draw < 6 {
                    word = rareWords[random.nextInt(below: rareWords.count)]
                } else if draw < 9 {
                    word = String(random.nextInt(below: 10_000))
                } else {
                    word = words[random.nextInt(below: words.count)]
                }
                if index == 0 || random.nextInt(below: 25) == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
                if index > 0 { sentence += " " }
                sentence += word
                if index + 1 < length && random.nextInt(below: 12) == 0 {
                    sentence += punctuation[random.nextInt(below: punctuation.count)]
                }
            }
            sentence += [".", ".", ".", "!", "?"][random.nextInt(below: 5)]
            sentences.append(sentence)
        }
        return sentences
    }

    /// Writes the corpus, one sentence per line, to `url`.
    public static func writeCorpus(to url: URL) throws {
        try (corpus().joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// Reads a corpus file written by `writeCorpus`.
    public static func readCorpus(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    /// Worker cases: `tokenize-flint` times Flint on the corpus at `corpusPath`; `tokenize-corpus`
    /// writes the corpus there (to compare ids with the peer outside the benchmark).
    public static func runWorker(_ name: String, corpusPath: String) throws -> String {
        if name == "tokenize-corpus" {
            try writeCorpus(to: URL(fileURLWithPath: corpusPath))
            return "{\"sentences\": \(sentenceCount)}"
        }
        return try runFlint(corpusPath: corpusPath)
    }

    /// The worker: `{"sentences_per_s", "tokens", "seconds"}` for `encodeBatch` on the corpus at `path`
    /// with MiniLM's tokenizer.
    public static func runFlint(corpusPath: String) throws -> String {
        try timeEncoding(corpusPath: corpusPath, tokenizer: Tokenizer.fromPretrained(modelFolder))
    }

    /// `{"sentences_per_s", "tokens", "seconds", "runs"}` for `tokenizer.encodeBatch` over the corpus at
    /// `corpusPath`: the best of at least 5 timed runs (up to 3 s) after a warm-up run.
    static func timeEncoding(corpusPath: String, tokenizer: Tokenizer) throws -> String {
        let texts = try readCorpus(corpusPath)
        var tokens = 0
        for encoding in tokenizer.encodeBatch(texts) { tokens += encoding.count }
        var best = Double.infinity
        let start = BenchmarkTiming.now()
        var runs = 0
        while runs < 5 || (BenchmarkTiming.now() - start < 3 && runs < 30) {
            let t0 = BenchmarkTiming.now()
            let encodings = tokenizer.encodeBatch(texts)
            let elapsed = BenchmarkTiming.now() - t0
            precondition(encodings.count == texts.count)
            best = min(best, elapsed)
            runs += 1
        }
        return "{\"sentences_per_s\": \(Double(texts.count) / best), \"tokens\": \(tokens), \"seconds\": \(best), \"runs\": \(runs)}"
    }
}

extension BenchmarkSuite {
    /// `tokenize_10k_minilm`: sentences/s of Flint and of the Hugging Face fast tokenizer on the same
    /// 10,000 sentences; the two alternate twice and each keeps its best run.
    public func tokenizerRows() -> [BenchmarkRow] {
        tokenizerComparisonRows(
            name: "tokenize_10k_minilm", label: "tokenize 10k sentences", workerCase: "tokenize-flint",
            environment: [:], peerScript: "bench_tokenize.py", peerArguments: [TokenizerBenchmark.modelFolder.path],
            peerName: "HF fast tokenizer (transformers, Rust, batch call)"
        ) { result in
            guard let version = result["transformers"] as? String, let rust = result["tokenizers"] as? String else { return nil }
            return "transformers \(version) fast tokenizer (tokenizers \(rust), batch call)"
        }
    }

    /// One row comparing Flint's `encodeBatch` (worker case `workerCase`) with a peer script on the same
    /// 10,000-sentence corpus file; the two alternate twice and each keeps its best run. The token counts
    /// of both sides are compared and a difference is reported.
    func tokenizerComparisonRows(name: String, label: String, workerCase: String, environment: [String: String],
                                 peerScript: String, peerArguments: [String], peerName defaultPeerName: String,
                                 describePeer: ([String: Any]) -> String?) -> [BenchmarkRow] {
        let corpus = FileManager.default.temporaryDirectory.appendingPathComponent("flint-\(workerCase)-corpus-\(getpid()).txt")
        defer { try? FileManager.default.removeItem(at: corpus) }
        do {
            try TokenizerBenchmark.writeCorpus(to: corpus)
        } catch {
            progress("bench: cannot write the tokenizer corpus: \(error)")
            return []
        }
        var workerEnvironment = environment
        workerEnvironment["FLINT_BENCH_CORPUS"] = corpus.path
        var flint: [Double] = [], peer: [Double] = []
        var flintTokens: Int? = nil, peerTokens: Int? = nil
        var peerName = defaultPeerName
        for round in 0..<2 {
            progress("bench: \(label), Flint (round \(round + 1))")
            if let result = BenchmarkSubprocess.lastJSONObject(BenchmarkSubprocess.run(
                BenchmarkSubprocess.currentExecutable, ["bench-worker", workerCase], environment: workerEnvironment)) {
                if let value = result["sentences_per_s"] as? Double { flint.append(value) }
                flintTokens = result["tokens"] as? Int
            }
            if let python = BenchmarkSubprocess.peerPython {
                progress("bench: \(label), Hugging Face (round \(round + 1))")
                if let result = BenchmarkSubprocess.lastJSONObject(BenchmarkSubprocess.run(
                    python, ["\(peerScripts)/\(peerScript)", corpus.path] + peerArguments)) {
                    if let value = result["sentences_per_s"] as? Double { peer.append(value) }
                    peerTokens = result["tokens"] as? Int
                    if let described = describePeer(result) { peerName = described }
                }
            }
        }
        if let flintTokens, let peerTokens, flintTokens != peerTokens {
            progress("bench: \(label): token counts differ: Flint \(flintTokens), Hugging Face \(peerTokens)")
        }
        return [BenchmarkRow(name: name, unit: "sentences/s", flint: flint.max() ?? .nan, peer: peer.max(),
                             goal: 1.0, peerName: peerName)]
    }
}
