#ifndef GYM_KERNELS_H
#define GYM_KERNELS_H

// Small vector helpers for the PPO kernels that Swift cannot yet express without branches:
// Swift's min/max on Float follow IEEE minNum semantics through compare-and-branch code, and
// SIMD mask comparisons are scalarized lane by lane. Clang's elementwise builtins compile to
// single vminps/vmaxps instructions. Eight floats import into Swift as SIMD8<Float>.

typedef float gym_float8 __attribute__((ext_vector_type(8)));

/// Each lane clamped to [-bound, bound].
static inline __attribute__((always_inline)) gym_float8 gym_clamp8(gym_float8 x, float bound) {
    gym_float8 high = bound;
    gym_float8 low = -bound;
    return __builtin_elementwise_min(__builtin_elementwise_max(x, low), high);
}

/// Each lane's max(x, 0): ReLU.
static inline __attribute__((always_inline)) gym_float8 gym_relu8(gym_float8 x) {
    gym_float8 zero = 0.0f;
    return __builtin_elementwise_max(x, zero);
}

#endif
