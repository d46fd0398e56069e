import Foundation

/// A progress bar in tqdm's format, on standard error:
///
///     desc: 100%|██████████| 1000/1000 [00:28<00:00, 34.56it/s]
///
/// On a terminal the bar is redrawn in place (at most every `minInterval` seconds) and sized to
/// the terminal's width. Off a terminal it prints a plain line at the start, then at most every
/// `plainInterval` seconds, and at the end. The rate is tqdm's exponential moving average
/// (smoothing 0.3); rates under one per second are shown as seconds per iteration (`s/it`).
public final class ProgressBar: @unchecked Sendable {
    /// Iterations done.
    public private(set) var n = 0
    /// Expected iterations, or nil when unknown (then no bar or percentage is drawn).
    public var total: Int?
    /// Text before the bar.
    public var desc: String
    /// Text after the rate, e.g. `loss=0.12` (tqdm's `set_postfix_str`).
    public var postfix = ""
    /// Whether the bar stays on screen after ``close()``.
    public let leave: Bool
    /// When true nothing is drawn.
    public let disabled: Bool
    /// Least time between redraws on a terminal (tqdm's `mininterval`).
    public var minInterval: Double = 0.1
    /// Least time between plain lines off a terminal.
    public var plainInterval: Double = 5

    let console: Console
    let sink: TextSink
    let clock: () -> Double
    let start: Double
    var lastPrintN = 0
    var lastPrintT: Double
    var lastLength = 0
    var closed = false
    var emaDn = EMA(), emaDt = EMA()

    /// Starts a bar and draws it at 0. `clock` gives seconds (monotonic); tests inject one.
    public init(total: Int?, desc: String = "", disable: Bool = false, leave: Bool = true,
                console: Console = .shared, clock: (() -> Double)? = nil) {
        self.total = total
        self.desc = desc
        self.disabled = disable
        self.leave = leave
        self.console = console
        self.sink = console.stderr
        self.clock = clock ?? { ProcessInfo.processInfo.systemUptime }
        self.start = self.clock()
        self.lastPrintT = start
        guard !disable else { return }
        console.register(self)
        if sink.isTerminal { refresh() } else { printPlainLine() }
    }

    var isLiveOnTerminal: Bool { !disabled && !closed && sink.isTerminal }

    /// Adds `k` iterations; redraws if `minInterval` has passed since the last drawing.
    public func update(_ k: Int = 1) {
        guard !disabled && !closed else { return }
        n += k
        let now = clock()
        if sink.isTerminal {
            let dt = now - lastPrintT
            guard dt >= minInterval else { return }
            let dn = n - lastPrintN
            if dt > 0 && dn != 0 { emaDn.add(Double(dn)); emaDt.add(dt) }
            console.lock.lock()
            refresh(now: now)
            console.lock.unlock()
            lastPrintN = n
            lastPrintT = now
        } else if now - lastPrintT >= plainInterval {
            let dn = n - lastPrintN
            if dn != 0 { emaDn.add(Double(dn)); emaDt.add(now - lastPrintT) }
            printPlainLine(now: now)
            lastPrintN = n
            lastPrintT = now
        }
    }

    /// Ends the bar: on a terminal it is drawn a last time and left (or erased when `leave` is
    /// false); off a terminal a final line is printed if the last one was not already final.
    public func close() {
        guard !disabled && !closed else { return }
        closed = true
        console.unregister(self)
        if sink.isTerminal {
            if leave {
                refresh()
                sink.write("\n")
            } else {
                clearLine()
            }
        } else if leave && lastPrintN != n {
            printPlainLine()
        }
    }

    /// The current line, formatted as tqdm formats it.
    public func line(now: Double? = nil) -> String {
        let t = now ?? clock()
        let rate: Double? = emaDt.value > 0 ? emaDn.value / emaDt.value : nil
        return ProgressBar.format(n: n, total: total, elapsed: t - start, rate: rate, desc: desc,
                                  columns: sink.isTerminal ? (sink.columns ?? 80) : nil, postfix: postfix)
    }

    /// Redraws the bar on its line (terminal only).
    public func refresh() { refresh(now: clock()) }

    func refresh(now: Double) {
        guard isLiveOnTerminal || (closed && leave && sink.isTerminal) else { return }
        let s = line(now: now)
        let len = s.count
        sink.write("\r" + s + String(repeating: " ", count: max(0, lastLength - len)))
        lastLength = len
    }

    /// Erases the bar's line and puts the cursor at its start.
    func clearLine() {
        sink.write("\r" + String(repeating: " ", count: lastLength) + "\r")
    }

    func printPlainLine(now: Double? = nil) {
        sink.write(line(now: now) + "\n")
    }

    // MARK: tqdm's format_meter

    /// tqdm's `format_interval`: `MM:SS`, or `H:MM:SS` from an hour on.
    public static func formatInterval(_ t: Double) -> String {
        let secs = max(0, Int(t))
        let h = secs / 3600, m = (secs / 60) % 60, s = secs % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%02d:%02d", m, s)
    }

    /// tqdm's `format_meter` with its default bar format. `rate` is iterations per second (nil:
    /// use the average over `elapsed`); `columns` is the line width, nil for tqdm's 10-cell bar.
    public static func format(n: Int, total: Int?, elapsed: Double, rate: Double?, desc: String = "",
                              columns: Int? = nil, postfix: String = "") -> String {
        var total = total
        if let t = total, Double(n) >= Double(t) + 0.5 { total = nil }
        let elapsedStr = formatInterval(elapsed)
        var rate = rate
        if rate == nil && elapsed > 0 { rate = Double(n) / elapsed }
        let r = (rate ?? 0) != 0 ? rate : nil
        let invRate = r.map { 1 / $0 }
        let rateNoInv = (r.map { String(format: "%5.2f", $0) } ?? "?") + "it/s"
        let rateInv = (invRate.map { String(format: "%5.2f", $0) } ?? "?") + "s/it"
        let rateFmt = (invRate ?? 0) > 1 ? rateInv : rateNoInv
        let post = postfix.isEmpty ? "" : ", " + postfix
        let prefix = desc.isEmpty ? "" : (desc.hasSuffix(": ") ? desc : desc + ": ")
        guard let tot = total, tot != 0 else {
            return prefix + "\(n)it [\(elapsedStr), \(rateFmt)\(post)]"
        }
        let remaining = r.map { formatInterval(Double(tot - n) / $0) } ?? "?"
        let frac = Double(n) / Double(tot)
        let lBar = prefix + String(format: "%3.0f%%|", frac * 100)
        let rBar = "| \(n)/\(tot) [\(elapsedStr)<\(remaining), \(rateFmt)\(post)]"
        let width = columns.map { max(1, $0 - lBar.count - rBar.count) } ?? 10
        return lBar + bar(frac, width: width) + rBar
    }

    /// tqdm's `Bar` with its Unicode charset (eighth blocks).
    static func bar(_ frac: Double, width: Int) -> String {
        let charset: [Character] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]
        let nsyms = charset.count - 1
        let f = max(0, min(1, frac))
        let units = Int(f * Double(width) * Double(nsyms))
        let full = units / nsyms, part = units % nsyms
        var s = String(repeating: "█", count: min(full, width))
        if full < width {
            s.append(charset[part])
            s += String(repeating: " ", count: width - full - 1)
        }
        return s
    }
}

/// tqdm's exponential moving average with bias correction (smoothing 0.3).
struct EMA {
    var alpha = 0.3
    var last = 0.0
    var calls = 0

    mutating func add(_ x: Double) {
        last = alpha * x + (1 - alpha) * last
        calls += 1
    }

    var value: Double { calls > 0 ? last / (1 - pow(1 - alpha, Double(calls))) : last }
}
