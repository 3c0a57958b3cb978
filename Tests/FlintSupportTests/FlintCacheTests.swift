import Foundation
import Testing
import FlintSupport

@Suite struct FlintCacheTests {
    @Test func followsFlintCache() {
        let environment = ["FLINT_CACHE": "/data/flint", "HOME": "/home/u"]
        #expect(FlintCache.directory(environment: environment).path == "/data/flint")
        #expect(FlintCache.models(environment: environment).path == "/data/flint/models")
        #expect(FlintCache.datasets(environment: environment).path == "/data/flint/datasets")
        #expect(FlintCache.peersVirtualEnvironment(environment: environment).path == "/data/flint/peers-venv")
    }

    @Test func defaultsToHomeCacheWhenUnsetOrEmpty() {
        for environment in [["HOME": "/home/u"], ["HOME": "/home/u", "FLINT_CACHE": ""]] {
            #expect(FlintCache.directory(environment: environment).path == "/home/u/.cache/flint")
            #expect(FlintCache.models(environment: environment).path == "/home/u/.cache/flint/models")
        }
    }

    @Test func peersVirtualEnvironmentOverride() {
        let environment = ["FLINT_CACHE": "/c", "FLINT_PEERS_VENV": "/opt/venv"]
        #expect(FlintCache.peersVirtualEnvironment(environment: environment).path == "/opt/venv")
        #expect(FlintCache.peersVirtualEnvironment(environment: ["FLINT_CACHE": "/c", "FLINT_PEERS_VENV": ""]).path == "/c/peers-venv")
    }

    @Test func processEnvironmentProperties() {
        let environment = ProcessInfo.processInfo.environment
        #expect(FlintCache.directory == FlintCache.directory(environment: environment))
        #expect(FlintCache.model(named: "all-MiniLM-L6-v2").path == FlintCache.models(environment: environment).path + "/all-MiniLM-L6-v2")
    }
}
