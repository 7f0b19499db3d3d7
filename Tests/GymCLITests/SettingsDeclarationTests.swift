import ArgumentParser
import Foundation
@testable import GymCLI
import LuaBridge
import PPO
import Testing

/// One declaration per setting: every field of `PPOSettings` has exactly one, and the `train`
/// table, the flags, the JSON coding and the docs table all follow it.
@Suite struct SettingsDeclarationTests {
    /// A value of the setting's kind other than `value`.
    private func another(_ value: SettingValue, _ kind: Setting.Kind) -> SettingValue {
        switch (value, kind) {
        case (.integer(let n), _): .integer(n + 3)
        case (.unsigned(let n), _): .unsigned(n + 3)
        case (.real(let x), _): .real(x > 0 ? x / 2 : x + 0.125)
        case (.boolean(let b), _): .boolean(!b)
        case (.text(let word), .choice(let words)): .text(words.first { $0 != word }!)
        case (.sizes(let sizes), _): .sizes(sizes + [7])
        default: value
        }
    }

    private func fields(_ settings: PPOSettings) -> [String: String] {
        Dictionary(uniqueKeysWithValues: Mirror(reflecting: settings).children.map { ($0.label!, "\($0.value)") })
    }

    @Test func everyFieldHasExactlyOneDeclaration() {
        let defaults = PPOSettings()
        var covered: [String: String] = [:]
        for setting in PPOSettings.declarations {
            var changed = defaults
            setting.set(another(setting.defaultValue, setting.kind), in: &changed)
            let differing = fields(changed).filter { fields(defaults)[$0.key] != $0.value }.map(\.key)
            #expect(differing.count == 1, "\(setting.key) changes \(differing)")
            for field in differing {
                #expect(covered[field] == nil, "\(field) is declared twice: \(covered[field] ?? "") and \(setting.key)")
                covered[field] = setting.key
            }
        }
        #expect(Set(covered.keys) == Set(fields(defaults).keys), "fields without a declaration: \(Set(fields(defaults).keys).subtracting(covered.keys).sorted())")
        #expect(Set(PPOSettings.keys).count == PPOSettings.keys.count, "keys are unique")
    }

    @Test func everyDeclarationHasItsFlagAndEveryFlagItsDeclaration() throws {
        let properties = Mirror(reflecting: TrainingOptions()).children.compactMap(\.label)
            .map { String($0.dropFirst()) }.filter { !$0.hasPrefix("former") }
        #expect(properties.map(TrainingOptions.key(ofProperty:)) == PPOSettings.keys, "flags in the declarations' order")
        for setting in PPOSettings.declarations {
            let changed = another(setting.defaultValue, setting.kind)
            let arguments: [String]
            if case .boolean(let on) = changed {
                arguments = [on ? setting.flag : "--no-" + setting.flag.dropFirst(2)]
            } else {
                arguments = [setting.flag, "\(changed)"]
            }
            var base = PPOSettings()
            base.hidden = [8]  // so that a shared trunk, or more layers, is valid
            if setting.key == "hidden" { base.hidden = [64, 64] }
            let parsed = try TrainingOptions.parse(arguments).apply(to: base)
            #expect(setting.value(in: parsed) == changed, "\(arguments.joined(separator: " "))")
            #expect(TrainingOptions.helpMessage().contains(setting.flag), "\(setting.flag) is in --help")
        }
    }

    @Test func formerFlagSpellingsStillWorkWithANote() throws {
        var notes: [String] = []
        let settings = try TrainingOptions.parse(["--kl-target", "0.04", "--no-advantage-normalization"])
            .apply(to: PPOSettings()) { notes.append($0) }
        #expect(settings.klAdaptiveTarget == 0.04 && !settings.normalizeAdvantage)
        #expect(notes == ["--kl-target is now --kl-adaptive-target; the old name still works for now",
                          "--no-advantage-normalization is now --no-normalize-advantage; the old name still works for now"])
        #expect(!TrainingOptions.helpMessage().contains("--kl-target "), "former spellings stay out of --help")
    }

    @Test func jsonRoundTripsEveryValueAndReadsFormerKeys() throws {
        var settings = PPOSettings()
        for setting in PPOSettings.declarations { setting.set(another(setting.defaultValue, setting.kind), in: &settings) }
        let decoded = try JSONDecoder().decode(PPOSettings.self, from: JSONEncoder().encode(settings))
        #expect(decoded == settings)
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(settings)) as! [String: Any]
        #expect(Set(object.keys) == Set(PPOSettings.keys))
        let old = try JSONDecoder().decode(PPOSettings.self, from: Data(#"{"kl_target": 0.03, "epochs": 4}"#.utf8))
        #expect(old.klAdaptiveTarget == 0.03 && old.epochs == 4 && old.envs == PPOSettings().envs)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(PPOSettings.self, from: Data(#"{"objective": "clipped"}"#.utf8))
        }
    }

    @Test func trainTablesTakeFormerKeysWithANoteAndRefuseWrongTypes() throws {
        var notes: [String] = []
        let settings = try PPOSettings().applying(trainTable: LuaTable(fields: ["kl_target": .number(0.05), "steps": .number(2048)]),
                                                  source: "e.lua") { notes.append($0) }
        #expect(settings.klAdaptiveTarget == 0.05 && settings.steps == 2048)
        #expect(notes == ["e.lua: train.kl_target is now called kl_adaptive_target; the old name still works for now"])
        for (key, value, expected) in [("steps", LuaValue.number(1.5), "must be a whole number (got 1.5)"),
                                       ("shared", .integer(1), "must be true or false (got 1)"),
                                       ("objective", .string("clipped"), #"must be one of "clip", "kl-adaptive", "kl-fixed", "none" (got "clipped")"#),
                                       ("hidden", .table(LuaTable(sequence: [.integer(64), .string("x")])), "must be a list of layer sizes")] {
            do {
                _ = try PPOSettings().applying(trainTable: LuaTable(fields: [key: value]), source: "e.lua")
                Issue.record("train.\(key) = \(value) was accepted")
            } catch {
                #expect("\(error)".contains("e.lua: train.\(key) \(expected)"), "\(error)")
            }
        }
    }

    @Test func rangesAreCheckedInTheWordsOfTheKey() {
        func problem(_ change: (inout PPOSettings) -> Void) -> String? {
            var s = PPOSettings()
            change(&s)
            return s.problem()
        }
        #expect(PPOSettings().problem() == nil)
        #expect(problem { $0.gamma = 0 } == "gamma must be in (0, 1]")
        #expect(problem { $0.logStdInit = -21 } == "log_std_init must be in [-20, 5]")
        #expect(problem { $0.targetKl = -1 } == "target_kl must be at least 0 (0: off)")
        #expect(problem { $0.entCoef = .nan } == "ent_coef must be a finite number (got nan)")
        #expect(problem { $0.envs = 5000 } == "envs is 5000, more than 4096 (each env is a Lua state with its own heap)")
        #expect(problem { $0.hidden = [64, 0] } == "hidden layer sizes must be positive")
        #expect(problem { $0.batchSize = 4096 } == "batch_size (4096) exceeds a rollout (envs x n_steps = 1024)")
        #expect(problem { $0.shared = true; $0.hidden = [] } == "a shared trunk needs at least one hidden layer")
    }

    /// docs/training.md's settings table is this rendering of the declarations.
    @Test func docsTableFollowsTheDeclarations() throws {
        var table = "| key | flag | default | meaning |\n|---|---|---|---|\n"
        for setting in PPOSettings.declarations {
            let flag = setting.kind == .boolean ? "`\(setting.flag)`, `--no-\(setting.flag.dropFirst(2))`" : "`\(setting.flag)`"
            let former = setting.formerKeys.isEmpty ? "" : " (formerly " + setting.formerKeys.map { "`\($0)`" }.joined(separator: ", ") + ")"
            let help = setting.fullHelp.replacingOccurrences(of: "|", with: "\\|")
            table += "| `\(setting.key)`\(former) | \(flag) | \(setting.defaultValue) | \(help) |\n"
        }
        try Golden.checkSection("settings", of: "docs/training.md", reads: table)
    }
}
