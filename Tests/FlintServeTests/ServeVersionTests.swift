import Testing
@testable import FlintServe

@Suite struct ServeVersionTests {
    @Test func versionIsSemantic() {
        #expect(ServeVersion.current.split(separator: ".").count == 3)
    }
}
