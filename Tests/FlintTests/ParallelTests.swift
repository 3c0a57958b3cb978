import Testing
import Flint
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ParallelTests {
    /// Tasks that take milliseconds keep the forking thread waiting long enough to reach the
    /// yielding part of its join; every task must still run exactly once before `run` returns.
    @Test func slowTasksEachRunOnceBeforeReturn() {
        let tasks = 6
        let runs = UnsafeMutableBufferPointer<Int>.allocate(capacity: tasks)
        defer { runs.deallocate() }
        for round in 0..<5 {
            runs.initialize(repeating: 0)
            Parallel.run(tasks: tasks) { i in
                usleep(UInt32(500 * (1 + (i + round) % 3)))
                runs[i] += 1
            }
            #expect(Array(runs) == Array(repeating: 1, count: tasks), "round \(round)")
        }
    }

    /// `forChunks` covers `0..<count` exactly once, in ranges of at least `minimumChunk` elements
    /// (the last chunk absorbs the remainder).
    @Test func chunksCoverTheRangeOnce() {
        let count = 10_007
        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
        let lengths = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
        defer {
            hits.deallocate()
            lengths.deallocate()
        }
        hits.initialize(repeating: 0)
        lengths.initialize(repeating: 0)
        Parallel.forChunks(count, minimumChunk: 1000) { range in
            lengths[range.lowerBound] = range.count
            for i in range { hits[i] += 1 }
        }
        #expect(hits.allSatisfy { $0 == 1 })
        let chunks = lengths.filter { $0 > 0 }
        #expect(chunks.reduce(0, +) == count)
        #expect(chunks.allSatisfy { $0 >= 1000 } && chunks.count <= Parallel.threadCount)
    }
}
