import ArgumentParser
import CFlintCPUCheck

@main
struct FlintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flint",
        abstract: "Flint: Swift-native machine learning — tensors, training, models and serving in one binary.",
        subcommands: [TrainCommand.self, InspectCommand.self, GenerateCommand.self, ChatCommand.self, PerplexityCommand.self, FinetuneCommand.self, BenchCommand.self, BenchWorkerCommand.self, TokenizeCommand.self, EmbedCommand.self, ClassifyCommand.self, DownloadCommand.self, ServeCommand.self, RegistryCommand.self, BatchCommand.self]
    )

    /// Whether the start-up CPU check passed. The check itself is a C constructor in `CFlintCPUCheck`
    /// (compiled for baseline x86-64) that runs before `main` and exits 1 with one line on standard error
    /// when the CPU lacks AVX2/FMA; referencing it here keeps it linked into the binary.
    static let cpuCheckPassed = flint_cpu_check_passed() != 0
}
