import Foundation
import Testing

/// `gym bench-kernels --network`: one minibatch of a network, part by part.
@Suite struct BenchKernelsCommandTests {
    /// The microseconds printed on the line starting with `label`.
    func microseconds(_ label: String, in output: String) throws -> Double {
        let line = try #require(output.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) })
        let number = line.dropFirst(2 + 44).split(separator: " ").first.map { Double($0) } ?? nil
        return try #require(number, "no number on \(line)")
    }

    @Test func timesEachPartOfOneMinibatch() throws {
        let result = try gym("bench-kernels", "--network", "4,16,16,2", "--rows", "32")
        #expect(result.status == 0, "\(result.stderr)")
        let output = result.stdout
        #expect(output.contains("one minibatch of 32 rows through a 4-16-16-2 tanh network"))
        // (4 + 1) x 16 + (16 + 1) x 16 + (16 + 1) x 2 parameters.
        #expect(output.contains("Adam step (386 parameters)"))
        // 32 rows x (forward 352 + weight gradients 352 + input gradients 352 - 64 of the first layer).
        #expect(output.contains("the products' 0.03M multiply-adds"))
        let parts = try ["forward pass", "backward pass", "Adam step", "gradient norm"].map { try microseconds($0, in: output) }
        let total = try microseconds("total", in: output)
        #expect(parts.allSatisfy { $0 > 0 })
        #expect(abs(parts.reduce(0, +) - total) <= 0.03, "\(parts) against \(total)")
    }

    @Test func aNetworkWithoutHiddenLayersIsOneLinearLayer() throws {
        let result = try gym("bench-kernels", "--network", "4,8", "--rows", "4")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("one minibatch of 4 rows through a 4-8 linear layer"))
        #expect(!result.stdout.contains("tanh"))
        #expect(result.stdout.contains("Adam step (40 parameters)"))
    }

    @Test(arguments: [["--network", "4"], ["--network", "4,0,2"], ["--network", "4,x"], ["--network", "4,8", "--rows", "0"],
                      ["--network", "4,4096,4096,4096,4096,4096,1", "--rows", "4096"],
                      ["--work", "nan"], ["--work", "1e300"], ["--work", "0"]])
    func refusesBadInputClearly(arguments: [String]) throws {
        let result = try gym(["bench-kernels"] + arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains("--network must be layer sizes") || result.stderr.contains("--rows must be")
                || result.stderr.contains("MiB of buffers; at most 256 MiB")
                || result.stderr.contains("--work must be from 1e6 to 1e12 multiply-adds"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
