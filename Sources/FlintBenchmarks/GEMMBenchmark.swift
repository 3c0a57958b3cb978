import CFlintBLAS
import Flint

/// Square fp32 matrix products: Flint's `matmul` against calling OpenBLAS's `cblas_sgemm` directly.
public enum GEMMBenchmark {
    /// The sizes `flint bench` reports.
    public static let sizes = [256, 1024, 2048]

    /// GFLOP/s of `Tensor.matmul` on n×n operands (2n³ flops per product), median of interleaved rounds.
    public static func flintGFLOPS(size n: Int) throws -> Double {
        let a = Tensor.full([n, n], value: 0.5), b = Tensor.full([n, n], value: 0.25)
        let seconds = try withNoGrad {
            try BenchmarkTiming.interleaved([("matmul", { _ = a.matmul(b) })], rounds: 5, roundSeconds: 0.4)["matmul"]!
        }
        return 2 * Double(n * n * n) / seconds / 1e9
    }

    /// GFLOP/s of a direct `cblas_sgemm` call with OpenBLAS's own threading set to `threads`, and the
    /// thread count OpenBLAS reports it used. Run it in its own process: OpenBLAS's spinning threads
    /// would disturb anything measured after it.
    public static func openBLASGFLOPS(size n: Int, threads: Int) throws -> (gflops: Double, threads: Int) {
        openblas_set_num_threads(Int32(threads))
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        let seconds = try BenchmarkTiming.interleaved([("sgemm", {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                                    pa.baseAddress, Int32(n), pb.baseAddress, Int32(n), 0, pc.baseAddress, Int32(n))
                    }
                }
            }
        })], rounds: 5, roundSeconds: 0.4)["sgemm"]!
        return (2 * Double(n * n * n) / seconds / 1e9, Int(openblas_get_num_threads()))
    }
}
