import ArgumentParser
import Foundation
import FlintTrain

/// `flint bench`: Flint against its peers on this machine, in one run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark Flint against direct OpenBLAS and PyTorch on this machine and print the ratios.")

    @Flag(help: "Print JSON lines {name, unit, flint, peer, ratio, goal} instead of a table.")
    var json = false

    @Option(help: "Comma-separated groups to run: gemm, cnn, tokenize, minilm, bert-training.")
    var only: String = "gemm,cnn,tokenize,minilm"

    @Option(help: "Directory of the peer scripts.")
    var peers: String = "bench/peers"

    func run() throws {
        let groups = Set(only.split(separator: ",").map { String($0) })
        let suite = BenchmarkSuite(peerScripts: peers) { message in
            if !json { FileHandle.standardError.write(Data((message + "\n").utf8)) }
        }
        var rows: [BenchmarkRow] = []
        if groups.contains("gemm") { rows += suite.gemmRows() }
        if groups.contains("cnn") { rows += suite.cnnRows() }
        if groups.contains("bert-training") { rows += suite.bertTrainingRows() }
        if groups.contains("minilm") { rows += suite.miniLMRows() }
        if groups.contains("tokenize") { rows += suite.tokenizerRows() + suite.bpeTokenizerRows() }
        if json {
            for row in rows { print(row.jsonLine) }
        } else {
            print(BenchmarkRow.table(rows))
        }
    }
}

/// Internal: one measurement in a fresh process (so that thread pools of different runs never meet).
struct BenchWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-worker", abstract: "Internal: runs one benchmark case and prints JSON.", shouldDisplay: false)

    @Argument(help: "The case: gemm-flint, gemm-openblas, cnn-flint, minilm-flint.")
    var name: String

    @Option var size: Int = 1024
    @Option var threads: Int = 2

    func run() throws {
        print(try BenchmarkSuite.runWorker(name, size: size, threads: threads))
    }
}
