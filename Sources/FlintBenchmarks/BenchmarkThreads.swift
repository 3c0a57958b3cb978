import Foundation

/// The one thread count a `flint bench` run gives every side: Flint's pool, direct OpenBLAS and the peers.
public enum BenchmarkThreads {
    /// The count for this run: `option` (`--threads`) when given, else `FLINT_NUM_THREADS` from
    /// `environment`, else the number of active processors. Throws when either is not a positive integer.
    public static func resolve(option: Int?, environment: [String: String] = ProcessInfo.processInfo.environment,
                               processors: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Int {
        if let option {
            guard option > 0 else { throw BenchmarkError.invalidThreadCount(source: "--threads", value: "\(option)") }
            return option
        }
        if let value = environment["FLINT_NUM_THREADS"] {
            guard let count = Int(value.trimmingCharacters(in: .whitespaces)), count > 0 else {
                throw BenchmarkError.invalidThreadCount(source: "FLINT_NUM_THREADS", value: value)
            }
            return count
        }
        return max(processors, 1)
    }

    /// The environment every process of the run gets: Flint's pool (`FLINT_NUM_THREADS`), OpenBLAS,
    /// OpenMP and MKL (PyTorch's intra-op pool), and Rayon (Hugging Face `tokenizers`' parallel batch calls).
    /// The peer scripts also receive the count as an argument and apply it themselves
    /// (`torch.set_num_threads`, onnxruntime's `intra_op_num_threads`).
    public static func environment(_ threads: Int) -> [String: String] {
        let count = String(threads)
        return [
            "FLINT_NUM_THREADS": count,
            "OPENBLAS_NUM_THREADS": count,
            "OMP_NUM_THREADS": count,
            "MKL_NUM_THREADS": count,
            "RAYON_NUM_THREADS": count,
            "TOKENIZERS_PARALLELISM": "true",
        ]
    }
}
