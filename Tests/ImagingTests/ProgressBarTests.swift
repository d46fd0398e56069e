import Testing
@testable import Imaging

/// A clock the test moves by hand.
final class FakeClock: @unchecked Sendable {
    var now = 0.0
}

@Suite("Progress bar")
struct ProgressBarTests {
    @Test("tqdm's format_meter", arguments: [
        (0, 1000 as Int?, 0.0, nil as Double?, "", "  0%|          | 0/1000 [00:00<?, ?it/s]"),
        (1000, 1000, 28.9, 34.56, "desc", "desc: 100%|██████████| 1000/1000 [00:28<00:00, 34.56it/s]"),
        (5, 10, 10.0, 0.5, "", " 50%|█████     | 5/10 [00:10<00:10,  2.00s/it]"),
        (33, 100, 3.0, 11.0, "", " 33%|███▎      | 33/100 [00:03<00:06, 11.00it/s]"),
        (123, nil, 5.0, 24.56, "sampling", "sampling: 123it [00:05, 24.56it/s]"),
        (12, 10, 2.0, 6.0, "", "12it [00:02,  6.00it/s]"),
        (1, 4000, 3725.0, nil, "", "  0%|          | 1/4000 [1:02:05<4137:51:15, 3725.00s/it]"),
    ])
    func format(n: Int, total: Int?, elapsed: Double, rate: Double?, desc: String, expected: String) {
        #expect(ProgressBar.format(n: n, total: total, elapsed: elapsed, rate: rate, desc: desc) == expected)
    }

    @Test("the bar fills the terminal's width")
    func width() {
        let line = ProgressBar.format(n: 50, total: 100, elapsed: 1, rate: 50, desc: "d", columns: 60)
        #expect(line.count == 60)
        #expect(line.hasPrefix("d:  50%|"))
        #expect(ProgressBar.formatInterval(59.9) == "00:59")
        #expect(ProgressBar.formatInterval(3600) == "1:00:00")
    }

    @Test("on a terminal: redrawn in place at most every 0.1 s, left with a newline")
    func terminal() {
        let clock = FakeClock()
        let err = StringSink(isTerminal: true, columns: 50)
        let console = Console(stdout: StringSink(), stderr: err)
        let bar = ProgressBar(total: 10, desc: "x", console: console, clock: { clock.now })
        #expect(err.text == "\r" + ProgressBar.format(n: 0, total: 10, elapsed: 0, rate: nil, desc: "x", columns: 50))
        clock.now = 0.05
        bar.update()
        #expect(err.text.filter { $0 == "\r" }.count == 1)   // throttled
        clock.now = 0.2
        bar.update()
        #expect(err.text.filter { $0 == "\r" }.count == 2)
        #expect(err.text.hasSuffix("2/10 [00:00<00:00, 10.00it/s]"))
        for _ in 0..<8 { clock.now += 0.5; bar.update() }
        bar.close()
        // tqdm's smoothed rate: EMA (0.3) of 2 its in 0.2 s, then 1 it per 0.5 s eight times.
        #expect(err.text.hasSuffix("10/10 [00:04<00:00,  2.06it/s]\n"))
        #expect(err.text.contains("██████████"))
        bar.update()   // after close: nothing
        #expect(err.text.hasSuffix("\n"))
    }

    @Test("leave=false erases the bar; disable=true draws nothing")
    func leaveAndDisable() {
        let err = StringSink(isTerminal: true, columns: 40)
        let console = Console(stdout: StringSink(), stderr: err)
        let bar = ProgressBar(total: 3, leave: false, console: console, clock: { 0 })
        bar.close()
        #expect(err.text.hasSuffix("\r" + String(repeating: " ", count: 40) + "\r"))
        let quiet = StringSink(isTerminal: true, columns: 40)
        let off = ProgressBar(total: 3, disable: true, console: Console(stdout: StringSink(), stderr: quiet))
        off.update(3)
        off.close()
        #expect(quiet.text.isEmpty)
    }

    @Test("off a terminal: plain lines, periodically")
    func plainLines() {
        let clock = FakeClock()
        let err = StringSink(isTerminal: false)
        let bar = ProgressBar(total: 100, desc: "steps", console: Console(stdout: StringSink(), stderr: err), clock: { clock.now })
        for i in 1...100 { clock.now = Double(i) / 10; bar.update() }
        bar.close()
        let lines = err.text.split(separator: "\n")
        #expect(!err.text.contains("\r"))
        #expect(lines.first == "steps:   0%|          | 0/100 [00:00<?, ?it/s]")
        #expect(lines.count == 3)   // start, after 5 s, end
        #expect(lines.last?.hasPrefix("steps: 100%|██████████| 100/100 [00:10<00:00, ") == true)
    }

    @Test("printing an image while a bar shows clears the bar first and redraws it after")
    func interleaving() throws {
        let term = StringSink(isTerminal: true, columns: 40)   // stdout and stderr on one terminal
        let console = Console(stdout: term, stderr: term)
        let bar = ProgressBar(total: 4, console: console, clock: { 0 })
        let before = term.text
        console.write("IMAGE\n")
        let blank = "\r" + String(repeating: " ", count: 40) + "\r"
        #expect(term.text == before + blank + "IMAGE\n" + before)
        bar.close()
    }
}
