import Foundation
import Testing
import Flint
@testable import FlintData

@Suite struct FashionMNISTTests {
    /// Writes a small fake split in Fashion-MNIST's file layout.
    func writeSplit(_ directory: TemporaryDirectory, prefix: String, count: Int, rows: Int = 28, labels: [UInt8]? = nil,
                    gzip: Bool = true) -> [UInt8] {
        let pixels = randomBytes(count * rows * 28, seed: UInt64(count))
        let images = imageFile(count: count, rows: rows, columns: 28, pixels: pixels)
        let labelBytes = labelFile(labels ?? (0..<count).map { UInt8($0 % 10) })
        if gzip {
            directory.writeGzip(images, to: "\(prefix)-images-idx3-ubyte.gz")
            directory.writeGzip(labelBytes, to: "\(prefix)-labels-idx1-ubyte.gz")
        } else {
            directory.write(images, to: "\(prefix)-images-idx3-ubyte")
            directory.write(labelBytes, to: "\(prefix)-labels-idx1-ubyte")
        }
        return pixels
    }

    @Test func loadsAndScalesPixels() throws {
        let directory = TemporaryDirectory()
        let pixels = writeSplit(directory, prefix: "t10k", count: 13)
        let raw = try FashionMNIST.load(split: .test, directory: directory.path, normalize: false)
        #expect(raw.count == 13 && raw.images.shape == [13, 1, 28, 28] && raw.images.dtype == .float32)
        #expect(raw.labels.dtype == .int64 && raw.labels.toIntArray() == (0..<13).map { $0 % 10 })
        let scaled = raw.images.toArray()
        #expect(zip(scaled, pixels).allSatisfy { abs($0 - Float($1) / 255) <= 1e-6 })

        let normalized = try FashionMNIST.load(split: .test, directory: directory.path).images.toArray()
        #expect(zip(normalized, pixels).allSatisfy { abs($0 - (Float($1) / 255 - 0.2860) / 0.3530) <= 1e-5 })
        // Black and white map to −μ/σ and (1 − μ)/σ.
        let black = (0 - FashionMNIST.mean) / FashionMNIST.std, white = (1 - FashionMNIST.mean) / FashionMNIST.std
        #expect(abs(normalized.min()! - black) < 1e-3 && abs(normalized.max()! - white) < 1e-3)
    }

    @Test func loadsUncompressedFilesToo() throws {
        let directory = TemporaryDirectory()
        let pixels = writeSplit(directory, prefix: "train", count: 5, gzip: false)
        let dataset = try FashionMNIST.load(split: .train, directory: directory.path, normalize: false)
        #expect(dataset.count == 5)
        #expect(zip(dataset.images.toArray(), pixels).allSatisfy { abs($0 - Float($1) / 255) <= 1e-6 })
    }

    @Test func missingFilesSayHowToInstall() {
        let directory = TemporaryDirectory()
        let error = dataError { _ = try FashionMNIST.load(split: .train, directory: directory.path) }
        let expectedPath = (directory.path as NSString).appendingPathComponent("train-images-idx3-ubyte.gz")
        #expect(error?.path == expectedPath)
        let message = error?.description ?? ""
        #expect(message.contains("make setup") && message.contains("apt-get install dataset-fashion-mnist"), "\(message)")
    }

    @Test func mismatchedFilesAreReported() throws {
        let directory = TemporaryDirectory()
        _ = writeSplit(directory, prefix: "t10k", count: 4, rows: 27)
        var error = dataError { _ = try FashionMNIST.load(split: .test, directory: directory.path) }
        let images = (directory.path as NSString).appendingPathComponent("t10k-images-idx3-ubyte.gz")
        let labels = (directory.path as NSString).appendingPathComponent("t10k-labels-idx1-ubyte.gz")
        #expect(error == .invalidField(path: images, field: "dimension 1 (rows)",
                                       expected: "28 (Fashion-MNIST images are 28 × 28)", found: "27"))

        _ = writeSplit(directory, prefix: "t10k", count: 4, labels: [1, 2, 3])
        error = dataError { _ = try FashionMNIST.load(split: .test, directory: directory.path) }
        #expect(error == .invalidField(path: labels, field: "dimension 0 (label count)",
                                       expected: "4, the image count of \(images)", found: "3"))

        _ = writeSplit(directory, prefix: "t10k", count: 4, labels: [1, 10, 3, 4])
        error = dataError { _ = try FashionMNIST.load(split: .test, directory: directory.path) }
        #expect(error == .invalidField(path: labels, field: "label 1", expected: "a class index in 0...9", found: "10"))
    }

    /// The installed data set (CI installs it through `make test` → scripts/setup.sh).
    @Test func installedTestSplit() throws {
        let start = ContinuousClock.now
        let dataset = try FashionMNIST.load(split: .test)
        let elapsed = ContinuousClock.now - start
        print("FashionMNIST test split loaded in \(elapsed) (debug build)")
        #expect(dataset.count == 10_000 && dataset.count == FashionMNIST.Split.test.expectedCount)
        #expect(dataset.images.shape == [10_000, 1, 28, 28] && dataset.labels.shape == [10_000])
        var histogram = [Int](repeating: 0, count: 10)
        for label in dataset.labels.toIntArray() { histogram[label] += 1 }
        #expect(histogram == [Int](repeating: 1000, count: 10))
        // The normalised test pixels have mean ≈ 0 and std ≈ 1 (the statistics are the train set's).
        #expect(abs(dataset.images.mean().item()) < 0.05)
        #expect(FashionMNIST.classNames.count == 10 && FashionMNIST.classNames[9] == "Ankle boot")
    }
}
