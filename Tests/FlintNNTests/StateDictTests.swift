import Testing
import Flint
import FlintNN

/// A module with an int64 buffer, to check dtype handling.
private final class Counter: Module {
    let linear = Linear(inputFeatures: 2, outputFeatures: 2)
    @Buffer var numBatchesTracked: Tensor = Tensor(integers: [0], shape: [])
}

private func makeModel() -> Sequential {
    Sequential([Linear(inputFeatures: 3, outputFeatures: 4), Flatten(),
                Sequential([Linear(inputFeatures: 4, outputFeatures: 2)])])
}

@Suite struct StateDictTests {
    @Test func roundTripIntoFreshModelKeepsIdentity() throws {
        let source = makeModel()
        let target = makeModel()
        let parametersBefore = target.parameters()
        #expect(source.parameters()[0].toArray() != target.parameters()[0].toArray())
        let state = source.stateDict()
        #expect(Set(state.keys) == ["0.weight", "0.bias", "2.0.weight", "2.0.bias"])
        let result = try target.loadStateDict(state)
        #expect(result.missingKeys.isEmpty && result.unexpectedKeys.isEmpty)
        for ((name, a), (_, b)) in zip(source.namedParameters(), target.namedParameters()) {
            #expect(a.toArray() == b.toArray(), "\(name)")
        }
        // Values were copied into the existing tensors, not swapped for new ones.
        #expect(zip(parametersBefore, target.parameters()).allSatisfy { $0 === $1 })
        // And into separate storage: changing the source later does not affect the target.
        source.parameters()[0].copy(from: Tensor.zeros([4, 3]))
        #expect(target.parameters()[0].toArray() != source.parameters()[0].toArray())
        let x = Tensor([0.5, -1, 2], shape: [1, 3])
        #expect(makeModelOutput(target, x) != makeModelOutput(source, x))
    }

    private func makeModelOutput(_ model: any UnaryLayer, _ x: Tensor) -> [Float] { model(x).toArray() }

    @Test func stateDictSharesStorageWithTheModel() {
        let model = makeModel()
        let state = model.stateDict()
        state["0.bias"]!.copy(from: Tensor([1, 2, 3, 4]))
        #expect(model.parameters()[1].toArray() == [1, 2, 3, 4])
    }

    @Test func strictLoadListsMissingAndUnexpectedKeys() {
        let model = makeModel()
        var state = model.stateDict()
        state["2.0.bias"] = nil
        state["0.weight"] = nil
        state["extra.weight"] = Tensor.zeros([1])
        state["2.1.bias"] = Tensor.zeros([2])
        let before = model.parameters().map { $0.toArray() }
        do {
            try model.loadStateDict(state)
            Issue.record("expected a StateDictError")
        } catch let error as StateDictError {
            #expect(error.missingKeys == ["0.weight", "2.0.bias"])
            #expect(error.unexpectedKeys == ["2.1.bias", "extra.weight"])
            #expect(error.shapeMismatches.isEmpty)
            #expect(error.description.contains("Missing key(s): \"0.weight\", \"2.0.bias\""))
            #expect(error.description.contains("Unexpected key(s): \"2.1.bias\", \"extra.weight\""))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        // Nothing was loaded.
        #expect(model.parameters().map { $0.toArray() } == before)
    }

    @Test func nonStrictLoadReportsAndLoadsTheRest() throws {
        let model = makeModel()
        let other = makeModel()
        var state = other.stateDict()
        state["0.weight"] = nil
        state["unused"] = Tensor.zeros([1])
        let result = try model.loadStateDict(state, strict: false)
        #expect(result.missingKeys == ["0.weight"])
        #expect(result.unexpectedKeys == ["unused"])
        #expect(model.parameters()[1].toArray() == other.parameters()[1].toArray())
        #expect(model.parameters()[0].toArray() != other.parameters()[0].toArray())
    }

    @Test func shapeMismatchNamesExpectedAndFound() {
        let model = makeModel()
        var state = model.stateDict()
        state["2.0.weight"] = Tensor.zeros([2, 5])
        #expect {
            try model.loadStateDict(state, strict: false)
        } throws: { error in
            guard let error = error as? StateDictError else { return false }
            return error.shapeMismatches == [.init(key: "2.0.weight", expected: [2, 4], found: [2, 5])]
                && error.description.contains("size mismatch for 2.0.weight: expected shape [2, 4], found [2, 5]")
        }
    }

    @Test func dtypesConvertWithinKindAndFailAcrossKinds() throws {
        let model = Counter()
        var state = model.stateDict()
        #expect(state["num_batches_tracked"]!.dtype == .int64)
        state["num_batches_tracked"] = Tensor(integers: [7], shape: [], dtype: .int32)
        state["linear.weight"] = Tensor([1, 2, 3, 4], shape: [2, 2]).to(.float16)
        try model.loadStateDict(state)
        #expect(model.numBatchesTracked.toIntArray() == [7])
        #expect(model.numBatchesTracked.dtype == .int64)
        #expect(model.linear.weight.toArray() == [1, 2, 3, 4])
        #expect(model.linear.weight.dtype == .float32)
        state["num_batches_tracked"] = Tensor(7)
        #expect {
            try model.loadStateDict(state)
        } throws: { error in
            (error as? StateDictError)?.dtypeMismatches == [.init(key: "num_batches_tracked", expected: .int64, found: .float32)]
        }
    }
}
