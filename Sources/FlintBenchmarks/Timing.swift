import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Timing helpers for benchmarks: calibrated, interleaved rounds and medians.
public enum BenchmarkTiming {
    /// Monotonic seconds.
    @inline(__always)
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Runs each case `warmup` times, calibrates a call count per case so a round lasts about
    /// `roundSeconds`, then runs `rounds` rounds with the case order rotated each round. Returns the
    /// median seconds per call of each case. A case that throws stops the measurement: the error
    /// propagates, so a failing call fails the benchmark instead of timing the failure.
    public static func interleaved(_ cases: [(String, () throws -> Void)], warmup: Int = 2, rounds: Int = 7,
                                   roundSeconds: Double = 0.5) throws -> [String: Double] {
        var calls: [String: Int] = [:]
        for (name, body) in cases {
            for _ in 0..<warmup { try body() }
            let t0 = now()
            try body()
            calls[name] = max(1, Int(roundSeconds / max(now() - t0, 1e-9)))
        }
        var samples: [String: [Double]] = [:]
        for r in 0..<rounds {
            let k = r % cases.count
            for (name, body) in Array(cases[k...] + cases[..<k]) {
                let n = calls[name]!
                let t0 = now()
                for _ in 0..<n { try body() }
                samples[name, default: []].append((now() - t0) / Double(n))
            }
        }
        return samples.mapValues(median)
    }

    /// The median of `values`.
    public static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        if s.isEmpty { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Peak resident set size of this process, in MiB (`ru_maxrss`).
    public static func peakResidentMiB() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Current resident set size in MiB, from /proc/self/statm.
    public static func residentMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return .nan }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return .nan }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / (1024 * 1024)
    }
}
