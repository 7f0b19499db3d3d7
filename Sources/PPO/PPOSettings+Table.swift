import Foundation
import LuaBridge

extension PPOSettings {
    /// These settings with an env file's `train` table laid over them. Keys are the snake_case
    /// names of `CodingKeys`; an unknown key or a value of the wrong type is an error naming it.
    public func applying(trainTable table: LuaTable, source: String) throws -> PPOSettings {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as! [String: Any]
        for (key, value) in table.fields.sorted(by: { $0.key < $1.key }) {
            guard Self.keys.contains(key) else {
                let known = Self.keys.sorted().joined(separator: ", ")
                throw TrainingError.settings("\(source): train.\(key) is not a setting (known: \(known))")
            }
            if case .number(let number) = value, !number.isFinite {
                throw TrainingError.settings("\(source): train.\(key) must be a finite number (got \(number.isNaN ? "nan" : "\(number)"))")
            }
            guard let json = Self.jsonValue(value) else {
                throw TrainingError.settings("\(source): train.\(key) has a \(value.typeName) value, which no setting takes")
            }
            object[key] = json
        }
        do {
            return try JSONDecoder().decode(PPOSettings.self, from: JSONSerialization.data(withJSONObject: object))
        } catch DecodingError.typeMismatch(_, let context), DecodingError.dataCorrupted(let context) {
            let key = context.codingPath.first?.stringValue ?? "?"
            throw TrainingError.settings("\(source): train.\(key) has the wrong type or value (\(String(describing: object[key] ?? "nil")))")
        }
    }

    private static func jsonValue(_ value: LuaValue) -> Any? {
        switch value {
        case .boolean(let b): return b
        case .integer(let i): return i
        case .number(let d): return d.isFinite ? d : NSNull()
        case .string(let s): return s
        case .table(let t) where t.fields.isEmpty: return t.sequence.map { jsonValue($0) ?? NSNull() }
        default: return nil
        }
    }
}
