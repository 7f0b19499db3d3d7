// Lua 5.4 for Swift.
//
// Two jobs:
//  1. Wrap the parts of Lua's API that are C macros (Swift cannot import function-like macros)
//     as `static inline` functions.
//  2. Hold the few C functions that run *inside* Lua and may raise Lua errors (the memory
//     allocator, the instruction-budget hook, the error message handler, the `rng` methods,
//     `gym.float32`, `print`). A Lua error is a longjmp; it must only ever cross C and Lua
//     frames, never Swift ones, so everything that can raise lives here.
//
// SwiftPM does not rebuild Swift targets when only this header (or patterns.h, draw.h)
// changes: after editing it, touch Sources/LuaBridge/*.swift and Sources/Environments/*.swift,
// or an incremental build mixes old and new copies of these inline functions.
#ifndef GYM_CLUA_SHIM_H
#define GYM_CLUA_SHIM_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// MARK: - Macro wrappers

static inline int gym_registry_index(void) { return LUA_REGISTRYINDEX; }
static inline void gym_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline int gym_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcall(L, nargs, nresults, msgh);
}
static inline double gym_tonumber(lua_State *L, int idx, int *isnum) {
    return (double)lua_tonumberx(L, idx, isnum);
}
static inline long long gym_tointeger(lua_State *L, int idx, int *isnum) {
    return (long long)lua_tointegerx(L, idx, isnum);
}
static inline const char *gym_tolstring(lua_State *L, int idx, size_t *len) {
    return lua_tolstring(L, idx, len);
}
/// Generational collection suits a step loop's short-lived garbage (lua_gc is variadic).
static inline void gym_use_generational_gc(lua_State *L) { lua_gc(L, LUA_GCGEN, 0, 0); }
static inline void gym_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
static inline int gym_isinteger(lua_State *L, int idx) { return lua_isinteger(L, idx); }
static inline int gym_loadbuffer(lua_State *L, const char *buf, size_t size, const char *name) {
    return luaL_loadbufferx(L, buf, size, name, "t");  // text only: a script's chunks are text
}
/// Bytecode that Lua's own compiler made in this process from text (CompiledChunks.swift):
/// never bytes from a file or a script, which Lua's loader does not check.
static inline int gym_loadcompiled(lua_State *L, const unsigned char *buf, size_t size, const char *name) {
    return luaL_loadbufferx(L, (const char *)buf, size, name, "b");
}
static inline void gym_rawsetfield(lua_State *L, int idx, const char *key) {
    // value on top of the stack
    idx = lua_absindex(L, idx);
    lua_pushstring(L, key);
    lua_insert(L, -2);
    lua_rawset(L, idx);
}

// MARK: - Limits: memory cap, instruction budget, time limit, interrupts

/// Why the hook stopped a call (`gym_limits.stopped_by`).
enum { GYM_STOP_NONE = 0, GYM_STOP_BUDGET = 1, GYM_STOP_TIME = 2, GYM_STOP_INTERRUPT = 3 };

/// Per-state limits. It is the allocator's userdata, so the hook finds it with lua_getallocf.
///
/// The watchdog thread (LuaWatchdog.swift) reads `call_serial`, `in_call` and `call_clock` and writes
/// `interrupt_serial`/`interrupt_kind`; everything else belongs to the state's own thread. The
/// watchdog never touches the lua_State: the hook, already installed, polls the flag.
typedef struct gym_limits {
    size_t bytes_used;
    size_t bytes_limit;           // 0: unlimited
    int enforce_memory;           // the cap applies only while script code runs (see LuaState)
    int memory_exceeded;          // an allocation was refused because of the cap
    long long instruction_budget; // per host call; 0: unlimited
    long long instructions_left;
    int stopped_by;               // GYM_STOP_*: the hook raised; the host restores the hook interval
    long long time_limit_ms;      // per host call, enforced by the watchdog; 0: none
    unsigned long long call_serial;      // incremented by each host call into script code
    int in_call;
    unsigned long long interrupt_serial; // the call the watchdog wants stopped (0: none)
    int interrupt_kind;                  // GYM_STOP_TIME or GYM_STOP_INTERRUPT
    long long allocations_until_failure; // test hook: fail the Nth allocation in script code (0: off; -1: fail the retry)
    lua_State *state;             // for the watchdog, which arms the hook of a state that has none
    int hook_armed;               // the watchdog armed the hook; the next call restores the normal one
    clockid_t call_clock;         // the CPU-time clock of the thread making the current call
} gym_limits;

#define GYM_HOOK_INTERVAL 1000

static void *gym_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    gym_limits *limits = (gym_limits *)ud;
    size_t old = ptr ? osize : 0;  // for a new block, osize encodes the object type
    if (nsize == 0) {
        free(ptr);
        limits->bytes_used -= old;
        return NULL;
    }
    if (limits->enforce_memory && nsize > old) {
        if (limits->bytes_limit && limits->bytes_used - old + nsize > limits->bytes_limit) {
            limits->memory_exceeded = 1;
            return NULL;  // Lua turns this into a memory error inside the protected call
        }
        if (limits->allocations_until_failure > 0 && --limits->allocations_until_failure == 0) {
            // Injected failure (tests). Lua answers a failed allocation with an emergency
            // collection and one retry; the retry fails too, as it would at a real limit.
            limits->allocations_until_failure = -1;
            return NULL;
        }
        if (limits->allocations_until_failure < 0) {
            limits->allocations_until_failure = 0;
            return NULL;
        }
    }
    void *block = realloc(ptr, nsize);
    if (block) limits->bytes_used = limits->bytes_used - old + nsize;
    return block;
}

static inline gym_limits *gym_limits_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (gym_limits *)ud;
}

/// The watchdog's request for the current call, or GYM_STOP_NONE.
static inline int gym_pending_interrupt(gym_limits *limits) {
    unsigned long long wanted = __atomic_load_n(&limits->interrupt_serial, __ATOMIC_ACQUIRE);
    if (wanted == 0 || wanted != limits->call_serial) return GYM_STOP_NONE;
    return __atomic_load_n(&limits->interrupt_kind, __ATOMIC_RELAXED);
}

/// Raises the error that stops a call for `reason`. From the first time on, the hook runs at
/// every instruction, so a script that catches the error with pcall and loops cannot get away:
/// the error resurfaces right after each catch.
static int gym_stop_call(lua_State *L, gym_limits *limits, int reason);

static void gym_budget_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    gym_limits *limits = gym_limits_of(L);
    int interrupt = gym_pending_interrupt(limits);
    if (interrupt != GYM_STOP_NONE) gym_stop_call(L, limits, interrupt);
    if (limits->instruction_budget <= 0) return;
    limits->instructions_left -= GYM_HOOK_INTERVAL;
    if (limits->instructions_left >= 0 && limits->stopped_by != GYM_STOP_BUDGET) return;
    gym_stop_call(L, limits, GYM_STOP_BUDGET);
}

/// Raises the stop's error. Without luaL_error's "where:" prefix: in a hook, level 1 is the
/// caller of the running function, which for a script function called by a host chunk (the
/// render or scenario runtime) named that chunk's line; the message handler puts the
/// innermost script line in front itself.
static int gym_stop_call(lua_State *L, gym_limits *limits, int reason) {
    if (limits->stopped_by == GYM_STOP_NONE) {
        limits->stopped_by = reason;
        lua_sethook(L, gym_budget_hook, LUA_MASKCOUNT, 1);
    }
    switch (limits->stopped_by) {
    case GYM_STOP_TIME:
        lua_pushfstring(L, "time limit exceeded (a call into the script ran longer than %f s)",
                        (lua_Number)limits->time_limit_ms / 1000.0);
        break;
    case GYM_STOP_INTERRUPT:
        lua_pushstring(L, "interrupted (gym is stopping)");
        break;
    default:
        lua_pushfstring(L, "instruction budget exceeded (%I instructions in one call)",
                        (lua_Integer)limits->instruction_budget);
        break;
    }
    return lua_error(L);
}

/// Charges `count` steps of work done in C (the pattern matcher) against the budget, and
/// honours the watchdog: C code that can run long calls this every few thousand steps.
static inline void gym_charge_work(lua_State *L, long long count) {
    gym_limits *limits = gym_limits_of(L);
    int interrupt = gym_pending_interrupt(limits);
    if (interrupt != GYM_STOP_NONE) gym_stop_call(L, limits, interrupt);
    if (limits->stopped_by != GYM_STOP_NONE) gym_stop_call(L, limits, limits->stopped_by);
    if (limits->instruction_budget <= 0) return;
    limits->instructions_left -= count;
    if (limits->instructions_left < 0) gym_stop_call(L, limits, GYM_STOP_BUDGET);
}

/// The hook a state runs with normally. With a hook set, the VM calls into the debug layer every
/// instruction (about a third of a CartPole step); only the instruction budget needs to count
/// every call's instructions, so without one there is no hook, and the watchdog arms one only
/// to stop a call (its time limit, or gym stopping).
static inline void gym_normal_hook(lua_State *L, gym_limits *limits) {
    if (limits->instruction_budget > 0)
        lua_sethook(L, gym_budget_hook, LUA_MASKCOUNT, GYM_HOOK_INTERVAL);
    else
        lua_sethook(L, NULL, 0, 0);
}

static inline lua_State *gym_newstate(gym_limits *limits) {
    lua_State *L = lua_newstate(gym_alloc, limits);
    if (L) {
        limits->state = L;
        gym_normal_hook(L, limits);
    }
    return L;
}

/// Arms the limits before a host call into script code.
static inline void gym_begin_script_call(lua_State *L, gym_limits *limits) {
    if (limits->stopped_by != GYM_STOP_NONE || __atomic_load_n(&limits->hook_armed, __ATOMIC_ACQUIRE)) {
        limits->stopped_by = GYM_STOP_NONE;
        __atomic_store_n(&limits->hook_armed, 0, __ATOMIC_RELEASE);
        gym_normal_hook(L, limits);
    }
    limits->instructions_left = limits->instruction_budget;
    limits->memory_exceeded = 0;
    limits->enforce_memory = 1;
    // The watchdog times the call by this thread's CPU clock: time the thread waits for a core
    // (a loaded machine) or is stopped (Ctrl-Z) does not count. Computed from the thread id,
    // no system call.
    clockid_t clock;
    if (pthread_getcpuclockid(pthread_self(), &clock) != 0) clock = CLOCK_MONOTONIC;
    __atomic_store_n(&limits->call_clock, clock, __ATOMIC_RELAXED);
    __atomic_store_n(&limits->call_serial, limits->call_serial + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&limits->in_call, 1, __ATOMIC_RELEASE);
}

static inline void gym_end_script_call(gym_limits *limits) {
    limits->enforce_memory = 0;
    __atomic_store_n(&limits->in_call, 0, __ATOMIC_RELEASE);
}

/// For the watchdog thread: the current call's serial, or 0 when no script code runs.
static inline unsigned long long gym_running_call(gym_limits *limits) {
    if (!__atomic_load_n(&limits->in_call, __ATOMIC_ACQUIRE)) return 0;
    return __atomic_load_n(&limits->call_serial, __ATOMIC_ACQUIRE);
}

/// For the watchdog thread: the CPU-time clock of the thread making the current call.
static inline clockid_t gym_call_clock(gym_limits *limits) {
    return __atomic_load_n(&limits->call_clock, __ATOMIC_RELAXED);
}

/// For the watchdog thread: asks the hook to stop call `serial` (GYM_STOP_TIME or _INTERRUPT).
static inline void gym_request_stop(gym_limits *limits, unsigned long long serial, int kind) {
    __atomic_store_n(&limits->interrupt_kind, kind, __ATOMIC_RELAXED);
    __atomic_store_n(&limits->interrupt_serial, serial, __ATOMIC_RELEASE);
    if (limits->instruction_budget <= 0 &&
        !__atomic_load_n(&limits->hook_armed, __ATOMIC_ACQUIRE) &&
        gym_running_call(limits) == serial) {
        // A state with no hook (no budget) whose call ran out of time or must stop: arm one.
        // lua_sethook is written to be called asynchronously (lua.c calls it from a signal
        // handler; see its comment in ldebug.c). The call is checked to be still running just
        // before; if it has ended since, the next call runs with the hook, harmlessly (no stop
        // is pending for it). The flag is set after the hook: the state's thread, which
        // removes an armed hook when its next call begins, then never removes it before it is
        // set, so it cannot stay armed for good.
        lua_sethook(limits->state, gym_budget_hook, LUA_MASKCOUNT, 1);
        __atomic_store_n(&limits->hook_armed, 1, __ATOMIC_RELEASE);
    }
}

#include "patterns.h"

// MARK: - Error message handler

/// Turns an error into a table {message, source, line, function, traceback}, where source and
/// line are those of the innermost script function on the stack (the one that failed). Frames
/// of host chunks (named "=...", like the sandbox prelude) are skipped: a refusal raised there
/// is the caller's fault.
static int gym_message_handler(lua_State *L) {
    size_t length = 0;
    const char *message = lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER
        ? lua_tolstring(L, 1, &length) : NULL;
    if (message == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            message = lua_tolstring(L, -1, &length);
        else
            message = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        if (length == 0) length = strlen(message);
    }
    // The innermost script frame; if that is a chunk the script built with load(), the
    // innermost frame of a script *file* is the location, and the chunk's goes in the message.
    lua_Debug ar, inner;
    int level = 1, found = 0, nested = 0;
    while (lua_getstack(L, level, &ar)) {
        lua_getinfo(L, "Sln", &ar);
        if (ar.currentline > 0 && ar.source[0] != '=') {
            if (!found) { inner = ar; found = 1; }
            if (ar.source[0] == '@') break;
            nested = 1;
        }
        level++;
    }
    if (found && ar.source[0] != '@') ar = inner;  // no file frame at all: the chunk it is
    if (found && nested && ar.source[0] == '@') {
        message = lua_pushfstring(L, "%s:%d: %s", inner.short_src, inner.currentline, message);
        length = strlen(message);
    }
    if (found) {
        // The location is reported apart: drop Lua's own "name:line: " prefix, which names
        // the script by its short form (paths longer than LUA_IDSIZE lose their start).
        char prefix[LUA_IDSIZE + 32];
        int prefixLength = snprintf(prefix, sizeof prefix, "%s:%d: ", ar.short_src, ar.currentline);
        if (prefixLength > 0 && prefixLength < (int)sizeof prefix && (size_t)prefixLength < length &&
            memcmp(message, prefix, (size_t)prefixLength) == 0) {
            message += prefixLength;
            length -= (size_t)prefixLength;
        }
    }
    lua_createtable(L, 0, 5);
    lua_pushlstring(L, message, length);  // embedded NULs included
    lua_setfield(L, -2, "message");
    if (found) {
        // A script file by its whole path, however long.
        lua_pushstring(L, ar.source[0] == '@' ? ar.source + 1 : ar.short_src);
        lua_setfield(L, -2, "source");
        lua_pushinteger(L, ar.currentline);
        lua_setfield(L, -2, "line");
        if (ar.name) {
            lua_pushstring(L, ar.name);
            lua_setfield(L, -2, "function");
        }
    }
    luaL_traceback(L, L, NULL, 1);
    lua_setfield(L, -2, "traceback");
    return 1;
}

static inline lua_CFunction gym_message_handler_function(void) { return gym_message_handler; }

// MARK: - Random numbers (xoshiro256**, seeded by splitmix64)

/// The one generator of the project: Lua's `rng` methods and Swift's action sampling both use
/// it, so a seed means the same thing on both sides of the bridge.
typedef struct gym_rng { uint64_t s[4]; } gym_rng;

static inline uint64_t gym_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline void gym_rng_seed(gym_rng *rng, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) rng->s[i] = gym_splitmix64(&x);
}

static inline uint64_t gym_rng_next(gym_rng *rng) {
    uint64_t *s = rng->s;
    uint64_t t = s[1] << 17;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/// Uniform in [0, 1) with 53 random bits.
static inline double gym_rng_unit(gym_rng *rng) {
    return (double)(gym_rng_next(rng) >> 11) * 0x1.0p-53;
}

static inline double gym_rng_uniform(gym_rng *rng, double low, double high) {
    return low + (high - low) * gym_rng_unit(rng);
}

static inline double gym_rng_normal(gym_rng *rng, double mean, double stddev) {
    double u1 = 1.0 - gym_rng_unit(rng);  // (0, 1]: log is finite
    double u2 = gym_rng_unit(rng);
    return mean + stddev * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/// Uniform integer in [low, high], unbiased (Lemire's multiply-and-reject).
static inline int64_t gym_rng_integer(gym_rng *rng, int64_t low, int64_t high) {
    uint64_t range = (uint64_t)high - (uint64_t)low + 1;
    if (range == 0) return (int64_t)gym_rng_next(rng);  // the full 64-bit range
    __uint128_t m = (__uint128_t)gym_rng_next(rng) * range;
    uint64_t l = (uint64_t)m;
    if (l < range) {
        uint64_t threshold = -range % range;
        while (l < threshold) {
            m = (__uint128_t)gym_rng_next(rng) * range;
            l = (uint64_t)m;
        }
    }
    return (int64_t)((uint64_t)low + (uint64_t)(m >> 64));
}

#define GYM_RNG_METATABLE "gym.rng"

static gym_rng *gym_check_rng(lua_State *L) {
    return (gym_rng *)luaL_checkudata(L, 1, GYM_RNG_METATABLE);
}

static int gym_rng_lua_uniform(lua_State *L) {
    gym_rng *rng = gym_check_rng(L);
    double low = luaL_optnumber(L, 2, 0.0), high = luaL_optnumber(L, 3, 1.0);
    lua_pushnumber(L, gym_rng_uniform(rng, low, high));
    return 1;
}

static int gym_rng_lua_normal(lua_State *L) {
    gym_rng *rng = gym_check_rng(L);
    double mean = luaL_optnumber(L, 2, 0.0), stddev = luaL_optnumber(L, 3, 1.0);
    lua_pushnumber(L, gym_rng_normal(rng, mean, stddev));
    return 1;
}

/// rng:integer(n) is in [1, n] like math.random(n); rng:integer(a, b) is in [a, b].
static int gym_rng_lua_integer(lua_State *L) {
    gym_rng *rng = gym_check_rng(L);
    lua_Integer low = 1, high;
    if (lua_isnoneornil(L, 3)) {
        high = luaL_checkinteger(L, 2);
    } else {
        low = luaL_checkinteger(L, 2);
        high = luaL_checkinteger(L, 3);
    }
    luaL_argcheck(L, low <= high, 2, "interval is empty");
    lua_pushinteger(L, (lua_Integer)gym_rng_integer(rng, low, high));
    return 1;
}

static int gym_rng_lua_tostring(lua_State *L) {
    lua_pushfstring(L, "rng: %p", lua_touserdata(L, 1));
    return 1;
}

/// Creates a userdata generator seeded with `seed`, with its metatable, on top of the stack.
/// Call only outside script code (it allocates), and keep a reference to it.
static inline gym_rng *gym_push_rng(lua_State *L, uint64_t seed) {
    gym_rng *rng = (gym_rng *)lua_newuserdatauv(L, sizeof(gym_rng), 0);
    gym_rng_seed(rng, seed);
    if (luaL_newmetatable(L, GYM_RNG_METATABLE)) {
        static const luaL_Reg methods[] = {
            {"uniform", gym_rng_lua_uniform},
            {"normal", gym_rng_lua_normal},
            {"integer", gym_rng_lua_integer},
            {NULL, NULL},
        };
        luaL_newlib(L, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, gym_rng_lua_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, "rng");
        lua_setfield(L, -2, "__metatable");  // scripts cannot swap the methods
    }
    lua_setmetatable(L, -2);
    return rng;
}

// MARK: - Host functions for scripts

/// gym.float32(x): x rounded to single precision, for envs that mirror float32 reference code.
static int gym_lua_float32(lua_State *L) {
    lua_pushnumber(L, (lua_Number)(float)luaL_checknumber(L, 1));
    return 1;
}

/// print writes to stderr: stdout belongs to the host (JSON lines, reports).
static int gym_lua_print(lua_State *L) {
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        if (i > 1) fputc('\t', stderr);
        fwrite(s, 1, len, stderr);
        lua_pop(L, 1);
    }
    fputc('\n', stderr);
    fflush(stderr);
    return 0;
}

/// t[k] and t[k] = v with metamethods, to be run through a protected call: (t, k) -> t[k].
static int gym_lua_gettable(lua_State *L) {
    lua_settop(L, 2);
    lua_gettable(L, 1);
    return 1;
}
static int gym_lua_settable(lua_State *L) {
    lua_settop(L, 3);
    lua_settable(L, 1);
    return 0;
}

static inline lua_CFunction gym_gettable_function(void) { return gym_lua_gettable; }
static inline lua_CFunction gym_settable_function(void) { return gym_lua_settable; }
static inline lua_CFunction gym_float32_function(void) { return gym_lua_float32; }
static inline lua_CFunction gym_print_function(void) { return gym_lua_print; }

// The canvas of env:render(draw, last): C functions that raise Lua errors, like the above.
#include "draw.h"

#endif
