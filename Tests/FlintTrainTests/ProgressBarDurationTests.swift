import Testing
import FlintTrain

@Suite struct ProgressBarDurationTests {
    @Test func progressDurationsFormat() {
        #expect(ProgressBar.formatDuration(75) == "1:15")
        #expect(ProgressBar.formatDuration(3725) == "1:02:05")
        #expect(ProgressBar.formatDuration(.infinity) == "--:--")
    }
}
