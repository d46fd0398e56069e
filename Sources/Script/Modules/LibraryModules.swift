extension Interpreter {
    /// Registers the Python-facing modules that bind dsh's Swift libraries: `torch`, `numpy`, and
    /// (as they land) `PIL`, `diffusers`, `tqdm`, `safetensors`, `IPython`, `dsh`.
    public func registerLibraryModules() {
        registerModule("torch") { interp in TorchModule.make(defaultGenerator: interp.defaultGenerator) }
        registerModule("torch.nn") { interp in
            guard case .module(let nn)? = try interp.importModule("torch")["nn"] else { return PyModule("torch.nn") }
            return nn
        }
        registerModule("torch.nn.functional") { interp in
            guard case .module(let nn)? = try interp.importModule("torch")["nn"], case .module(let f)? = nn["functional"] else {
                return PyModule("torch.nn.functional")
            }
            return f
        }
        registerModule("numpy") { _ in NumPyModule.make() }
        registerModule("diffusers") { interp in DiffusersModule.make(interp) }
        registerModule("diffusers.utils") { interp in
            guard case .module(let u)? = try interp.importModule("diffusers")["utils"] else { return PyModule("diffusers.utils") }
            return u
        }
        registerImagingModules()   // PIL, IPython, dsh, tqdm, safetensors, display()
    }
}
