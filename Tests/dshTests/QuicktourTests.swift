import Foundation
import Testing

/// The quicktour, end to end, run by the dsh binary as a user runs it.
@Suite("Quicktour walkthrough", .serialized)
struct QuicktourTests {
    static var specPath: String {
        DSH.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/spec/quicktour.ja.md").path
    }

    /// Runs `body` in a new temporary directory, removed afterwards.
    static func inTemporaryDirectory(_ prefix: String, _ body: (URL) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try body(dir)
    }

    /// The spec's Python code blocks (```py / ```python), in order.
    static func codeBlocks(_ markdown: String) -> [String] {
        var blocks: [String] = [], current: [String]? = nil
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line.hasPrefix("```py") { current = []; continue }
            if current != nil, line.hasPrefix("```") { blocks.append(current!.joined(separator: "\n")); current = nil; continue }
            current?.append(line)
        }
        return blocks
    }

    @Test("the spec's code blocks, pasted with their >>> prompts, run under dsh on the embedded model",
          .enabled(if: FileManager.default.fileExists(atPath: QuicktourTests.specPath), "needs ../shared/spec/quicktour.ja.md"))
    func specBlocks() throws {
        let markdown = try String(contentsOfFile: QuicktourTests.specPath, encoding: .utf8)
        let blocks = QuicktourTests.codeBlocks(markdown)
        #expect(blocks.count >= 12)
        // The only substitutions: the embedded model for the downloaded ones, and (Stable Diffusion being a
        // text-to-image pipeline dsh does not have) an unconditional call for the text prompt.
        var transcript = blocks.joined(separator: "\n")
        for id in ["stable-diffusion-v1-5/stable-diffusion-v1-5", "./stable-diffusion-v1-5", "google/ddpm-cat-256"] {
            transcript = transcript.replacingOccurrences(of: "\"\(id)\"", with: "\"dsh/tiny-cats-32\"")
        }
        transcript = transcript.replacingOccurrences(of: "pipeline(\"An image of a squirrel in Picasso style\")",
                                                     with: "pipeline(num_inference_steps=10)")
        try QuicktourTests.inTemporaryDirectory("dsh-quicktour") { dir in
            let r = try DSH.run(["-"], stdin: transcript, directory: dir)
            #expect(r.status == 0, "stderr: \(r.stderr.suffix(2000))")
            #expect(!r.stderr.contains("Traceback"))
            // display_sample drew 20 images (placeholders off a terminal) with their captions.
            #expect(r.stdout.contains("'Image at step 50'"))
            #expect(r.stdout.contains("'Image at step 1000'"))
            #expect(r.stdout.components(separatedBy: "<image 32×32 RGB>").count - 1 == 20)
            // The progress bar counted the 1000 steps; the cuda requests warned once.
            #expect(r.stderr.contains("1000/1000"))
            #expect(r.stderr.contains("dsh computes on the CPU"))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("image_of_squirrel_painting.png").path))
        }
    }

    @Test("examples/quicktour.dsh runs as an --echo transcript and saves its PNGs")
    func walkthrough() throws {
        try QuicktourTests.inTemporaryDirectory("dsh-walk") { dir in
            let script = DSH.repositoryRoot.appendingPathComponent("examples/quicktour.dsh").path
            let r = try DSH.run(["--echo", script], directory: dir)
            #expect(r.status == 0, "stderr: \(r.stderr.suffix(2000))")
            #expect(r.stdout.contains(">>> noisy_sample.shape\ntorch.Size([1, 3, 32, 32])"))
            #expect(r.stdout.contains("DDPMScheduler {"))
            #expect(r.stdout.contains("\"_class_name\": \"DDPMPipeline\""))
            let out = dir.appendingPathComponent("quicktour-out")
            for name in ["pipeline-ddpm-1000.png", "pipeline-ddim-50.png", "step-0050.png", "step-1000.png"] {
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name) missing")
            }
        }
    }

    @Test("examples/schedulers.dsh compares five schedulers and saves the grid")
    func schedulerComparison() throws {
        try QuicktourTests.inTemporaryDirectory("dsh-sched") { dir in
            let r = try DSH.run([DSH.repositoryRoot.appendingPathComponent("examples/schedulers.dsh").path], directory: dir)
            #expect(r.status == 0, "stderr: \(r.stderr.suffix(2000))")
            let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("DDPMScheduler ") || $0.hasPrefix("DDIMScheduler ")
                || $0.hasPrefix("EulerDiscreteScheduler ") || $0.hasPrefix("EulerAncestralDiscreteScheduler ") || $0.hasPrefix("DPMSolverMultistepScheduler ") }
            #expect(rows.count == 5, "\(r.stdout)")
            // DPM-Solver++ with thresholding stays close to its own 200-step image at every step count (0.03–0.07 here,
            // the numbers diffusers gives); without thresholding it drifts past 0.18.
            if let dpm = rows.first(where: { $0.hasPrefix("DPMSolverMultistepScheduler") }) {
                let numbers = dpm.split(separator: " ").dropFirst().compactMap { Double($0) }
                #expect(numbers.count == 5)
                #expect(numbers.prefix(4).allSatisfy { $0 < 0.1 }, "\(dpm)")
            }
            #expect(r.stdout.contains("<image 160×160 RGB>"))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("schedulers-out/schedulers-grid.png").path))
        }
    }

    @Test("examples/what_the_model_sees.dsh noises an image and shows the model's predictions")
    func whatTheModelSees() throws {
        try QuicktourTests.inTemporaryDirectory("dsh-sees") { dir in
            let r = try DSH.run([DSH.repositoryRoot.appendingPathComponent("examples/what_the_model_sees.dsh").path], directory: dir)
            #expect(r.status == 0, "stderr: \(r.stderr.suffix(2000))")
            // √ᾱ_t falls from 1 to almost 0, and the noise prediction gets better as the noise grows (the numbers
            // diffusers prints for the same script).
            let table = r.stdout.split(separator: "\n").compactMap { line -> (Int, Double, Double)? in
                let f = line.split(separator: " ")
                guard f.count == 3, let t = Int(f[0]), let a = Double(f[1]), let e = Double(f[2]) else { return nil }
                return (t, a, e)
            }
            #expect(table.map(\.0) == [0, 100, 250, 500, 750, 900, 999])
            // √ᾱ_t as the model's own scheduler config defines it (linear betas; the DDPM formula ᾱ_t = ∏(1 − β_s)).
            let configURL = DSH.repositoryRoot.appendingPathComponent("Sources/Diffusers/Resources/tiny-cats-32/scheduler/scheduler_config.json")
            let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
            let start = try #require(config["beta_start"] as? Double), end = try #require(config["beta_end"] as? Double)
            let steps = try #require(config["num_train_timesteps"] as? Int)
            var alphaBar = [Double](), product = 1.0
            for i in 0..<steps { product *= 1 - (start + (end - start) * Double(i) / Double(steps - 1)); alphaBar.append(product) }
            for (t, shown, _) in table { #expect(abs(shown - alphaBar[t].squareRoot()) <= 1e-4, "√ᾱ at t = \(t)") }
            #expect((table.last?.2 ?? 1) < 0.01 && (table[1].2) > (table.last?.2 ?? 0))
            #expect(r.stdout.contains("<image 224×96 RGB>"))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("model-sees-out/what-the-model-sees.png").path))
        }
    }
}

