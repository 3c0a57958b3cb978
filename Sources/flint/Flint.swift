import ArgumentParser
import Flint

@main
struct FlintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "flint", abstract: "Flint: Swift-native machine learning.")
    func run() throws {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        print(a.matmul(a.transposed()).toArray())
    }
}
