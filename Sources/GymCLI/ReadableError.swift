import Foundation
import LuaBridge

/// The last line of defence for messages: Foundation's file and coding errors print as
/// `Error Domain=NSCocoaErrorDomain Code=... UserInfo={...}`; this turns them into one line
/// that says what and where. Errors gym raises itself already read well and pass through.
enum ReadableError {
    static func wrap(_ error: any Error) -> any Error {
        if let encoding = error as? EncodingError {
            if case .invalidValue(let value, let context) = encoding {
                let key = context.codingPath.map(\.stringValue).joined(separator: ".")
                return CLIError("cannot write \(key.isEmpty ? "a value" : key) = \(value): not a finite number")
            }
            return CLIError("cannot encode a value: \(encoding.localizedDescription)")
        }
        let bridged = error as NSError
        guard bridged.domain == NSCocoaErrorDomain || bridged.domain == NSPOSIXErrorDomain else { return error }
        return CLIError(describe(bridged))
    }

    static func describe(_ error: NSError) -> String {
        let path = (error.userInfo[NSFilePathErrorKey] as? String)
            ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
        var reason = error.localizedFailureReason ?? error.localizedDescription
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = BoundedFile.reason(Int32(underlying.code))
        } else if error.domain == NSPOSIXErrorDomain {
            reason = BoundedFile.reason(Int32(error.code))
        }
        return path.map { "\($0): \(reason)" } ?? reason
    }
}
