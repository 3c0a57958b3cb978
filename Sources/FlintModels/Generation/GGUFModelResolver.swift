import Foundation

/// Turns a model reference that is not a file path — a model registry's `NAME`, `NAME@VERSION` or
/// `NAME@ALIAS` — into the `.gguf` file it stands for.
///
/// FlintModels knows no registry (the registry lives in FlintServe, which depends on FlintModels, not the
/// reverse), so ``LanguageModel/load(_:contextSize:resolver:)`` takes the lookup as a value: FlintServe
/// provides one over its model registry (`GGUFModelResolver.registry(root:)`), and any other catalogue can be
/// plugged in the same way.
///
/// ```swift
/// import FlintServe
/// let model = try LanguageModel.load("smollm2@production", resolver: .registry(root: nil))
/// ```
public struct GGUFModelResolver: Sendable {
    /// The `.gguf` file `reference` stands for; throws (naming the reference) when there is none.
    public let resolve: @Sendable (String) throws -> URL

    /// A resolver calling `resolve` for references.
    public init(resolve: @escaping @Sendable (String) throws -> URL) {
        self.resolve = resolve
    }

    /// Whether `model` is a file path rather than a reference: it contains `/`, starts with `.` or `~`,
    /// ends with `.gguf` (any case), or names an existing file. Everything else (`smollm2`, `smollm2@3`,
    /// `smollm2@production`) is a reference.
    public static func isFilePath(_ model: String) -> Bool {
        if model.contains("/") || model.hasPrefix(".") || model.hasPrefix("~") || model.lowercased().hasSuffix(".gguf") {
            return true
        }
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// The file to open for `model`: `model` itself when it is a file path (``isFilePath(_:)``) or no
    /// resolver is given, else what `resolver` resolves it to.
    public static func path(of model: String, resolver: GGUFModelResolver?) throws -> String {
        guard let resolver, !isFilePath(model) else { return model }
        return try resolver.resolve(model).path
    }
}
