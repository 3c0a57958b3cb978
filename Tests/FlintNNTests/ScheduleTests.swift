import Testing
import Flint
import FlintNN

@Suite struct ScheduleTests {
    private func close(_ a: Float, _ b: Float) -> Bool { abs(a - b) <= 1e-6 * max(1, abs(b)) }

    @Test func stepLR() {
        let s = StepLR(initial: 0.1, stepSize: 3, gamma: 0.5)
        #expect([0, 1, 2].allSatisfy { close(s.learningRate(at: $0), 0.1) })
        #expect(close(s.learningRate(at: 3), 0.05))
        #expect(close(s.learningRate(at: 7), 0.025))
    }

    @Test func cosineAnnealing() {
        let s = CosineAnnealingLR(initial: 1, totalSteps: 10, minimum: 0.1)
        #expect(close(s.learningRate(at: 0), 1))
        // 0.1 + 0.9·(1 + cos(0.2π))/2 = 0.1 + 0.9·0.9045085 = 0.91405765
        #expect(close(s.learningRate(at: 2), 0.91405765))
        #expect(close(s.learningRate(at: 5), 0.55))
        #expect(close(s.learningRate(at: 10), 0.1))
        // PyTorch's closed form is periodic.
        #expect(close(s.learningRate(at: 15), 0.55))
    }

    @Test func linearWarmupDecay() {
        let s = LinearWarmupDecay(initial: 1, warmupSteps: 4, totalSteps: 10)
        #expect(s.learningRate(at: 0) == 0)
        #expect(close(s.learningRate(at: 2), 0.5))
        #expect(close(s.learningRate(at: 4), 1))
        // (10 − 7) / (10 − 4)
        #expect(close(s.learningRate(at: 7), 0.5))
        #expect(s.learningRate(at: 10) == 0)
        #expect(s.learningRate(at: 12) == 0)
        // No warm-up: decay starts at once.
        #expect(close(LinearWarmupDecay(initial: 2, warmupSteps: 0, totalSteps: 4).learningRate(at: 1), 1.5))
    }

    @Test func schedulerDrivesTheOptimizer() {
        let p = Tensor.zeros([2]).requiringGrad()
        let sgd = SGD(parameters: [p], learningRate: 123)
        let scheduler = LearningRateScheduler(optimizer: sgd, schedule: LinearWarmupDecay(initial: 1, warmupSteps: 2, totalSteps: 4))
        #expect(sgd.learningRate == 0)
        scheduler.step()
        #expect(sgd.learningRate == 0.5)
        scheduler.step()
        #expect(sgd.learningRate == 1)
        scheduler.step()
        #expect(sgd.learningRate == 0.5)
        #expect(scheduler.currentStep == 3)
        scheduler.currentStep = 1
        #expect(sgd.learningRate == 0.5)
    }
}
