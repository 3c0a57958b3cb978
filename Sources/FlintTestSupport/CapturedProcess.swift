import Foundation

/// Runs a program to completion with its standard output and standard error captured (both pipes are read while
/// it runs, so neither fills up and blocks it) and, unless `input` is given, no standard input: what the tests that start `flint` or the
/// peer Python share.
enum CapturedProcess {
    /// What one run printed and how it ended.
    struct Result {
        var status: Int32
        var signaled: Bool
        var standardOutput: String
        var standardError: String
    }

    static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, input: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let inputPipe = input.map { _ in Pipe() }
        // A program that exits before reading its input must not kill the test process with SIGPIPE: the
        // write then fails with EPIPE, which is ignored.
        if input != nil { signal(SIGPIPE, SIG_IGN) }
        process.standardInput = inputPipe ?? FileHandle.nullDevice
        try process.run()
        let group = DispatchGroup()
        if let inputPipe, let input {
            DispatchQueue.global().async(group: group) {
                try? inputPipe.fileHandleForWriting.write(contentsOf: input)
                try? inputPipe.fileHandleForWriting.close()
            }
        }
        nonisolated(unsafe) var errorData = Data()
        DispatchQueue.global().async(group: group) { errorData = error.fileHandleForReading.readDataToEndOfFile() }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                      standardOutput: String(decoding: outputData, as: UTF8.self),
                      standardError: String(decoding: errorData, as: UTF8.self))
    }
}
