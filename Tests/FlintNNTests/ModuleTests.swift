import Testing
import Flint
import FlintNN
import FlintTestSupport

/// A model shaped like torchvision's classifiers: `features` and `classifier` Sequentials.
private final class TinyClassifier: Module, UnaryLayer {
    let features = Sequential([Linear(inputFeatures: 4, outputFeatures: 3), Flatten()])
    let classifier = Sequential([Flatten(), Linear(inputFeatures: 3, outputFeatures: 2)])

    func forward(_ input: Tensor) -> Tensor { classifier(features(input)) }
}

/// Every kind of member reflection recognises.
private final class KitchenSink: Module {
    var clsToken: Tensor = Tensor.zeros([1, 2]).requiringGrad()
    @Buffer var runningMean: Tensor = Tensor.zeros([2])
    @Buffer var scratch: Tensor
    var missingBias: Tensor? = nil
    let blocks: [Linear] = [Linear(inputFeatures: 2, outputFeatures: 2), Linear(inputFeatures: 2, outputFeatures: 2, bias: false)]
    var head: Linear? = Linear(inputFeatures: 2, outputFeatures: 1)
    var absent: Linear? = nil
    @Parameter var inputProjection: Tensor
    let label = "not state"
    let width = 2

    override init() {
        _scratch = Buffer(wrappedValue: Tensor.ones([3]), persistent: false)
        _inputProjection = Parameter(wrappedValue: Tensor.ones([2, 2]).requiringGrad(), name: "in_proj_weight")
        super.init()
    }
}

/// A subclass adds its own parameter after the base class's.
private final class ScaledLinear: Linear {
    var scale = Tensor([2]).requiringGrad()

    override func forward(_ input: Tensor) -> Tensor { super.forward(input) * scale }
}

/// Two modules sharing one weight (tied embeddings style).
private final class Tied: Module {
    let first = Linear(inputFeatures: 2, outputFeatures: 2, bias: false)
    let second = Linear(inputFeatures: 2, outputFeatures: 2, bias: false)

    override init() {
        super.init()
        second.weight = first.weight
    }
}

@Suite struct ModuleTests {
    @Test func nestedSequentialNamesInDeclarationOrder() {
        let model = Sequential([
            Flatten(),
            Linear(inputFeatures: 4, outputFeatures: 3),
            Sequential([Linear(inputFeatures: 3, outputFeatures: 2, bias: false), Linear(inputFeatures: 2, outputFeatures: 1)]),
        ])
        #expect(model.namedParameters().map(\.0) == ["1.weight", "1.bias", "2.0.weight", "2.1.weight", "2.1.bias"])
        #expect(model.namedParameters().map(\.1.shape) == [[3, 4], [3], [2, 3], [1, 2], [1]])
        #expect(model.parameters().count == 5)
        #expect(model.parameterCount == 12 + 3 + 6 + 2 + 1)
        #expect(model.namedChildren.map(\.0) == ["0", "1", "2"])
        #expect(model.namedModules().map(\.0) == ["", "0", "1", "2", "2.0", "2.1"])
    }

    @Test func featuresAndClassifierNames() {
        let model = TinyClassifier()
        #expect(model.namedParameters().map(\.0) ==
                ["features.0.weight", "features.0.bias", "classifier.1.weight", "classifier.1.bias"])
        #expect(model.children.count == 2)
        let y = model(Tensor.ones([5, 4]))
        #expect(y.shape == [5, 2])
    }

    @Test func reflectionFindsEveryKindOfMember() {
        let m = KitchenSink()
        #expect(m.namedParameters().map(\.0) == [
            "cls_token", "in_proj_weight", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight",
            "head.weight", "head.bias",
        ])
        #expect(m.namedBuffers().map(\.0) == ["running_mean", "scratch"])
        // The non-persistent buffer is not saved; parameters come before buffers, then children.
        #expect(m.stateDictEntries().map(\.0) == [
            "cls_token", "in_proj_weight", "running_mean",
            "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "head.weight", "head.bias",
        ])
        #expect(m.namedChildren.map(\.0) == ["blocks.0", "blocks.1", "head"])
    }

    @Test func subclassParametersFollowBaseClass() {
        let m = ScaledLinear(inputFeatures: 3, outputFeatures: 2)
        #expect(m.namedParameters().map(\.0) == ["weight", "bias", "scale"])
    }

    @Test func sharedParametersAreListedOnceButSavedUnderBothNames() {
        let m = Tied()
        #expect(m.namedParameters().map(\.0) == ["first.weight"])
        #expect(Set(m.stateDict().keys) == ["first.weight", "second.weight"])
    }

    @Test func trainAndEvalPropagate() {
        let model = TinyClassifier()
        #expect(model.modules().allSatisfy { $0.isTraining })
        model.eval()
        #expect(model.modules().count == 7)
        #expect(model.modules().allSatisfy { !$0.isTraining })
        model.train()
        #expect(model.modules().allSatisfy { $0.isTraining })
        model.classifier.train(false)
        #expect(model.isTraining && model.features.isTraining && !model.classifier.isTraining && !model.classifier[1].isTraining)
    }

    @Test func zeroGradClearsEveryGradient() {
        let model = TinyClassifier()
        model(Tensor.ones([2, 4])).sum().backward()
        #expect(model.parameters().allSatisfy { $0.grad != nil })
        model.zeroGrad()
        #expect(model.parameters().allSatisfy { $0.grad == nil })
    }

    @Test func requiringGradFreezes() {
        let model = TinyClassifier()
        model.features.requiringGrad(false)
        #expect(model.parameters().map(\.requiresGrad) == [false, false, true, true])
    }

    @Test func descriptionShowsTree() {
        let model = Sequential([Linear(inputFeatures: 4, outputFeatures: 3), Flatten()])
        #expect(model.description == """
            Sequential(
              (0): Linear(in_features=4, out_features=3, bias=true)
              (1): Flatten(start_dim=1, end_dim=-1)
            )
            """)
    }

    @Test func flattenMergesTrailingAxes() {
        let x = Tensor(Array(0..<24).map(Float.init), shape: [2, 3, 4])
        #expect(Flatten()(x).shape == [2, 12])
        #expect(Flatten(startAxis: 0, endAxis: 1)(x).shape == [6, 4])
        // A transposed (non-contiguous) input flattens in its logical order.
        let t = x.transposed(1, 2)
        #expect(Flatten()(t).toArray() == t.contiguous().toArray())
    }

    /// One-input layers adopt UnaryLayer (callable as `layer(x)`); a module with two inputs does not, so
    /// `module(x)` on it does not compile — there is no `Module.forward` left to fail at run time.
    @Test func onlySingleInputModulesAreUnaryLayers() {
        final class Residual: Module {
            let dense = Linear(inputFeatures: 2, outputFeatures: 2)
            func callAsFunction(_ hidden: Tensor, _ input: Tensor) -> Tensor { dense(hidden) + input }
        }
        let modules: [Module] = [Linear(inputFeatures: 2, outputFeatures: 2), ReLU(), Sequential(ReLU(), Identity()), Residual()]
        #expect(modules.map { $0 is any UnaryLayer } == [true, true, true, false])
        let residual = Residual()
        let x = Tensor([1, 2], shape: [1, 2])
        #expect(residual(x, x).shape == [1, 2])
    }
}
