import LuaBridge

/// Reads an env table's declarative fields (name, spaces, limits, params, train, reward
/// threshold) into a spec.
struct SpecReader {
    let script: String

    func spec(name: LuaValue, observationSpace: LuaValue, actionSpace: LuaValue,
              maxSteps: LuaValue, params: LuaValue, train: LuaValue,
              rewardThreshold: LuaValue = .nil) throws(EnvironmentError) -> EnvironmentSpec {
        guard let rawName = name.stringValue, !rawName.isEmpty else {
            throw problem("field 'name' must be a non-empty string (got \(name.typeName))")
        }
        let nameText = LuaError.printable(rawName, limit: 200, singleLine: true)
        let observation = try space(observationSpace, field: "observation_space")
        let action = try space(actionSpace, field: "action_space")
        for (value, field, finite) in [(observation, "observation_space", false), (action, "action_space", true)] {
            let problems = value.problems(finiteRequired: finite)
            guard problems.isEmpty else { throw problem("field '\(field)': " + problems.joined(separator: "; ")) }
        }
        guard let steps = maxSteps.intValue, steps >= 1 else {
            throw problem("field 'max_steps' must be a positive integer (got \(describe(maxSteps)))")
        }
        var paramFields: [String: LuaValue] = [:]
        switch params {
        case .nil: break
        case .table(let table): paramFields = table.fields
        default: throw problem("field 'params' must be a table (got \(params.typeName))")
        }
        var trainTable: LuaTable?
        switch train {
        case .nil: break
        case .table(let table): trainTable = table
        default: throw problem("field 'train' must be a table (got \(train.typeName))")
        }
        var threshold: Double?
        if rewardThreshold != .nil {
            guard let value = rewardThreshold.doubleValue, value.isFinite else {
                throw problem("field 'reward_threshold' must be a number (got \(describe(rewardThreshold)))")
            }
            threshold = value
        }
        return EnvironmentSpec(name: nameText, observationSpace: observation, actionSpace: action,
                               maxSteps: steps, params: paramFields, train: trainTable, rewardThreshold: threshold)
    }

    func space(_ value: LuaValue, field: String) throws(EnvironmentError) -> Space {
        guard case .table = value else {
            throw problem("field '\(field)' must be a space from gym.box or gym.discrete (got \(value.typeName))")
        }
        switch value["kind"]?.stringValue {
        case "discrete":
            guard let n = value["n"]?.intValue else { throw problem("field '\(field)': discrete n must be an integer") }
            return .discrete(n)
        case "box":
            let low = try numbers(value["low"], what: "\(field).low")
            let high = try numbers(value["high"], what: "\(field).high")
            return .box(low: low, high: high)
        default:
            throw problem("field '\(field)' must be a space from gym.box or gym.discrete")
        }
    }

    private func numbers(_ value: LuaValue?, what: String) throws(EnvironmentError) -> [Double] {
        guard let table = value?.tableValue else { throw problem("\(what) must be a list of numbers") }
        var result: [Double] = []
        for (position, element) in table.sequence.enumerated() {
            guard let number = element.doubleValue else {
                throw problem("\(what)[\(position + 1)] is not a number")
            }
            result.append(number)
        }
        return result
    }

    private func describe(_ value: LuaValue) -> String {
        switch value {
        case .integer(let v): return String(v)
        case .number(let v): return String(v)
        default: return value.typeName
        }
    }

    private func problem(_ message: String) -> EnvironmentError {
        .contract(script: script, function: nil, message: message)
    }
}
