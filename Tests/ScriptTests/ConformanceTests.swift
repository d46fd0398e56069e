import Foundation
import Testing
@testable import Script

/// Every `Conformance/*.py` snippet prints exactly what CPython 3.11 printed (`*.expected`,
/// produced by `tools/fixtures_conformance.py`).
@Suite("Conformance with CPython")
struct ConformanceTests {
    static let snippets: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: conformanceFolder.path)) ?? []
        return files.filter { $0.hasSuffix(".py") }.sorted()
    }()

    @Test("there are at least 30 snippets")
    func enoughSnippets() {
        #expect(Self.snippets.count >= 30)
    }

    @Test("snippet output matches CPython", arguments: snippets)
    func snippet(_ name: String) throws {
        let source = try String(contentsOf: conformanceFolder.appendingPathComponent(name), encoding: .utf8)
        let expectedURL = conformanceFolder.appendingPathComponent(name.replacingOccurrences(of: ".py", with: ".expected"))
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        let r = runScript(source, filename: conformanceFolder.appendingPathComponent(name).path)
        #expect(r.error == nil, "\(r.error?.traceback ?? "")")
        #expect(r.out == expected, "\(name) differs:\n\(lineDiff(r.out, expected))")
    }

    func lineDiff(_ got: String, _ want: String) -> String {
        let g = got.split(separator: "\n", omittingEmptySubsequences: false)
        let w = want.split(separator: "\n", omittingEmptySubsequences: false)
        var out = ""
        for i in 0..<max(g.count, w.count) {
            let a = i < g.count ? String(g[i]) : "<missing>"
            let b = i < w.count ? String(w[i]) : "<missing>"
            if a != b { out += "line \(i + 1):\n  dsh:     \(a)\n  cpython: \(b)\n" }
        }
        return out
    }
}
