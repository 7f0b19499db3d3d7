// swift-tools-version: 6.0
// An example of using gym from Swift: depends on the gym package by path (a package of yours
// would use `.package(url: "https://github.com/<owner>/gym", from: "0.2.0")`).
import PackageDescription

let package = Package(
    name: "GymExamples",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "gym", path: ".."),
    ],
    targets: [
        .executableTarget(name: "RunPendulum", dependencies: [.product(name: "GymKit", package: "gym")]),
    ]
)
