import ArgumentParser

@main
struct FlintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flint",
        abstract: "Flint: Swift-native machine learning — tensors, training, models and serving in one binary.",
        subcommands: [TrainCommand.self, FinetuneCommand.self, BenchCommand.self, BenchWorkerCommand.self, TokenizeCommand.self, EmbedCommand.self, ClassifyCommand.self, DownloadCommand.self, ServeCommand.self, RegistryCommand.self, BatchCommand.self]
    )
}
