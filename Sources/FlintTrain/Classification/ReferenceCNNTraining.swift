import Foundation
import Logging
import Flint
import FlintData
import FlintModels

/// Trains ``ReferenceCNN`` on Fashion-MNIST: the library call behind `flint train cnn`.
public enum ReferenceCNNTraining {
    /// Loads Fashion-MNIST (from `directory`, default the Debian package's), seeds everything with
    /// `configuration.seed`, trains and returns the result.
    public static func fashionMNIST(configuration: ClassifierTrainingConfiguration, directory: String? = nil,
                                    logger: Logger = Logger(label: "flint.train"),
                                    output: ((String) -> Void)? = nil) throws -> ClassifierTrainingResult {
        let trainSet = try FashionMNIST.load(split: .train, directory: directory)
        let testSet = try FashionMNIST.load(split: .test, directory: directory)
        logger.info("loaded Fashion-MNIST", metadata: ["train": "\(trainSet.count)", "test": "\(testSet.count)"])
        RandomGenerator.manualSeed(configuration.seed)
        let model = ReferenceCNN(inputChannels: 1, classes: FashionMNIST.classNames.count)
        let trainer = ClassifierTrainer(model: model, trainSet: trainSet, testSet: testSet,
                                        configuration: configuration, logger: logger, output: output)
        return try trainer.fit()
    }
}
