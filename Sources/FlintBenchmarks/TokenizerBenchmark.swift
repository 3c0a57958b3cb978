import Foundation
import Flint
import FlintSupport
import FlintText

/// `tokenize_10k_minilm`: 10,000 sentences through MiniLM's WordPiece tokenizer, Flint's `encodeBatch`
/// against Hugging Face `tokenizers`' `encode_batch` (Rust, parallel: the fair peer) and, as a second
/// labelled row, transformers' `tokenizer(list_of_texts)` call; all read the same corpus file.
public enum TokenizerBenchmark {
    /// Number of sentences.
    public static let sentenceCount = 10_000

    /// The MiniLM folder: `$FLINT_CACHE/models/all-MiniLM-L6-v2` (default cache `~/.cache/flint`).
    public static var modelFolder: URL { FlintCache.model(named: "all-MiniLM-L6-v2") }

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
    public static func runWorker(_ name: String, corpusPath: String) throws -> [String: Any] {
        if name == "tokenize-corpus" {
            try writeCorpus(to: URL(fileURLWithPath: corpusPath))
            return ["sentences": sentenceCount]
        }
        return try runFlint(corpusPath: corpusPath)
    }

    /// The worker: `{"sentences_per_s", "tokens", "seconds"}` for `encodeBatch` on the corpus at `path`
    /// with MiniLM's tokenizer.
    public static func runFlint(corpusPath: String) throws -> [String: Any] {
        try timeEncoding(corpusPath: corpusPath, tokenizer: Tokenizer.fromPretrained(modelFolder))
    }

    /// `{"sentences_per_s", "tokens", "seconds", "runs"}` for `tokenizer.encodeBatch` over the corpus at
    /// `corpusPath`: the best of at least 5 timed runs (up to 3 s) after a warm-up run.
    static func timeEncoding(corpusPath: String, tokenizer: Tokenizer) throws -> [String: Any] {
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
            guard encodings.count == texts.count else {
                throw BenchmarkError.differentWork("encodeBatch returned \(encodings.count) encodings for \(texts.count) texts")
            }
            best = min(best, elapsed)
            runs += 1
        }
        return ["sentences_per_s": Double(texts.count) / best, "tokens": tokens, "seconds": best, "runs": runs]
    }
}

/// One peer of a tokenizer row: a script in `bench/peers`, its arguments after the corpus path, and how
/// its row is labelled.
struct TokenizerPeer {
    /// The row's name, e.g. `tokenize_10k_minilm`.
    let rowName: String
    /// The peer script.
    let script: String
    /// Arguments after the corpus path.
    let arguments: [String]
    /// The goal ratio (nil for a row kept for information).
    let goal: Double?
    /// The peer's label from its result (versions included).
    let describe: ([String: Any]) -> String
}

extension BenchmarkSuite {
    /// `tokenize_10k_minilm`: sentences/s of Flint's `encodeBatch` against `tokenizers`' `encode_batch` on the
    /// same tokenizer.json (the fair peer, goal ≥ 1×) and against transformers' `tokenizer(list)` call (a second,
    /// labelled row), on the same 10,000 sentences with the same thread count.
    public func tokenizerRows() throws -> [BenchmarkRow] {
        let model = TokenizerBenchmark.modelFolder.path
        return try tokenizerComparisonRows(label: "tokenize 10k sentences (WordPiece)", workerCase: "tokenize-flint", environment: [:], peers: [
            TokenizerPeer(rowName: "tokenize_10k_minilm", script: "bench_tokenize.py", arguments: [model, "--api", "encode_batch"],
                          goal: 1.0) { result in
                "HF tokenizers \(result["tokenizers"] as? String ?? "?") encode_batch (Rust, parallel)"
            },
            TokenizerPeer(rowName: "tokenize_10k_minilm (transformers call)", script: "bench_tokenize.py",
                          arguments: [model, "--api", "transformers"], goal: nil) { result in
                "transformers \(result["transformers"] as? String ?? "?") tokenizer(list) call "
                    + "(tokenizers \(result["tokenizers"] as? String ?? "?"), Rust, parallel)"
            },
        ])
    }

    /// Rows comparing Flint's `encodeBatch` (worker case `workerCase`) with peer scripts on the same
    /// 10,000-sentence corpus file. Flint and the peers alternate twice (the order reversed in the second
    /// round) and each keeps its best run. Every side must produce the same number of tokens: a
    /// difference means different work and fails the benchmark.
    func tokenizerComparisonRows(label: String, workerCase: String, environment: [String: String],
                                 peers: [TokenizerPeer]) throws -> [BenchmarkRow] {
        let corpus = FileManager.default.temporaryDirectory.appendingPathComponent("flint-\(workerCase)-corpus-\(getpid()).txt")
        defer { try? FileManager.default.removeItem(at: corpus) }
        try TokenizerBenchmark.writeCorpus(to: corpus)
        var workerEnvironment = environment
        workerEnvironment["FLINT_BENCH_CORPUS"] = corpus.path
        var flint: [Double] = []
        var flintTokens = 0
        var peerSpeeds = [[Double]](repeating: [], count: peers.count)
        var peerResults = [[String: Any]?](repeating: nil, count: peers.count)
        if BenchmarkSubprocess.peerPython == nil { notePeerMissing(label) }
        func runFlint(_ round: Int) throws {
            progress("bench: \(label), Flint (round \(round + 1))")
            let result = try worker(workerCase, environment: workerEnvironment)
            flint.append(try number(result, "sentences_per_s", workerCase))
            flintTokens = Int(try number(result, "tokens", workerCase))
        }
        func runPeers(_ round: Int) throws {
            for (index, peer) in peers.enumerated() {
                progress("bench: \(label), \(peer.rowName) peer (round \(round + 1))")
                guard let result = try self.peer(peer.script, [corpus.path] + peer.arguments) else { return }
                peerSpeeds[index].append(try number(result, "sentences_per_s", peer.script))
                peerResults[index] = result
            }
        }
        for round in 0..<2 {
            if round % 2 == 0 { try runFlint(round); try runPeers(round) } else { try runPeers(round); try runFlint(round) }
        }
        return try peers.enumerated().map { index, peer in
            let result = peerResults[index]
            if let result {
                let peerTokens = Int(try number(result, "tokens", peer.script))
                guard peerTokens == flintTokens else {
                    throw BenchmarkError.differentWork("\(label): Flint produced \(flintTokens) tokens, \(peer.rowName) peer \(peerTokens)")
                }
            }
            return BenchmarkRow(name: peer.rowName, unit: "sentences/s", flint: flint.max()!, peer: peerSpeeds[index].max(),
                                goal: peer.goal, peerName: result.map(peer.describe) ?? peer.script,
                                flintThreads: threads, peerThreads: result?["threads"] as? Int)
        }
    }
}
