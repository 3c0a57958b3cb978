import Testing
import Flint
import FlintNN
import FlintTestSupport

/// A parameter of `count` equal elements (19 = two SIMD blocks and a tail of three).
private func parameter(_ value: Float, count: Int = 19) -> Tensor {
    Tensor.full([count], value: value).requiringGrad()
}

/// Sets a constant gradient on `p` and steps.
private func step(_ optimizer: any Optimizer, _ p: Tensor, gradient: Float) {
    p.grad = Tensor.full(p.shape, value: gradient)
    optimizer.step()
}

/// Every element of `p` equals `value` (within `tolerance`).
private func allEqual(_ p: Tensor, _ value: Double, tolerance: Double = 1e-6) -> Bool {
    p.toArray().allSatisfy { abs(Double($0) - value) <= tolerance }
}

@Suite struct SGDTests {
    @Test func plainStep() {
        // p = 1 − 0.1 · 0.5
        let p = parameter(1)
        let sgd = SGD(parameters: [p], learningRate: 0.1)
        step(sgd, p, gradient: 0.5)
        #expect(allEqual(p, 0.95))
    }

    @Test func momentumWithWeightDecay() {
        // lr 0.1, μ 0.9, λ 0.1, g = 0.5, p₀ = 1:
        // 1: d = 0.5 + 0.1·1 = 0.6;         b = 0.6;                    p = 1 − 0.06 = 0.94
        // 2: d = 0.5 + 0.094 = 0.594;       b = 0.54 + 0.594 = 1.134;   p = 0.94 − 0.1134 = 0.8266
        // 3: d = 0.5 + 0.08266 = 0.58266;   b = 1.0206 + 0.58266 = 1.60326; p = 0.8266 − 0.160326 = 0.666274
        let p = parameter(1)
        let sgd = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, weightDecay: 0.1)
        step(sgd, p, gradient: 0.5)
        #expect(allEqual(p, 0.94))
        step(sgd, p, gradient: 0.5)
        #expect(allEqual(p, 0.8266))
        step(sgd, p, gradient: 0.5)
        #expect(allEqual(p, 0.666274))
    }

    @Test func nesterov() {
        // lr 0.1, μ 0.9, g = 0.5, p₀ = 1:
        // 1: b = 0.5;             d = 0.5 + 0.45 = 0.95;     p = 0.905
        // 2: b = 0.45 + 0.5 = 0.95; d = 0.5 + 0.855 = 1.355;  p = 0.7695
        // 3: b = 0.855 + 0.5 = 1.355; d = 0.5 + 1.2195 = 1.7195; p = 0.59755
        let p = parameter(1, count: 3)
        let sgd = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, nesterov: true)
        step(sgd, p, gradient: 0.5)
        #expect(allEqual(p, 0.905))
        step(sgd, p, gradient: 0.5)
        #expect(allEqual(p, 0.7695))
        step(sgd, p, gradient: 0.5)
        #expect(allEqual(p, 0.59755))
    }

    @Test func dampeningSkipsTheFirstStep() {
        // μ 0.9, τ 0.5: b₁ = g = 0.5 (no dampening on the first step), p = 0.95;
        // b₂ = 0.45 + 0.5·0.5 = 0.7, p = 0.95 − 0.07 = 0.88.
        let p = parameter(1)
        let sgd = SGD(parameters: [p], learningRate: 0.1, momentum: 0.9, dampening: 0.5)
        step(sgd, p, gradient: 0.5)
        step(sgd, p, gradient: 0.5)
        #expect(allEqual(p, 0.88))
    }

    @Test func parametersWithoutGradientsAreSkipped() {
        let a = parameter(1), b = parameter(2)
        let sgd = SGD(parameters: [a, b], learningRate: 0.1, weightDecay: 0.5)
        a.grad = Tensor.full(a.shape, value: 1)
        sgd.step()
        #expect(allEqual(a, 1 - 0.1 * (1 + 0.5)))
        #expect(allEqual(b, 2))
        sgd.zeroGrad()
        #expect(a.grad == nil)
    }

    @Test func parameterGroupsTurnWeightDecayOff() {
        let weight = parameter(1), bias = parameter(1)
        let sgd = SGD(groups: [
            ParameterGroup([weight], options: .init(learningRate: 0.1, weightDecay: 0.1)),
            ParameterGroup([bias], options: .init(learningRate: 0.1)),
        ])
        weight.grad = Tensor.full(weight.shape, value: 0.5)
        bias.grad = Tensor.full(bias.shape, value: 0.5)
        sgd.step()
        #expect(allEqual(weight, 0.94))
        #expect(allEqual(bias, 0.95))
    }

    @Test func learningRateSetterKeepsGroupRatios() {
        let sgd = SGD(groups: [
            ParameterGroup([parameter(1)], options: .init(learningRate: 0.1)),
            ParameterGroup([parameter(1)], options: .init(learningRate: 0.05)),
        ])
        sgd.learningRate = 0.2
        #expect(sgd.learningRate == 0.2)
        #expect(abs(sgd.groups[1].options.learningRate - 0.1) < 1e-7)
    }

    @Test func stateRoundTripContinuesIdentically() throws {
        let a = parameter(1), b = parameter(1)
        let first = SGD(parameters: [a], learningRate: 0.1, momentum: 0.9)
        step(first, a, gradient: 0.5)
        step(first, a, gradient: -0.3)
        b.copy(from: a)
        let second = SGD(parameters: [b], learningRate: 0.7, momentum: 0.9)
        try second.loadStateDict(first.stateDict())
        #expect(second.learningRate == 0.1)
        step(first, a, gradient: 0.2)
        step(second, b, gradient: 0.2)
        #expect(a.toArray() == b.toArray())
    }
}

@Suite struct AdamTests {
    @Test func threeStepsByHand() {
        // lr 0.1, β = (0.9, 0.999), ε = 1e-8, p₀ = 1, gradients 0.5, −0.25, 0.125.
        // 1: m = 0.05, v = 0.001·0.25 = 0.00025; m̂ = 0.05/0.1 = 0.5, v̂ = 0.00025/0.001 = 0.25;
        //    p = 1 − 0.1·0.5/(0.5 + 1e-8) = 0.9
        // 2: m = 0.05 + 0.1·(−0.25 − 0.05) = 0.02, v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225;
        //    step size 0.1/0.19, √(v/(1 − 0.999²)) = √(0.00031225/0.001999) = 0.3952248;
        //    p = 0.9 − (0.1/0.19)·0.02/0.3952248 = 0.87336630
        // 3: m = 0.02 + 0.1·(0.125 − 0.02) = 0.0305, v = 0.999·0.00031225 + 0.001·0.015625 = 0.00032756275;
        //    p = 0.87336630 − (0.1/0.271)·0.0305/√(0.00032756275/0.002997001) = 0.83932338
        let p = parameter(1)
        let adam = Adam(parameters: [p], learningRate: 0.1)
        step(adam, p, gradient: 0.5)
        #expect(allEqual(p, 0.9))
        step(adam, p, gradient: -0.25)
        #expect(allEqual(p, 0.8733663))
        step(adam, p, gradient: 0.125)
        #expect(allEqual(p, 0.83932338))
        #expect(adam.stepCount(ofParameterAt: 0) == 3)
        let state = adam.stateDict()
        #expect(state["state.0.step"]!.toIntArray() == [3])
        #expect(allEqual(state["state.0.exp_avg"]!, 0.0305, tolerance: 1e-8))
        #expect(allEqual(state["state.0.exp_avg_sq"]!, 0.00032756275, tolerance: 3e-9))
    }

    @Test func coupledWeightDecay() {
        // λ = 0.1 is added to the gradient: g₁ = 0.5 + 0.1 = 0.6, so m̂ = 0.6, v̂ = 0.36, p = 0.9;
        // g₂ = −0.25 + 0.09 = −0.16: m = 0.06 + 0.1·(−0.16 − 0.06) = 0.038,
        // v = 0.999·0.00036 + 0.001·0.0256 = 0.00038524; p = 0.9 − (0.1/0.19)·0.038/√(0.00038524/0.001999)
        //   = 0.85444137
        let p = parameter(1)
        let adam = Adam(parameters: [p], learningRate: 0.1, weightDecay: 0.1)
        step(adam, p, gradient: 0.5)
        #expect(allEqual(p, 0.9))
        step(adam, p, gradient: -0.25)
        #expect(allEqual(p, 0.85444137))
    }

    @Test func adamWDecouplesWeightDecay() {
        // p is first shrunk by (1 − lr·λ) = 0.99, then the plain Adam step is applied:
        // 1: p = 0.99 − 0.1 = 0.89
        // 2: p = 0.89·0.99 − (0.1/0.19)·0.02/0.3952248 = 0.8811 − 0.0266337 = 0.85446630
        let p = parameter(1)
        let adamW = AdamW(parameters: [p], learningRate: 0.1, weightDecay: 0.1)
        step(adamW, p, gradient: 0.5)
        #expect(allEqual(p, 0.89))
        step(adamW, p, gradient: -0.25)
        #expect(allEqual(p, 0.8544663))
        // PyTorch's default decay for AdamW is 0.01 (Adam's is 0).
        #expect(AdamW(parameters: [p]).groups[0].options.weightDecay == 0.01)
        #expect(Adam(parameters: [p]).groups[0].options.weightDecay == 0)
    }

    @Test func amsgradUsesTheRunningMaximum() {
        // β = (0.9, 0.5): v₁ = 0.5·0.25 = 0.125, p₁ = 0.9. g₂ = 0.05: m = 0.05, v₂ = 0.0625 + 0.00125
        // = 0.06375 < v̂ = 0.125, so p₂ = 0.9 − (0.1/0.19)·0.05/√(0.125/0.75) = 0.83553975
        // (plain Adam would use v₂: 0.9 − (0.1/0.19)·0.05/√(0.06375/0.75) = 0.80973759).
        let p = parameter(1), q = parameter(1)
        let ams = Adam(parameters: [p], learningRate: 0.1, betas: (0.9, 0.5), amsgrad: true)
        let plain = Adam(parameters: [q], learningRate: 0.1, betas: (0.9, 0.5))
        step(ams, p, gradient: 0.5)
        step(plain, q, gradient: 0.5)
        step(ams, p, gradient: 0.05)
        step(plain, q, gradient: 0.05)
        #expect(allEqual(p, 0.83553975))
        #expect(allEqual(q, 0.80973759))
        #expect(ams.stateDict()["state.0.max_exp_avg_sq"] != nil)
    }

    @Test func stateRoundTripAndValidation() throws {
        let a = parameter(1), b = parameter(1), unrelated = parameter(3)
        let first = AdamW(parameters: [unrelated, a], learningRate: 0.05)
        unrelated.grad = nil
        step(first, a, gradient: 0.5)
        step(first, a, gradient: -0.2)
        b.copy(from: a)
        let second = AdamW(parameters: [parameter(3), b], learningRate: 0.05)
        let saved = first.stateDict()
        // Parameter 0 never had a gradient: no state for it.
        #expect(saved["state.0.step"] == nil && saved["state.1.step"]!.toIntArray() == [2])
        try second.loadStateDict(saved)
        #expect(second.stepCount(ofParameterAt: 1) == 2)
        step(first, a, gradient: 0.3)
        step(second, b, gradient: 0.3)
        #expect(a.toArray() == b.toArray())

        let mismatched = Adam(parameters: [parameter(3), parameter(1, count: 4)])
        #expect {
            try mismatched.loadStateDict(saved)
        } throws: { error in
            guard let error = error as? StateDictError else { return false }
            return Set(error.shapeMismatches.map(\.key)) == ["state.1.exp_avg", "state.1.exp_avg_sq"]
        }
        var incomplete = saved
        incomplete["state.1.exp_avg_sq"] = nil
        incomplete["state.7.exp_avg"] = Tensor.zeros([1])
        #expect {
            try second.loadStateDict(incomplete)
        } throws: { error in
            guard let error = error as? StateDictError else { return false }
            return error.missingKeys == ["state.1.exp_avg_sq"] && error.unexpectedKeys == ["state.7.exp_avg"]
        }
    }

    @Test func trainsALinearModelDownhill() {
        // y = 2x − 1 recovered by a Linear layer with Adam on a tiny regression.
        let layer = Linear(inputFeatures: 1, outputFeatures: 1)
        let x = Tensor([-1, -0.5, 0, 0.5, 1, 1.5], shape: [6, 1])
        let y = x * 2 - 1
        let adam = Adam(parameters: layer.parameters(), learningRate: 0.1)
        var last: Float = .infinity
        for _ in 0..<300 {
            adam.zeroGrad()
            let loss = mseLoss(layer(x), y)
            loss.backward()
            adam.step()
            last = loss.item()
        }
        #expect(last < 1e-4)
        #expect(abs(layer.weight.item() - 2) < 0.02 && abs(layer.bias!.item() + 1) < 0.02)
    }
}
