import Foundation
import Flint
import FlintNN
import FlintData
import FlintModels
import FlintSupport

/// Masked-language-model pre-training of a ``FlintModels/BertForMaskedLM`` on tokenised texts, as
/// `Trainer(model=BertForMaskedLM, data_collator=DataCollatorForLanguageModeling(...))` does it: AdamW
/// (weight decay on matrices only), linear warm-up and decay, gradient clipping, batches from the
/// ``Trainer``'s ``TrainingBatchOrder`` (optionally grouped by length) with dynamic padding, fresh
/// masks (``MaskedLanguageModeling``) every epoch, a progress bar and a log line every
/// ``loggingSteps`` steps.
///
/// Everything is a function of ``seed``: batch order, masks, dropout.
public struct MaskedLanguageModelPretraining {
    /// Passes over the texts.
    public var epochs: Int
    /// AdamW's peak learning rate.
    public var learningRate: Double = 5e-4
    /// Linear warm-up as a fraction of all steps.
    public var warmupRatio: Double = 0.1
    /// Sequences per step.
    public var batchSize: Int = 32
    /// AdamW weight decay (not on biases and LayerNorm).
    public var weightDecay: Double = 0.01
    /// Clip the gradient norm to this (0: no clipping).
    public var maximumGradientNorm: Double = 1
    /// Batch sequences of similar length together.
    public var groupByLength = false
    /// Seed of the batch order, the masks and dropout.
    public var seed: UInt64 = 42
    /// Steps between log lines.
    public var loggingSteps = 50
    /// Draw a progress bar on a terminal.
    public var showProgress = true

    /// Pre-training for `epochs` passes; see the properties for the defaults.
    public init(epochs: Int) {
        self.epochs = epochs
    }

    /// What ``train(_:on:masking:padTokenID:log:)`` returns.
    public struct Output: Sendable {
        /// Mean masked-LM loss of every epoch.
        public let epochLosses: [Double]
        /// Mean loss of every logging window, with the step it ends at.
        public let loggedLosses: [(step: Int, loss: Double)]
        /// Optimizer steps taken.
        public let steps: Int
        /// Seconds spent.
        public let runtime: Double
    }

    /// Pre-trains `model` in place on `table` (an integer-array column `input_ids`, optionally
    /// `attention_mask` / `token_type_ids`; other columns are ignored).
    ///
    /// - Throws: ``TrainerError`` for bad settings, an empty table or a loss that stops being finite;
    ///   ``FlintData/DataError`` naming the row of a malformed example.
    @discardableResult
    public func train(_ model: BertForMaskedLM, on table: DataTable, masking: MaskedLanguageModeling, padTokenID: Int,
                      log: (String) -> Void = { print($0) }) throws -> Output {
        guard epochs >= 1, batchSize >= 1, learningRate > 0, warmupRatio >= 0 && warmupRatio <= 1, loggingSteps >= 1 else {
            throw TrainerError.invalidArguments("masked-LM pre-training needs epochs ≥ 1, batch size ≥ 1, learning rate > 0, warm-up ratio in [0, 1], logging steps ≥ 1; got \(epochs), \(batchSize), \(learningRate), \(warmupRatio), \(loggingSteps)")
        }
        guard let ids = table.column(named: "input_ids")?.integerArrays else {
            throw TrainerError.invalidDataset("masked-LM pre-training data needs an integer-array column 'input_ids' (columns \(table.columnNames))")
        }
        guard table.count > 0 else { throw TrainerError.invalidDataset("masked-LM pre-training data is empty") }
        let order = TrainingBatchOrder(count: table.count, batchSize: batchSize, dropLast: false, seed: seed,
                                       lengths: groupByLength ? ids.map(\.count) : nil)
        let totalSteps = epochs * order.batchesPerEpoch
        let warmup = Int((warmupRatio * Double(totalSteps)).rounded(.up))
        let (decayed, notDecayed) = model.parametersSplitForWeightDecay()
        func options(_ decay: Double) -> Adam.Options {
            Adam.Options(learningRate: Float(learningRate), betas: (0.9, 0.999), epsilon: 1e-8, weightDecay: Float(decay))
        }
        let optimizer = AdamW(groups: [ParameterGroup(decayed, options: options(weightDecay)),
                                       ParameterGroup(notDecayed, options: options(0))])
        let scheduler = LearningRateScheduler(optimizer: optimizer,
                                              schedule: LinearWarmupDecay(initial: Float(learningRate), warmupSteps: warmup,
                                                                          totalSteps: totalSteps))
        let parameters = optimizer.parameters
        let started = Date()
        let progress = ProgressBar(total: totalSteps, label: "mlm", isTerminal: showProgress ? nil : false)
        progress.log("Masked-LM pre-training: \(table.count) texts, \(epochs) epochs, batch \(batchSize), \(totalSteps) steps, "
            + String(format: "warm-up %d, peak lr %.1e, %.0f%% of tokens masked", warmup, learningRate, masking.maskingProbability * 100))
        RandomGenerator.withDefault { $0 = RandomGenerator(seed: seed ^ 0x6D6C_6D5F_6472_6F70) }
        model.train()
        var epochLosses: [Double] = []
        var logged: [(step: Int, loss: Double)] = []
        var step = 0
        var windowLoss = 0.0, windowSteps = 0
        for epoch in 0..<epochs {
            var generator = RandomGenerator(seed: seed &+ 0xC2B2_AE3D_27D4_EB4F &* UInt64(epoch + 1))
            var epochLoss = 0.0
            let batches = order.batches(epoch: epoch)
            for indices in batches {
                let batch = try PaddedBatch(table: table, indices: indices, padTokenID: padTokenID)
                let (inputs, labels) = masking.mask(batch, generator: &generator)
                model.zeroGrad()
                let loss = try model.loss(inputIds: inputs, attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIDs,
                                      labels: labels)
                let value = Double(loss.item())
                guard value.isFinite else {
                    throw TrainerError.invalidArguments("the masked-LM loss became \(value) at step \(step + 1): lower the learning rate")
                }
                loss.backward()
                if maximumGradientNorm > 0 {
                    _ = clipGradientNorm(parameters: parameters, maxNorm: Float(maximumGradientNorm))
                }
                let rate = optimizer.learningRate
                optimizer.step()
                scheduler.step()
                step += 1
                epochLoss += value
                windowLoss += value
                windowSteps += 1
                progress.advance(status: String(format: "loss %.4f lr %.2e", value, rate))
                if step % loggingSteps == 0 {
                    logged.append((step, windowLoss / Double(windowSteps)))
                    progress.log(String(format: "mlm step %d/%d  epoch %.2f  loss %.4f  lr %.3e", step, totalSteps,
                                        Double(step) / Double(order.batchesPerEpoch), windowLoss / Double(windowSteps), rate))
                    windowLoss = 0
                    windowSteps = 0
                }
            }
            epochLosses.append(epochLoss / Double(batches.count))
            progress.log(String(format: "mlm epoch %d/%d  mean loss %.4f", epoch + 1, epochs, epochLosses.last!))
        }
        if windowSteps > 0 { logged.append((step, windowLoss / Double(windowSteps))) }
        progress.finish()
        let runtime = Date().timeIntervalSince(started)
        log(String(format: "Masked-LM pre-training done: %d steps in %@, loss %.4f → %.4f (epoch means)", step,
                   ProgressBar.formatDuration(runtime), epochLosses.first ?? 0, epochLosses.last ?? 0))
        model.eval()
        return Output(epochLosses: epochLosses, loggedLosses: logged, steps: step, runtime: runtime)
    }
}
