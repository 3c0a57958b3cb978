import Testing
import Flint

@Suite struct BLASThreadTests {
    /// A GEMM through the serial entry point, as the first BLAS use of a process, still runs OpenBLAS on
    /// one thread: Flint's `FLINT_NUM_THREADS` threads are the only ones. (Run alone — `--filter
    /// BLASThreadTests` — this is the first BLAS call of the process; OpenBLAS's own default is all cores.)
    @Test func theFirstSerialGEMMRunsOpenBLASOnOneThread() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    GEMM.multiply(pa.baseAddress!, leadingDimensionA: 2, pb.baseAddress!, leadingDimensionB: 2,
                                  into: pc.baseAddress!, leadingDimensionC: 2, m: 2, n: 2, k: 2)
                }
            }
        }
        #expect(c == [19, 22, 43, 50])
        #expect(Parallel.blasThreadCount == 1)
    }
}
