// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "gym",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gym", targets: ["gym"]),
        // The library other packages depend on (by version): envs, policies, evaluation, training.
        .library(name: "GymKit", targets: ["GymKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Lua 5.4 from the system (Debian: liblua5.4-dev). The header wraps Lua's C macros and
        // holds the few C functions that must run on Lua's side of a longjmp.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // Owns lua_State: sandbox, limits, protected calls, value conversion. Knows nothing of RL.
        .target(name: "LuaBridge", dependencies: ["CLua"]),
        // Spaces, the Environment protocol, the Lua-scripted environment, the episode runner, the
        // checker, and the half of scenarios that runs inside an env's Lua state.
        .target(name: "Environments", dependencies: ["LuaBridge", "CLua"]),
        // PPO: networks and their gradients, Adam, distributions, GAE, rollouts, the update, the
        // trainer. Knows environments only through the Environment protocol.
        .target(name: "PPO", dependencies: ["Environments", "LuaBridge", "CKernels"]),
        // The versioned binary policy format: container, codec, checksum, atomic writes.
        .target(name: "PolicyFile", dependencies: ["PPO", "Environments", "Checksums"]),
        // The half of scenarios that judges policies: evaluation and reports (table, JSON, JUnit).
        .target(name: "Scenarios", dependencies: ["Environments", "PPO", "LuaBridge", "Recording", "Markup"]),
        // A run folder's files besides the policy: TensorBoard event files, SB3's monitor.csv,
        // the per-update log read back, and the learning-curve SVG. Knows no training code.
        .target(name: "RunLogs", dependencies: ["LuaBridge", "Protobuf", "Markup", "Checksums"]),
        // CRC-32 and CRC-32C, eight bytes a step: the policy file's and TensorBoard's checksums.
        .target(name: "Checksums"),
        // XML/HTML escaping, shared by every writer of SVG and HTML.
        .target(name: "Markup"),
        // The protocol-buffers wire format, written by hand: TensorBoard events and ONNX models.
        .target(name: "Protobuf"),
        // A trained policy as an ONNX model: normalization, network and action in one graph.
        .target(name: "PolicyExport", dependencies: ["PPO", "Environments", "Protobuf"]),
        // Watching episodes: what envs draw (as SVG), recordings, the HTML player, the default
        // trace view for envs that draw nothing.
        .target(name: "Recording", dependencies: ["Environments", "Markup"]),
        // The float kernels (matrix product, tanh, Adam, squared norm) in C, each compiled for
        // AVX2 + FMA and for the baseline CPU and picked at run time: no unsafe flags, so the
        // package can be a dependency taken by version (see the header).
        .target(name: "CKernels"),
        // The public Swift API: a small facade over the targets above, documented for DocC.
        .target(name: "GymKit", dependencies: ["Environments", "LuaBridge", "PPO", "PolicyFile", "Scenarios"]),
        // The command-line interface, one file per subcommand.
        .target(
            name: "GymCLI",
            dependencies: [
                "Environments",
                "PPO",
                "PolicyFile",
                "Scenarios",
                "RunLogs",
                "Recording",
                "PolicyExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "gym", dependencies: ["GymCLI"]),
        // Tests' files go in one folder per test process, removed at exit (tests only).
        .target(name: "TestScratch", path: "Tests/TestScratch"),
        .testTarget(name: "LuaBridgeTests", dependencies: ["LuaBridge", "CLua"]),
        .testTarget(
            name: "EnvironmentsTests",
            dependencies: ["Environments", "TestScratch"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "PPOTests", dependencies: ["PPO", "Environments", "LuaBridge", "CKernels"]),
        .testTarget(name: "PolicyFileTests", dependencies: ["PolicyFile", "PPO", "Environments", "TestScratch"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ScenariosTests", dependencies: ["Scenarios", "Environments", "PPO", "TestScratch"]),
        .testTarget(name: "RunLogsTests", dependencies: ["RunLogs", "Protobuf", "Markup", "TestScratch"]),
        .testTarget(name: "ChecksumsTests", dependencies: ["Checksums"]),
        .testTarget(name: "RecordingTests", dependencies: ["Recording", "Environments", "TestScratch"], resources: [.copy("Golden")]),
        .testTarget(name: "GymCLITests", dependencies: ["GymCLI", "PolicyFile", "TestScratch"], exclude: ["Hostile", "Golden"]),
        .testTarget(name: "GymKitTests", dependencies: ["GymKit", "TestScratch"]),
    ]
)
