import Foundation
import Flint

extension Module {
    /// Writes ``stateDict()`` to a safetensors file at `url` (atomically), with PyTorch's names,
    /// so that Python's `model.load_state_dict(safetensors.torch.load_file(path))` accepts it for
    /// the same network.
    ///
    /// - Throws: ``FlintError`` when the file cannot be written.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        let entries = stateDictEntries().map { ($0.0, $0.1.contiguous()) }
        try SafeTensors.save(Dictionary(entries, uniquingKeysWith: { first, _ in first }), metadata: metadata, to: url)
    }

    /// Loads a safetensors file written by ``save(to:metadata:)`` or by Python's
    /// `safetensors.torch.save_file(model.state_dict(), path)` into this module's existing
    /// parameters and buffers, with the checks of ``loadStateDict(_:strict:)``.
    ///
    /// - Throws: ``FlintError`` when the file cannot be read or is not valid safetensors;
    ///   ``StateDictError`` (naming the file) when its tensors do not fit the module.
    @discardableResult
    public func load(from url: URL, strict: Bool = true) throws -> StateDictLoadResult {
        let file = try SafeTensorsFile(contentsOf: url)
        let tensors = try file.loadAll()
        return try loadStateDict(tensors, strict: strict, source: url.path)
    }
}
