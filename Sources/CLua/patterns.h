// Lua's pattern functions (string.find, match, gmatch, gsub) with their work counted.
//
// Why our own: the string library's matcher is C code that backtracks, so a call such as
// `("a"):rep(420):find(".-.-.-b")` runs for seconds to hours without executing a single VM
// instruction. Neither the instruction budget nor the watchdog could stop it. This matcher
// implements the same patterns (Lua 5.4 manual, section 6.4.1) and charges every matching step
// to the budget through gym_charge_work, which also honours the watchdog's time limit and
// Ctrl-C. Tests compare it with the string library on a corpus and on random patterns.
//
// Included from shim.h; everything here may raise Lua errors, so it runs only inside Lua.
#ifndef GYM_CLUA_PATTERNS_H
#define GYM_CLUA_PATTERNS_H

#include <ctype.h>

#define GYM_PATTERN_MAX_DEPTH 200    // recursion limit of the matcher (as Lua's MAXCCALLS)
#define GYM_PATTERN_CHARGE_EVERY 1024
#define GYM_MAX_CAPTURES 32         // as the string library (LUA_MAXCAPTURES, private to it)
#define GYM_CAPTURE_OPEN (-1)
#define GYM_CAPTURE_POSITION (-2)

typedef struct gym_matcher {
    lua_State *L;
    const char *subject, *subject_end;
    const char *pattern_end;
    int depth;
    int steps;   // counts down to the next charge
    int level;   // captures opened so far
    struct { const char *start; ptrdiff_t length; } captures[GYM_MAX_CAPTURES];
} gym_matcher;

static inline void gym_matcher_step(gym_matcher *m) {
    if (--m->steps <= 0) {
        m->steps = GYM_PATTERN_CHARGE_EVERY;
        gym_charge_work(m->L, GYM_PATTERN_CHARGE_EVERY);
    }
}

static void gym_matcher_reset(gym_matcher *m) {
    m->level = 0;
    m->depth = 0;
}

/// The end of the single-character class starting at p (a char, '.', %x or [set]).
static const char *gym_class_end(gym_matcher *m, const char *p) {
    char c = *p++;
    if (c == '%') {
        if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        if (*p == '^') p++;
        do {  // the first character of a set may be ']' itself
            if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*(p++) == '%' && p < m->pattern_end) p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

static int gym_class_matches(int c, int class_letter) {
    int result;
    switch (tolower(class_letter)) {
    case 'a': result = isalpha(c); break;
    case 'c': result = iscntrl(c); break;
    case 'd': result = isdigit(c); break;
    case 'g': result = isgraph(c); break;
    case 'l': result = islower(c); break;
    case 'p': result = ispunct(c); break;
    case 's': result = isspace(c); break;
    case 'u': result = isupper(c); break;
    case 'w': result = isalnum(c); break;
    case 'x': result = isxdigit(c); break;
    case 'z': result = (c == 0); break;  // the NUL class, deprecated but still accepted
    default: return class_letter == c;  // an escaped non-letter matches itself
    }
    if (isupper(class_letter)) result = !result;
    return result != 0;
}

/// Whether c is in the set [ ... ] from p (at '[') to close (at ']').
static int gym_set_matches(int c, const char *p, const char *close) {
    int inside = 1;
    p++;
    if (*p == '^') { inside = 0; p++; }
    while (p < close) {
        if (*p == '%') {
            p++;
            if (gym_class_matches(c, (unsigned char)*p)) return inside;
            p++;
        } else if (p[1] == '-' && p + 2 < close) {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return inside;
            p += 3;
        } else {
            if ((unsigned char)*p == c) return inside;
            p++;
        }
    }
    return !inside;
}

static int gym_single_matches(gym_matcher *m, const char *s, const char *p, const char *class_end) {
    if (s >= m->subject_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case '%': return gym_class_matches(c, (unsigned char)p[1]);
    case '[': return gym_set_matches(c, p, class_end - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *gym_match(gym_matcher *m, const char *s, const char *p);

static const char *gym_match_balance(gym_matcher *m, const char *s, const char *p) {
    if (p + 1 >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->subject_end || *s != p[0]) return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    while (++s < m->subject_end) {
        gym_matcher_step(m);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static const char *gym_match_greedy(gym_matcher *m, const char *s, const char *p, const char *class_end) {
    ptrdiff_t count = 0;
    while (gym_single_matches(m, s + count, p, class_end)) { count++; gym_matcher_step(m); }
    while (count >= 0) {  // the longest repetition that lets the rest match
        const char *end = gym_match(m, s + count, class_end + 1);
        if (end) return end;
        count--;
    }
    return NULL;
}

static const char *gym_match_lazy(gym_matcher *m, const char *s, const char *p, const char *class_end) {
    for (;;) {  // the shortest repetition that lets the rest match
        const char *end = gym_match(m, s, class_end + 1);
        if (end) return end;
        if (!gym_single_matches(m, s, p, class_end)) return NULL;
        s++;
        gym_matcher_step(m);
    }
}

static const char *gym_open_capture(gym_matcher *m, const char *s, const char *p, ptrdiff_t kind) {
    if (m->level >= GYM_MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->captures[m->level].start = s;
    m->captures[m->level].length = kind;
    m->level++;
    const char *end = gym_match(m, s, p);
    if (!end) m->level--;
    return end;
}

static const char *gym_close_capture(gym_matcher *m, const char *s, const char *p) {
    int open = -1;
    for (int i = m->level - 1; i >= 0; i--) {
        if (m->captures[i].length == GYM_CAPTURE_OPEN) { open = i; break; }
    }
    if (open < 0) luaL_error(m->L, "invalid pattern capture");
    m->captures[open].length = s - m->captures[open].start;
    const char *end = gym_match(m, s, p);
    if (!end) m->captures[open].length = GYM_CAPTURE_OPEN;
    return end;
}

static const char *gym_match_back_reference(gym_matcher *m, const char *s, int digit) {
    int index = digit - '1';
    if (index < 0 || index >= m->level || m->captures[index].length == GYM_CAPTURE_OPEN)
        luaL_error(m->L, "invalid capture index %%%d in pattern", index + 1);
    size_t length = (size_t)m->captures[index].length;
    if ((size_t)(m->subject_end - s) >= length && memcmp(m->captures[index].start, s, length) == 0)
        return s + length;
    return NULL;
}

/// Matches the pattern from p against the subject from s: the end of the match, or NULL.
static const char *gym_match(gym_matcher *m, const char *s, const char *p) {
    if (++m->depth > GYM_PATTERN_MAX_DEPTH) luaL_error(m->L, "pattern too complex");
    gym_matcher_step(m);
    while (p < m->pattern_end) {
        switch (*p) {
        case '(':
            s = (p[1] == ')') ? gym_open_capture(m, s, p + 2, GYM_CAPTURE_POSITION)
                              : gym_open_capture(m, s, p + 1, GYM_CAPTURE_OPEN);
            m->depth--;
            return s;
        case ')':
            s = gym_close_capture(m, s, p + 1);
            m->depth--;
            return s;
        case '$':
            if (p + 1 == m->pattern_end) {
                m->depth--;
                return s == m->subject_end ? s : NULL;
            }
            break;  // a '$' elsewhere is an ordinary character
        case '%':
            if (p[1] == 'b') {
                s = gym_match_balance(m, s, p + 2);
                if (!s) { m->depth--; return NULL; }
                p += 4;
                continue;
            }
            if (p[1] == 'f') {
                p += 2;
                if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                const char *close = gym_class_end(m, p);
                int previous = (s == m->subject) ? '\0' : (unsigned char)s[-1];
                int current = (s < m->subject_end) ? (unsigned char)*s : '\0';
                if (!gym_set_matches(previous, p, close - 1) && gym_set_matches(current, p, close - 1)) {
                    p = close;
                    continue;
                }
                m->depth--;
                return NULL;
            }
            if (isdigit((unsigned char)p[1])) {
                s = gym_match_back_reference(m, s, p[1]);
                if (!s) { m->depth--; return NULL; }
                p += 2;
                continue;
            }
            break;
        default:
            break;
        }
        // A single-character class, maybe followed by a quantifier.
        const char *class_end = gym_class_end(m, p);
        char quantifier = class_end < m->pattern_end ? *class_end : '\0';
        if (!gym_single_matches(m, s, p, class_end)) {
            if (quantifier == '*' || quantifier == '?' || quantifier == '-') {
                p = class_end + 1;  // zero repetitions are fine
                continue;
            }
            s = NULL;
            break;
        }
        if (quantifier == '?') {
            const char *end = gym_match(m, s + 1, class_end + 1);
            if (end) { s = end; break; }
            p = class_end + 1;
            continue;
        }
        if (quantifier == '+') { s = gym_match_greedy(m, s + 1, p, class_end); break; }
        if (quantifier == '*') { s = gym_match_greedy(m, s, p, class_end); break; }
        if (quantifier == '-') { s = gym_match_lazy(m, s, p, class_end); break; }
        s++;
        p = class_end;
    }
    m->depth--;
    return s;
}

/// Pushes capture i of a match from s to e (the whole match when there are no captures).
static void gym_push_capture(gym_matcher *m, int i, const char *s, const char *e) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t length = m->captures[i].length;
    if (length == GYM_CAPTURE_OPEN) luaL_error(m->L, "unfinished capture");
    if (length == GYM_CAPTURE_POSITION)
        lua_pushinteger(m->L, (lua_Integer)(m->captures[i].start - m->subject) + 1);
    else
        lua_pushlstring(m->L, m->captures[i].start, (size_t)length);
}

static int gym_push_captures(gym_matcher *m, const char *s, const char *e) {
    int count = (m->level == 0 && s) ? 1 : m->level;
    luaL_checkstack(m->L, count, "too many captures");
    for (int i = 0; i < count; i++) gym_push_capture(m, i, s, e);
    return count;
}

static void gym_matcher_init(gym_matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->subject = s;
    m->subject_end = s + ls;
    m->pattern_end = p + lp;
    m->steps = GYM_PATTERN_CHARGE_EVERY;
    gym_matcher_reset(m);
}

/// A 1-based start position as the string library reads it: negative counts from the end.
static size_t gym_start_index(lua_Integer position, size_t length) {
    if (position > 0) return (size_t)position;
    if (position == 0) return 1;
    if (position < -(lua_Integer)length) return 1;
    return length + (size_t)position + 1;
}

static int gym_has_specials(const char *p, size_t length) {
    for (size_t i = 0; i < length; i++)
        if (strchr("^$*+?.([%-", p[i]) && p[i] != '\0') return 1;
    return 0;
}

/// Plain substring search, charged by the bytes it compares.
static const char *gym_find_plain(lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    const char *last = s + (ls - lp);
    long long charged = 0;
    while (s <= last) {
        const char *candidate = memchr(s, p[0], (size_t)(last - s) + 1);
        if (!candidate) return NULL;
        if (memcmp(candidate, p, lp) == 0) return candidate;
        charged += (long long)lp / 8 + 1;
        if (charged >= GYM_PATTERN_CHARGE_EVERY) { gym_charge_work(L, charged); charged = 0; }
        s = candidate + 1;
    }
    return NULL;
}

static int gym_find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = gym_start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) { luaL_pushfail(L); return 1; }
    if (find && (lua_toboolean(L, 4) || !gym_has_specials(p, lp))) {
        const char *found = gym_find_plain(L, s + init, ls - init, p, lp);
        if (found) {
            lua_pushinteger(L, (lua_Integer)(found - s) + 1);
            lua_pushinteger(L, (lua_Integer)(found - s + lp));
            return 2;
        }
        luaL_pushfail(L);
        return 1;
    }
    int anchored = (lp > 0 && *p == '^');
    if (anchored) { p++; lp--; }
    gym_matcher m;
    gym_matcher_init(&m, L, s, ls, p, lp);
    const char *start = s + init;
    do {
        gym_matcher_reset(&m);
        const char *end = gym_match(&m, start, p);
        if (end) {
            if (find) {
                lua_pushinteger(L, (lua_Integer)(start - s) + 1);
                lua_pushinteger(L, (lua_Integer)(end - s));
                return gym_push_captures(&m, NULL, NULL) + 2;
            }
            return gym_push_captures(&m, start, end);
        }
    } while (start++ < m.subject_end && !anchored);
    luaL_pushfail(L);
    return 1;
}

static int gym_lua_find(lua_State *L) { return gym_find_or_match(L, 1); }
static int gym_lua_match(lua_State *L) { return gym_find_or_match(L, 0); }

/// The state of one gmatch iteration, kept in a userdata beside the subject and pattern.
typedef struct gym_gmatch_state {
    const char *position;
    const char *last_match;
    const char *pattern;
    gym_matcher matcher;
} gym_gmatch_state;

static int gym_gmatch_next(lua_State *L) {
    gym_gmatch_state *state = (gym_gmatch_state *)lua_touserdata(L, lua_upvalueindex(3));
    gym_matcher *m = &state->matcher;
    m->L = L;
    for (const char *start = state->position; start <= m->subject_end; start++) {
        gym_matcher_reset(m);
        const char *end = gym_match(m, start, state->pattern);
        if (end && end != state->last_match) {
            state->position = state->last_match = end;
            return gym_push_captures(m, start, end);
        }
    }
    return 0;
}

static int gym_lua_gmatch(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = gym_start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) init = ls + 1;  // past the end: no match
    lua_settop(L, 2);
    gym_gmatch_state *state = (gym_gmatch_state *)lua_newuserdatauv(L, sizeof(gym_gmatch_state), 0);
    gym_matcher_init(&state->matcher, L, s, ls, p, lp);
    state->position = s + init;
    state->last_match = NULL;
    state->pattern = p;
    lua_pushcclosure(L, gym_gmatch_next, 3);  // the subject and pattern stay alive as upvalues
    return 1;
}

static void gym_add_replacement_string(gym_matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    lua_State *L = m->L;
    size_t length;
    const char *text = lua_tolstring(L, 3, &length);
    const char *escape;
    while ((escape = memchr(text, '%', length)) != NULL) {
        luaL_addlstring(b, text, (size_t)(escape - text));
        escape++;
        if (*escape == '%') {
            luaL_addchar(b, '%');
        } else if (*escape == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)*escape)) {
            gym_push_capture(m, *escape - '1', s, e);
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
            luaL_addvalue(b);
        } else {
            luaL_error(L, "invalid use of '%%' in replacement string");
        }
        length -= (size_t)(escape + 1 - text);
        text = escape + 1;
    }
    luaL_addlstring(b, text, length);
}

/// Adds the replacement for a match from s to e; returns whether it changed the text.
static int gym_add_replacement(gym_matcher *m, luaL_Buffer *b, const char *s, const char *e, int kind) {
    lua_State *L = m->L;
    if (kind == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int count = gym_push_captures(m, s, e);
        lua_call(L, count, 1);
    } else if (kind == LUA_TTABLE) {
        gym_push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        gym_add_replacement_string(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {  // nil or false: keep the original text
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1))
        return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int gym_lua_gsub(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *last_match = NULL;
    int kind = lua_type(L, 3);
    lua_Integer max_replacements = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE,
                     3, "string/function/table");
    int anchored = (lp > 0 && *p == '^');
    if (anchored) { p++; lp--; }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    gym_matcher m;
    gym_matcher_init(&m, L, s, ls, p, lp);
    const char *position = s;
    lua_Integer replacements = 0;
    int changed = 0;
    while (replacements < max_replacements) {
        gym_matcher_reset(&m);
        const char *end = gym_match(&m, position, p);
        if (end && end != last_match) {
            replacements++;
            changed = gym_add_replacement(&m, &b, position, end, kind) | changed;
            position = last_match = end;
        } else if (position < m.subject_end) {
            luaL_addchar(&b, *position++);
        } else {
            break;
        }
        if (anchored) break;
    }
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, position, (size_t)(m.subject_end - position));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, replacements);
    return 2;
}

/// Replaces the string library's pattern functions (string.find and s:find alike, since the
/// string metatable's __index is the string table). Runs once per state, outside script code.
static inline void gym_install_pattern_functions(lua_State *L) {
    lua_getglobal(L, "string");
    static const luaL_Reg functions[] = {
        {"find", gym_lua_find}, {"match", gym_lua_match},
        {"gmatch", gym_lua_gmatch}, {"gsub", gym_lua_gsub}, {NULL, NULL},
    };
    for (const luaL_Reg *f = functions; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
    lua_pop(L, 1);
}

#endif
