// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "gym",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gym", targets: ["gym"]),
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
        // Spaces, the Environment protocol, the Lua-scripted environment, the checker.
        .target(name: "Environments", dependencies: ["LuaBridge", "CLua"]),
        // The command-line interface, one file per subcommand.
        .target(
            name: "GymCLI",
            dependencies: [
                "Environments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "gym", dependencies: ["GymCLI"]),
        .testTarget(name: "LuaBridgeTests", dependencies: ["LuaBridge"]),
        .testTarget(
            name: "EnvironmentsTests",
            dependencies: ["Environments"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "GymCLITests", dependencies: ["GymCLI"]),
    ]
)
