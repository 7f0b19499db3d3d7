@testable import LuaBridge
import Testing

/// Text loaded again loads as the bytecode compiled the first time: it must behave exactly
/// as the text does, errors included, and never stand in for different text. Serialized: one
/// test fills the shared cache past its capacity, which would evict the others' chunks.
@Suite(.serialized) struct CompiledChunksTests {
    private func isKept(_ source: String, named name: String) -> Bool {
        Array(source.utf8).withUnsafeBufferPointer { CompiledChunks.shared.bytecode(named: "@" + name, source: $0) } != nil
    }

    /// Bytecode without its debug information would fail at line "?".
    @Test func aChunkLoadedAgainFailsAtTheSameLine() throws {
        let source = """
            local function helper(x)
              return x.missing.field
            end
            return helper({})
            """
        let name = "compiled-chunks-same-\(#line).lua"
        #expect(!isKept(source, named: name))
        let fromText = try #require(errorOf(source, in: LuaState(), chunkName: name))
        #expect(isKept(source, named: name))
        let fromBytecode = try #require(errorOf(source, in: LuaState(), chunkName: name))
        let errors = [fromText, fromBytecode]
        #expect(errors[0].line == 2 && errors[1].line == 2)
        #expect(errors[0].description == errors[1].description)
    }

    @Test func editedTextIsCompiledAgain() throws {
        let name = "compiled-chunks-edited-\(#line).lua"
        #expect(try evaluate("return 1", in: LuaState(), chunkName: name) == .integer(1))
        #expect(try evaluate("return 2", in: LuaState(), chunkName: name) == .integer(2))
        #expect(try evaluate("return 1", in: LuaState(), chunkName: name) == .integer(1))
    }

    /// Swift's `==` on strings compares canonical equivalents as equal ("é" as one code point
    /// or as "e" and a combining accent): the cache compares bytes.
    @Test func canonicallyEquivalentTextIsNotTheSameChunk() throws {
        let name = "compiled-chunks-bytes-\(#line).lua"
        let composed = "return #\"\u{E9}\"", decomposed = "return #\"e\u{301}\""
        #expect(composed == decomposed)
        #expect(try evaluate(composed, in: LuaState(), chunkName: name) == .integer(2))
        #expect(try evaluate(decomposed, in: LuaState(), chunkName: name) == .integer(3))
    }

    @Test func textThatFailsToCompileIsNotKept() {
        let name = "compiled-chunks-syntax-\(#line).lua"
        for _ in 0..<2 {
            let error = errorOf("return (", in: LuaState(), chunkName: name)
            #expect(error?.kind == .syntax)
        }
        #expect(!isKept("return (", named: name))
    }

    @Test func theCacheKeepsAtMostItsCapacity() throws {
        for i in 0..<(CompiledChunks.capacity + 10) {
            #expect(try evaluate("return \(i)", in: LuaState(), chunkName: "compiled-chunks-many-\(i).lua") == .integer(Int64(i)))
        }
        #expect(CompiledChunks.shared.count <= CompiledChunks.capacity)
        // The most recent are still there and still right.
        let last = CompiledChunks.capacity + 9
        #expect(try evaluate("return \(last)", in: LuaState(), chunkName: "compiled-chunks-many-\(last).lua") == .integer(Int64(last)))
    }

    @Test func aLargeTextIsNotKept() throws {
        let name = "compiled-chunks-large-\(#line).lua"
        let filler = String(repeating: "-- a comment line to make the text large\n", count: CompiledChunks.largestSource / 40)
        let source = filler + "return 5"
        #expect(try evaluate(source, in: LuaState(), chunkName: name) == .integer(5))
        #expect(!isKept(source, named: name))
        #expect(try evaluate("return 5", in: LuaState(), chunkName: name) == .integer(5))
        #expect(isKept("return 5", named: name))
    }

    /// Scripts themselves still cannot load bytecode, whatever the host caches.
    @Test func scriptsStillCannotLoadBinaryChunks() {
        let error = errorOf("return load('\\27Lua', 'x', 'b')", in: LuaState())
        #expect(error?.message.contains("binary chunks are disabled") == true)
    }
}
