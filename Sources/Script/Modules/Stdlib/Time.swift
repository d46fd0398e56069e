import Foundation

/// `time`: perf_counter, time, sleep (interruptible), monotonic.
enum TimeModule {
    static func make(_ interp: Interpreter) throws -> PyModule {
        let m = PyModule("time")
        m.def("perf_counter") { _ in .float(Double(DispatchTime.now().uptimeNanoseconds) / 1e9) }
        m.def("monotonic") { _ in .float(Double(DispatchTime.now().uptimeNanoseconds) / 1e9) }
        m.def("time") { _ in .float(Date().timeIntervalSince1970) }
        m.def("sleep") { a in
            let s = try a.double(0, "secs")
            if s < 0 { throw PyException.valueError("sleep length must be non-negative") }
            let end = Date().addingTimeInterval(s)
            // Sleep in small steps so Ctrl-C (requestInterrupt) stops it promptly.
            while Date() < end {
                try a.interpreter.checkInterrupt()
                Thread.sleep(forTimeInterval: min(0.02, end.timeIntervalSinceNow))
            }
            return .none
        }
        return m
    }
}
