// The pure-library modules dsh provides itself: time, json, os, os.path, math, sys.

extension Interpreter {
    func registerStandardModules() {
        registerModule("time", TimeModule.make)
        registerModule("json", JSONModule.make)
        registerModule("os", OSModule.make)
        registerModule("os.path", OSModule.makePath)
        registerModule("math", MathModule.make)
        registerModule("sys", SysModule.make)
    }
}
