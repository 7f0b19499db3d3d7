import Foundation
import TestScratch
import Testing

/// scripts/machine.py, the line the benchmark scripts print first: which CPU a table came from.
/// gym's speed against JAX follows the core's vector width (a Zen 5 core runs AVX-512 at full
/// width, a Zen 4 core in two halves), and a virtual machine names its CPU only "AMD EPYC".
@Suite struct MachineDescriptionTests {
    static let python = ["/usr/bin/python3", OutsideChecks.python].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The description of a cpuinfo file with `processors` entries of these fields.
    func describe(vendor: String, family: Int, model: Int, name: String, flags: String, processors: Int = 2) throws -> String {
        let entry = { (index: Int) in
            """
            processor\t: \(index)
            vendor_id\t: \(vendor)
            cpu family\t: \(family)
            model\t\t: \(model)
            model name\t: \(name)
            flags\t\t: fpu sse2 \(flags)
            """
        }
        let path = try TestScratch.folder("cpuinfo").appendingPathComponent("cpuinfo")
        try (0..<processors).map(entry).joined(separator: "\n\n").appending("\n").write(to: path, atomically: true, encoding: .utf8)
        return try runPython(["machine.py", path.path])
    }

    @Test(.enabled(if: python != nil)) func namesTheAMDCoreDesignFromFamilyAndModel() throws {
        #expect(try describe(vendor: "AuthenticAMD", family: 25, model: 17, name: "AMD EPYC", flags: "avx2 avx512f")
                == "AMD EPYC, family 25 model 17 (Zen 4), 2 CPUs, AVX-512")
        #expect(try describe(vendor: "AuthenticAMD", family: 25, model: 1, name: "AMD EPYC", flags: "avx2")
                == "AMD EPYC, family 25 model 1 (Zen 3), 2 CPUs, AVX2")
        #expect(try describe(vendor: "AuthenticAMD", family: 26, model: 2, name: "AMD EPYC", flags: "avx2 avx512f", processors: 1)
                == "AMD EPYC, family 26 model 2 (Zen 5), 1 CPU, AVX-512")
    }

    /// Runs `python3 <arguments>` in scripts/ and returns its standard output, trimmed.
    func runPython(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.python))
        process.arguments = arguments
        process.currentDirectoryURL = projectRoot.appendingPathComponent("scripts")
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The host-noise reading counts the gaps of 5 us or more between clock readings, and only
    /// those: 6 us, 14 us and exactly 5 us here, not the 0.1 us steps or the 4.999 us gap.
    @Test(.enabled(if: python != nil)) func countsOnlyTheGapsOfFiveMicrosecondsOrMore() throws {
        #expect(try runPython(["-c", "import machine; print(machine.pauses([0, 100, 6100, 6200, 11199, 25199, 30199]))"])
                == "(25000, 3)")
        #expect(try runPython(["-c", "import machine; print(machine.describe_noise([(0, 0.021, 600), (1, 0.1, 40)]))"])
                == "host took 2.1% of CPU 0, 10.0% of CPU 1")
    }

    /// `--noise` watches every CPU at once and reports a share of the time for each.
    @Test(.enabled(if: python != nil)) func watchesEveryCPUForTheHostsPauses() throws {
        let line = try runPython(["machine.py", "--noise", "0.05"])
        #expect(line.hasPrefix("host took ") && line.hasSuffix("over 0.05 s (pauses of 5 us or more)"))
        let shares = line.split(separator: " ").filter { $0.hasSuffix("%") }.compactMap { Double($0.dropLast()) }
        #expect(shares.count == ProcessInfo.processInfo.activeProcessorCount)
        #expect(shares.allSatisfy { (0...100).contains($0) })
    }

    @Test(.enabled(if: python != nil)) func leavesOtherVendorsAsNumbers() throws {
        #expect(try describe(vendor: "GenuineIntel", family: 6, model: 143, name: "Intel(R) Xeon(R) Platinum 8480+",
                             flags: "avx2 avx512f")
                == "Intel(R) Xeon(R) Platinum 8480+, family 6 model 143, 2 CPUs, AVX-512")
    }
}
