/// A command's failure, as the one line a user reads (ArgumentParser prints it and exits 1).
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
