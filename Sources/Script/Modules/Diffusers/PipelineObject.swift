extension DiffusersModule {
    static func registerPipelines(_ m: PyModule) {}
}
