import CLua
import LuaBridge
import Testing

/// The sandbox's pattern functions against the string library they replace: the same Lua code
/// runs in a plain Lua state (the library's own matcher) and in a sandboxed state (ours), and
/// every result must be identical.
@Suite struct PatternMatcherTests {
    /// Runs `cases` (a Lua list of {subject, pattern[, init]}) through find, match, gmatch and
    /// gsub (string, table and function replacements) and returns one line per case.
    static let probe = #"""
    local cases = ...
    local out = {}
    local function show(ok, ...)
      if not ok then return "error" end
      local parts = {}
      for i = 1, select("#", ...) do parts[#parts + 1] = tostring((select(i, ...))) end
      return table.concat(parts, ",")
    end
    for _, c in ipairs(cases) do
      local s, p, init = c[1], c[2], c[3]
      local line = {}
      line[#line + 1] = show(pcall(string.find, s, p, init))
      line[#line + 1] = show(pcall(string.find, s, p, init, true))
      line[#line + 1] = show(pcall(string.match, s, p, init))
      line[#line + 1] = show(pcall(function()
        local all = {}
        for a, b in string.gmatch(s, p, init) do all[#all + 1] = tostring(a) .. "/" .. tostring(b) end
        return table.concat(all, ";")
      end))
      line[#line + 1] = show(pcall(string.gsub, s, p, "<%0>"))
      line[#line + 1] = show(pcall(string.gsub, s, p, "[%1]", 2))
      line[#line + 1] = show(pcall(string.gsub, s, p, {a = "A", ab = false}))
      line[#line + 1] = show(pcall(string.gsub, s, p, function(x) if x == "b" then return nil end return "{" .. tostring(x) .. "}" end))
      out[#out + 1] = table.concat(line, " | ")
    end
    return table.concat(out, "\n")
    """#

    static let corpus: [(String, String)] = [
        ("hello world", "o w"), ("hello world", "l+"), ("hello world", "^h"), ("hello world", "d$"),
        ("hello world", "(o)(r)"), ("hello world", "()ll()"), ("hello", ""), ("", ""), ("", "a*"),
        ("key = value", "^(%w+)%s*=%s*(%w+)$"), ("  trim me  ", "^%s*(.-)%s*$"), ("a,b,,c", "([^,]*)"),
        ("THE (quick) fox", "%((%a+)%)"), ("x = [[a]] y", "%b[]"), ("f(a(b)c)d", "%b()"),
        ("THE (quick) fox", "%f[%a]%a+"), ("hello", "%f[%l]"), ("abcabc", "(a)(b)c%1%2"),
        ("aaa", "a-"), ("aaa", "a-$"), ("aaab", "a*b"), ("b", "a?b"), ("ab", "a?b"), ("1.5e10", "%d+%.?%d*"),
        ("x1y22z333", "%d+"), ("café ü", "[\u{80}-\u{FF}]+"), ("a.b", "%."), ("a.b", "."), ("[]", "[]]"),
        ("a-b", "[a-]"), ("^x", "[%^x]+"), ("abc", "[^b]"), ("abc", "[b-]"), ("tab\there", "%c"),
        ("Hello World", "%u%l+"), ("a1_b2", "[%w_]+"), ("ff00AA", "%x+"), ("p.u,n;c", "%p"), ("a b", "%S+"),
        ("abc", "(a(b)c)"), ("abc", "%"), ("abc", "[a"), ("abc", "(a"), ("abc", "a)"), ("abc", "%1"),
        ("abc", "%f"), ("abc", "%b"), ("abc", "%z"), ("aXb", "%Z"), ("banana", "(an)%1"), ("banana", "ana"),
        ("a+b", "a+b"), ("a+b", "a%+b"), ("line1\nline2", "[^\n]+"), ("x$y", "$y"), ("x^y", "x^"),
    ]

    static func luaList(_ cases: [(String, String, Int?)]) -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.utf8.map { String(format: "\\%03d", $0) }.joined() + "\""
        }
        return "{" + cases.map { "{\(quoted($0.0)), \(quoted($0.1)), \($0.2.map(String.init) ?? "nil")}" }
            .joined(separator: ",\n") + "}"
    }

    /// The library's own answer, from a plain (unsandboxed) Lua state.
    static func reference(_ list: String) throws -> String {
        guard let L = luaL_newstate() else { throw LuaError(kind: .runtime, source: "test", message: "no state") }
        defer { lua_close(L) }
        luaL_openlibs(L)
        let chunk = "return (function(...) " + probe + " end)(" + list + ")"
        guard luaL_loadstring(L, chunk) == LUA_OK, gym_pcall(L, 0, 1, 0) == LUA_OK else {
            throw LuaError(kind: .runtime, source: "test", message: String(cString: gym_tolstring(L, -1, nil)))
        }
        return String(cString: gym_tolstring(L, -1, nil))
    }

    static func sandboxed(_ list: String) throws -> String {
        let state = LuaState()
        let value = try evaluate("return (function(...) " + probe + " end)(" + list + ")", in: state)
        return value.stringValue ?? ""
    }

    static func compare(_ cases: [(String, String, Int?)]) throws {
        let list = luaList(cases)
        let expected = try reference(list).split(separator: "\n", omittingEmptySubsequences: false)
        let actual = try sandboxed(list).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(expected.count == actual.count)
        for (index, (want, got)) in zip(expected, actual).enumerated() where want != got {
            Issue.record("subject \(cases[index].0.debugDescription), pattern \(cases[index].1.debugDescription): library \(want), gym \(got)")
        }
    }

    @Test func corpusMatchesTheStringLibrary() throws {
        var cases = Self.corpus.map { ($0.0, $0.1, Int?.none) }
        for start in [-3, 0, 2, 5, 100] {
            cases += Self.corpus.prefix(12).map { ($0.0, $0.1, Int?.some(start)) }
        }
        try Self.compare(cases)
    }

    /// Random patterns and subjects over an alphabet of pattern syntax: malformed ones must fail
    /// in both, well-formed ones must agree exactly.
    @Test func randomPatternsMatchTheStringLibrary() throws {
        var generator = SplitMix(seed: 2026)
        let atoms = ["a", "b", "c", ".", "%a", "%d", "%s", "%W", "[ab]", "[^a]", "[a-c]", "%b()", "%f[%w]",
                     "(", ")", "()", "%1", "*", "+", "-", "?", "^", "$", "%", "[", "]", " "]
        let letters = Array("abc( )1.")
        var cases: [(String, String, Int?)] = []
        for _ in 0..<3000 {
            let pattern = (0..<generator.below(7)).map { _ in atoms[generator.below(atoms.count)] }.joined()
            let subject = String((0..<generator.below(12)).map { _ in letters[generator.below(letters.count)] })
            cases.append((subject, pattern, generator.below(4) == 0 ? generator.below(8) - 3 : nil))
        }
        try Self.compare(cases)
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
