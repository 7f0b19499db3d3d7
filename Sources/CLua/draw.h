// The canvas of env:render(draw, last), included by shim.h (whose rule it follows: C that may
// raise Lua errors lives in C, so a longjmp never crosses a Swift frame).
#ifndef GYM_CLUA_DRAW_H
#define GYM_CLUA_DRAW_H

// MARK: - Drawing: the canvas of env:render(draw, last)

/// The shapes of one frame, in flat C arrays the host reads after the render returns. Each
/// `draw:` method checks its arguments and appends; nothing is allocated per shape, and the
/// caps bound the arrays (the host allocates them once per env, at its first render).
enum { GYM_SHAPE_LINE = 1, GYM_SHAPE_CIRCLE, GYM_SHAPE_RECT, GYM_SHAPE_POLYGON, GYM_SHAPE_POLYLINE, GYM_SHAPE_TEXT };
enum { GYM_ANCHOR_START = 0, GYM_ANCHOR_MIDDLE = 1, GYM_ANCHOR_END = 2 };

typedef struct gym_shape {
    int kind;
    int stroke, fill;       // 0xrrggbb, or -1 for none
    int anchor;
    double width, size;     // pixels of a 600-wide picture
    int first, count;       // the shape's numbers in `values`
    int text_first, text_length;
} gym_shape;

typedef struct gym_canvas {
    double view[4];
    int has_view;
    gym_shape *shapes;
    int shape_count, shape_limit;
    double *values;
    int value_count, value_limit;
    char *text;
    int text_count, text_limit, text_cut;  // text_cut: the longest text one shape keeps
} gym_canvas;

static inline gym_canvas *gym_canvas_new(int shape_limit, int value_limit, int text_cut) {
    gym_canvas *c = (gym_canvas *)calloc(1, sizeof(gym_canvas));
    if (!c) return NULL;
    // Not zeroed: only what the counts cover is ever read, and zeroing 2 MB per env showed.
    c->shapes = (gym_shape *)malloc((size_t)shape_limit * sizeof(gym_shape));
    c->values = (double *)malloc((size_t)value_limit * sizeof(double));
    c->text = (char *)malloc((size_t)shape_limit * (size_t)text_cut + 1);
    if (!c->shapes || !c->values || !c->text) {
        free(c->shapes); free(c->values); free(c->text); free(c);
        return NULL;
    }
    c->shape_limit = shape_limit;
    c->value_limit = value_limit;
    c->text_limit = shape_limit * text_cut;
    c->text_cut = text_cut;
    return c;
}

static inline void gym_canvas_free(gym_canvas *c) {
    if (!c) return;
    free(c->shapes); free(c->values); free(c->text); free(c);
}

static inline void gym_canvas_clear(gym_canvas *c) {
    c->has_view = 0;
    c->shape_count = c->value_count = c->text_count = 0;
}

static gym_canvas *gym_draw_canvas(lua_State *L) {
    return (gym_canvas *)lua_touserdata(L, lua_upvalueindex(1));
}

/// Argument `arg` as a finite number (a number, not a numeric string).
static double gym_draw_number(lua_State *L, int arg, const char *what) {
    if (lua_type(L, arg) != LUA_TNUMBER)
        luaL_error(L, "draw: %s must be a finite number (got %s)", what, luaL_typename(L, arg));
    double x = (double)lua_tonumber(L, arg);
    if (!isfinite(x)) luaL_error(L, "draw: %s must be a finite number (got %s)", what, isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf"));
    return x;
}

static int gym_draw_hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// style[key] as 0xrrggbb (-1 when absent), from a "#rrggbb" string; the style table is at `table`.
static int gym_draw_colour(lua_State *L, int table, const char *key) {
    lua_pushstring(L, key);
    int type = lua_rawget(L, table);
    int colour = -1;
    if (type != LUA_TNIL) {
        size_t length = 0;
        const char *text = type == LUA_TSTRING ? lua_tolstring(L, -1, &length) : NULL;
        int ok = text != NULL && length == 7 && text[0] == '#';
        colour = 0;
        for (int i = 1; ok && i < 7; i++) {
            int digit = gym_draw_hex(text[i]);
            if (digit < 0) ok = 0; else colour = colour * 16 + digit;
        }
        if (!ok) {
            const char *shown = luaL_tolstring(L, -1, NULL);
            luaL_error(L, "draw: %s must be a colour \"#rrggbb\" (got %s)", key, shown);
        }
    }
    lua_pop(L, 1);
    return colour;
}

/// style[key] as a number in (low, high] (or [low, high] when `zero_ok`), or `fallback`.
static double gym_draw_style_number(lua_State *L, int table, const char *key, double fallback, int zero_ok) {
    lua_pushstring(L, key);
    int type = lua_rawget(L, table);
    double x = fallback;
    if (type != LUA_TNIL) {
        x = type == LUA_TNUMBER ? (double)lua_tonumber(L, -1) : NAN;
        if (!(x <= 1000 && (zero_ok ? x >= 0 : x > 0)))
            luaL_error(L, zero_ok ? "draw: %s must be a number from 0 to 1000 (pixels)"
                                  : "draw: %s must be a number above 0, at most 1000 (pixels)", key);
    }
    lua_pop(L, 1);
    return x;
}

/// Appends a shape whose style is argument `style_arg` and whose numbers are `values`.
static gym_shape *gym_draw_add(lua_State *L, int kind, int style_arg, const double *values, int count) {
    gym_canvas *c = gym_draw_canvas(L);
    if (c->shape_count >= c->shape_limit) luaL_error(L, "draw: more than %d shapes in one frame", c->shape_limit);
    if (count > c->value_limit - c->value_count) luaL_error(L, "draw: more than %d coordinates in one frame", c->value_limit);
    gym_shape shape = { kind, -1, -1, GYM_ANCHOR_START, 2.0, 14.0, c->value_count, count, 0, 0 };
    int type = lua_type(L, style_arg);
    if (type == LUA_TTABLE) {
        int t = lua_absindex(L, style_arg);
        shape.stroke = gym_draw_colour(L, t, "stroke");
        shape.fill = gym_draw_colour(L, t, "fill");
        shape.width = gym_draw_style_number(L, t, "width", 2.0, 1);
        shape.size = gym_draw_style_number(L, t, "size", 14.0, 0);
        lua_pushliteral(L, "anchor");
        if (lua_rawget(L, t) != LUA_TNIL) {
            const char *a = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
            if (strcmp(a, "start") == 0) shape.anchor = GYM_ANCHOR_START;
            else if (strcmp(a, "middle") == 0) shape.anchor = GYM_ANCHOR_MIDDLE;
            else if (strcmp(a, "end") == 0) shape.anchor = GYM_ANCHOR_END;
            else luaL_error(L, "draw: anchor must be \"start\", \"middle\" or \"end\"");
        }
        lua_pop(L, 1);
    } else if (type != LUA_TNONE && type != LUA_TNIL) {
        luaL_error(L, "draw: the style must be a table {stroke=, fill=, width=, size=, anchor=}");
    }
    // Nothing to paint with: a stroke in the default colour.
    if (shape.stroke < 0 && shape.fill < 0) shape.stroke = 0x222222;
    if (values) memcpy(c->values + c->value_count, values, (size_t)count * sizeof(double));
    c->value_count += count;
    c->shapes[c->shape_count] = shape;
    return &c->shapes[c->shape_count++];
}

static int gym_draw_viewport(lua_State *L) {
    gym_canvas *c = gym_draw_canvas(L);
    double v[4] = { gym_draw_number(L, 2, "x_min"), gym_draw_number(L, 3, "x_max"),
                    gym_draw_number(L, 4, "y_min"), gym_draw_number(L, 5, "y_max") };
    if (!(v[1] > v[0] && v[3] > v[2]))
        luaL_error(L, "draw:viewport(x_min, x_max, y_min, y_max) needs x_max > x_min and y_max > y_min");
    memcpy(c->view, v, sizeof v);
    c->has_view = 1;
    return 0;
}

/// A shape of four numbers (arguments 2-5) and a style (argument 6): a line or a rect.
static int gym_draw_four(lua_State *L, int kind, const char *a, const char *b, const char *c, const char *d) {
    double v[4] = { gym_draw_number(L, 2, a), gym_draw_number(L, 3, b), gym_draw_number(L, 4, c), gym_draw_number(L, 5, d) };
    gym_draw_add(L, kind, 6, v, 4);
    return 0;
}

static int gym_draw_line(lua_State *L) { return gym_draw_four(L, GYM_SHAPE_LINE, "x1", "y1", "x2", "y2"); }

static int gym_draw_circle(lua_State *L) {
    double v[3] = { gym_draw_number(L, 2, "x"), gym_draw_number(L, 3, "y"), gym_draw_number(L, 4, "radius") };
    if (v[2] < 0) luaL_error(L, "draw:circle: the radius is negative");
    gym_draw_add(L, GYM_SHAPE_CIRCLE, 5, v, 3);
    return 0;
}

static int gym_draw_rect(lua_State *L) { return gym_draw_four(L, GYM_SHAPE_RECT, "x", "y", "width", "height"); }

static int gym_draw_path(lua_State *L, int kind, const char *name) {
    gym_canvas *c = gym_draw_canvas(L);
    if (lua_type(L, 2) != LUA_TTABLE) luaL_error(L, "draw:%s takes a list {x1, y1, x2, y2, ...}", name);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
    if (n < 4 || n % 2 != 0) luaL_error(L, "draw:%s takes an even number of coordinates, at least 4", name);
    if (n > c->value_limit - c->value_count) luaL_error(L, "draw: more than %d coordinates in one frame", c->value_limit);
    double *out = c->values + c->value_count;
    for (lua_Integer i = 1; i <= n; i++) {
        int type = lua_rawgeti(L, 2, i);
        double x = type == LUA_TNUMBER ? (double)lua_tonumber(L, -1) : NAN;
        lua_pop(L, 1);
        if (!isfinite(x)) luaL_error(L, "draw:%s: point %d must be a finite number", name, (int)i);
        out[i - 1] = x;
    }
    // The numbers are in place; gym_draw_add only counts them.
    gym_draw_add(L, kind, 3, NULL, (int)n);
    return 0;
}

static int gym_draw_polygon(lua_State *L) { return gym_draw_path(L, GYM_SHAPE_POLYGON, "polygon"); }
static int gym_draw_polyline(lua_State *L) { return gym_draw_path(L, GYM_SHAPE_POLYLINE, "polyline"); }

static int gym_draw_text(lua_State *L) {
    gym_canvas *c = gym_draw_canvas(L);
    double v[2] = { gym_draw_number(L, 2, "x"), gym_draw_number(L, 3, "y") };
    int type = lua_type(L, 4);
    if (type != LUA_TSTRING && type != LUA_TNUMBER) luaL_error(L, "draw:text: the text must be a string");
    size_t length = 0;
    const char *text = lua_tolstring(L, 4, &length);
    if (length > (size_t)c->text_cut) length = (size_t)c->text_cut;
    gym_shape *shape = gym_draw_add(L, GYM_SHAPE_TEXT, 5, v, 2);
    memcpy(c->text + c->text_count, text, length);
    shape->text_first = c->text_count;
    shape->text_length = (int)length;
    c->text_count += (int)length;
    return 0;
}

/// Pushes the `draw` object of `canvas`: a table of methods, locked (its metatable hides the
/// methods' table, so a script can neither replace nor inspect them).
static inline void gym_push_draw(lua_State *L, gym_canvas *canvas) {
    static const luaL_Reg methods[] = {
        {"viewport", gym_draw_viewport}, {"line", gym_draw_line}, {"circle", gym_draw_circle},
        {"rect", gym_draw_rect}, {"polygon", gym_draw_polygon}, {"polyline", gym_draw_polyline},
        {"text", gym_draw_text}, {NULL, NULL},
    };
    lua_newtable(L);                      // the draw object
    lua_createtable(L, 0, 3);             // its metatable
    lua_createtable(L, 0, 7);             // the methods
    lua_pushlightuserdata(L, canvas);
    luaL_setfuncs(L, methods, 1);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "draw");
    lua_setfield(L, -2, "__metatable");
    lua_pushliteral(L, "draw");
    lua_setfield(L, -2, "__name");
    lua_setmetatable(L, -2);
}

#endif
