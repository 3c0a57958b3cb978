import Testing
import FlintSupport

@Suite struct ProgressBarTests {
    @Test func formatsDurations() {
        #expect(ProgressBar.formatDuration(0) == "0:00")
        #expect(ProgressBar.formatDuration(75) == "1:15")
        #expect(ProgressBar.formatDuration(3725) == "1:02:05")
        #expect(ProgressBar.formatDuration(.infinity) == "--:--")
        #expect(ProgressBar.formatDuration(.nan) == "--:--")
        #expect(ProgressBar.formatDuration(-1) == "--:--")
    }

    @Test func countsAndClampsSteps() {
        let bar = ProgressBar(total: 10, label: "t", isTerminal: false, completed: 3)
        #expect(bar.completed == 3)
        bar.advance(by: 4)
        #expect(bar.completed == 7)
        bar.advance(by: 100)
        #expect(bar.completed == 10)
        #expect(ProgressBar(total: 0, isTerminal: false).total == 1)
        #expect(ProgressBar(total: 5, isTerminal: false, completed: 9).completed == 5)
    }
}
