import Foundation
import Flint
import FlintNN
import FlintModels

/// The `checkpoint-N/` folders of a ``Trainer`` run.
///
/// A checkpoint is a complete Hugging Face model folder (`config.json`, `model.safetensors`, tokenizer
/// files) plus what resuming needs, written into the same atomic folder save (``FlintModels/ModelFolderWriter``):
/// - `optimizer.safetensors`: AdamW's moments and step counts (`state.<i>.exp_avg`, …) and group rates;
/// - `scheduler.json`: `{"step": N}`, the learning-rate schedule's position;
/// - `rng_state.json`: `{"generator": [s0, s1, s2, s3, seed]}`, the default random generator (dropout);
/// - `trainer_state.json`: ``TrainerState`` with transformers' keys;
/// - `training_args.json`: the ``TrainingArguments``.
public enum TrainerCheckpoint {
    /// The folder name prefix (`checkpoint-<global step>`).
    public static let prefix = "checkpoint-"

    /// `checkpoint-N` folders directly under `directory`, sorted by N.
    public static func list(in directory: URL) -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix(prefix), let step = Int(name.dropFirst(prefix.count)) else { return nil }
            var isDirectory: ObjCBool = false
            let url = directory.appendingPathComponent(name, isDirectory: true)
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
            return (step, url)
        }.sorted { $0.0 < $1.0 }
    }

    /// The checkpoint with the highest step under `directory`, if any (`resume_from_checkpoint=True`).
    public static func latest(in directory: URL) -> URL? { list(in: directory).last?.url }

    /// What resuming reads back.
    struct Contents {
        var weights: [String: Tensor]
        var optimizerState: [String: Tensor]
        var schedulerStep: Int
        var generatorState: [UInt64]
        var state: TrainerState
    }

    struct SchedulerFile: Codable { var step: Int }
    struct GeneratorFile: Codable { var generator: [UInt64] }

    static func encoded<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Writes `checkpoint-<state.globalStep>` under the output directory, atomically.
    static func write(model: some SequenceClassifier, tokenizerFolder: URL?, optimizer: AdamW, schedulerStep: Int,
                      state: TrainerState, arguments: TrainingArguments, to folder: URL) throws {
        let generator = RandomGenerator.withDefault { $0.state }
        let optimizerState = optimizer.stateDict()
        try model.savePretrained(to: folder, tokenizerFrom: tokenizerFolder) { writer in
            try writer.writeSafeTensors(optimizerState, metadata: ["format": "flint-adamw"], named: "optimizer.safetensors")
            try writer.write(encoded(SchedulerFile(step: schedulerStep)), named: "scheduler.json")
            try writer.write(encoded(GeneratorFile(generator: generator)), named: "rng_state.json")
            try writer.write(encoded(state), named: "trainer_state.json")
            try writer.write(encoded(arguments), named: "training_args.json")
        }
    }

    /// Reads a checkpoint folder; throws ``TrainerError/invalidCheckpoint(path:message:)`` naming the file.
    static func read(_ folder: URL) throws -> Contents {
        func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
        func data(_ name: String) throws -> Data {
            do { return try Data(contentsOf: file(name)) } catch {
                throw TrainerError.invalidCheckpoint(path: file(name).path, message: "cannot read: \(error.localizedDescription)")
            }
        }
        func decode<Value: Decodable>(_ type: Value.Type, _ name: String) throws -> Value {
            do { return try JSONDecoder().decode(type, from: try data(name)) } catch let error as TrainerError { throw error } catch {
                throw TrainerError.invalidCheckpoint(path: file(name).path, message: "not a valid \(name): \(error)")
            }
        }
        func tensors(_ name: String) throws -> [String: Tensor] {
            do { return try SafeTensorsFile(contentsOf: file(name)).loadAll() } catch {
                throw TrainerError.invalidCheckpoint(path: file(name).path, message: "\(error)")
            }
        }
        let generator = try decode(GeneratorFile.self, "rng_state.json").generator
        guard RandomGenerator(state: generator) != nil else {
            throw TrainerError.invalidCheckpoint(path: file("rng_state.json").path,
                                                 message: "generator: expected 5 integers (state and seed), found \(generator.count)")
        }
        return Contents(weights: try tensors("model.safetensors"), optimizerState: try tensors("optimizer.safetensors"),
                        schedulerStep: try decode(SchedulerFile.self, "scheduler.json").step, generatorState: generator,
                        state: try decode(TrainerState.self, "trainer_state.json"))
    }

    /// Deletes the oldest checkpoints so that at most `limit` remain, never the best one
    /// (transformers' `_rotate_checkpoints`: the best is moved next to the newest, and a limit of 1
    /// keeps 2 while the best is not the newest).
    static func rotate(in directory: URL, limit: Int, best: String?) throws {
        var checkpoints = list(in: directory).map(\.url)
        if let best, let index = checkpoints.firstIndex(where: { $0.standardizedFileURL.path == URL(fileURLWithPath: best).standardizedFileURL.path }) {
            var i = index
            while i < checkpoints.count - 2 { checkpoints.swapAt(i, i + 1); i += 1 }
        }
        var keep = limit
        if keep == 1, let best, let last = checkpoints.last,
           last.standardizedFileURL.path != URL(fileURLWithPath: best).standardizedFileURL.path {
            keep = 2
        }
        for url in checkpoints.prefix(max(0, checkpoints.count - keep)) {
            do { try FileManager.default.removeItem(at: url) } catch {
                throw FlintError.io(path: url.path, message: "cannot delete an old checkpoint: \(error.localizedDescription)")
            }
        }
    }
}
