import Foundation
import Flint
import Logging

/// Zalando's Fashion-MNIST: 28 × 28 grey-scale images of clothing in ten classes, 60 000 for
/// training and 10 000 for testing, stored as four gzip-compressed IDX files.
///
/// ``load(split:directory:normalize:)`` reads a split into a ``TensorDataset`` of float32
/// images `[N, 1, 28, 28]` and int64 labels `[N]`. Pixels `p ∈ {0 … 255}` become
///
///     x = p / 255                         (normalize: false)
///     x = (p / 255 − 0.2860) / 0.3530     (normalize: true, the training set's mean and std)
///
/// computed as one fused multiply-add per pixel, block by block as the file is inflated.
public enum FashionMNIST {
    /// Where `make setup` (the `dataset-fashion-mnist` Debian package) installs the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    /// The class names, indexed by label.
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                    "Sneaker", "Bag", "Ankle boot"]
    /// The mean pixel of the training set, after scaling to [0, 1].
    public static let mean: Float = 0.2860
    /// The standard deviation of the training pixels, after scaling to [0, 1].
    public static let std: Float = 0.3530
    /// Image height and width.
    public static let imageSize = 28

    /// The two halves of the data set.
    public enum Split: String, Sendable, CaseIterable {
        /// 60 000 training images.
        case train
        /// 10 000 test images.
        case test

        /// The file-name prefix: `train` or `t10k`.
        public var filePrefix: String { self == .train ? "train" : "t10k" }
        /// The number of images in the published data set.
        public var expectedCount: Int { self == .train ? 60_000 : 10_000 }
    }

    private static let logger = Logger(label: "flint.data.fashion-mnist")

    /// Loads `split` from `directory` (default ``defaultDirectory``) as `[N, 1, 28, 28]`
    /// float32 images and `[N]` int64 labels. Files may be gzip (`*-ubyte.gz`, preferred) or raw
    /// (`*-ubyte`). Throws ``DataError`` when a file is missing (saying how to install it),
    /// malformed, not 28 × 28, has labels outside 0…9, or the image and label counts differ.
    public static func load(split: Split, directory: String? = nil, normalize: Bool = true) throws -> TensorDataset {
        let start = ContinuousClock.now
        let directory = directory ?? defaultDirectory
        let imagesPath = try locate("\(split.filePrefix)-images-idx3-ubyte", in: directory)
        let labelsPath = try locate("\(split.filePrefix)-labels-idx1-ubyte", in: directory)

        let scale: Float = normalize ? 1 / (255 * std) : 1 / 255
        let bias: Float = normalize ? -mean / std : 0
        let images = try IDXReader.readImages(at: URL(fileURLWithPath: imagesPath), scale: scale, bias: bias)
        if images.rows != imageSize {
            throw DataError.invalidField(path: imagesPath, field: "dimension 1 (rows)",
                                         expected: "\(imageSize) (Fashion-MNIST images are 28 × 28)", found: "\(images.rows)")
        }
        if images.columns != imageSize {
            throw DataError.invalidField(path: imagesPath, field: "dimension 2 (columns)",
                                         expected: "\(imageSize) (Fashion-MNIST images are 28 × 28)", found: "\(images.columns)")
        }
        let labels = try IDXReader.readLabels(at: URL(fileURLWithPath: labelsPath))
        if labels.count != images.count {
            throw DataError.invalidField(path: labelsPath, field: "dimension 0 (label count)",
                                         expected: "\(images.count), the image count of \(imagesPath)",
                                         found: "\(labels.count)")
        }

        let labelTensor = try classLabels(labels.labels, classCount: classNames.count, path: labelsPath)
        let pixels = images.images.reshaped([images.count, 1, imageSize, imageSize])
        let dataset = TensorDataset(images: pixels, labels: labelTensor)
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        logger.debug("loaded Fashion-MNIST \(split.rawValue): \(images.count) images from \(directory) in \(seconds) s")
        return dataset
    }

    /// The path of `name.gz`, or of `name` when only the raw file exists, in `directory`.
    static func locate(_ name: String, in directory: String) throws -> String {
        let compressed = (directory as NSString).appendingPathComponent(name + ".gz")
        let raw = (directory as NSString).appendingPathComponent(name)
        let files = FileManager.default
        if files.fileExists(atPath: compressed) { return compressed }
        if files.fileExists(atPath: raw) { return raw }
        throw DataError.missingFile(
            path: compressed,
            hint: "Fashion-MNIST is not installed: run `make setup` (or `sudo apt-get install dataset-fashion-mnist`), "
                + "which puts it in \(defaultDirectory), or pass the directory that holds it.")
    }

    /// Converts `uint8` labels to int64, checking each is a class index below `classCount`.
    static func classLabels(_ labels: Tensor, classCount: Int, path: String) throws -> Tensor {
        let n = labels.count
        let out = Tensor(uninitializedShape: [n], dtype: .int64)
        let source = labels.pointer(as: UInt8.self)
        let destination = out.pointer(as: Int64.self)
        for i in 0..<n {
            let label = Int(source[i])
            if label >= classCount {
                throw DataError.invalidField(path: path, field: "label \(i)",
                                             expected: "a class index in 0...\(classCount - 1)", found: "\(label)")
            }
            destination[i] = Int64(label)
        }
        return out
    }
}
