"""exp, tanh and sigmoid on one float32 number, written so that a compiled loop vectorises.

Why not ``math.exp``: numba turns it into a call of the C library's ``expf`` per element
(measured: 3 ns per element, 20 ns for ``tanhf``), where NumPy's own SIMD loops take
0.4-0.5 ns. These versions use only +, -, *, /, min, max and bit casts, which LLVM turns
into vector instructions (AVX2 or AVX-512, whichever the CPU has).

exp(x) = 2^n e^r with n = round(x / ln 2) and r = x - n ln 2, |r| <= ln(2)/2:

- n ln 2 is subtracted in two parts (Cody and Waite): ln 2 = LN2_HI + LN2_LO, LN2_HI with
  only 9 significant bits, so n LN2_HI is exact;
- e^r is its Taylor polynomial to r^7/7! (the next term is below 6e-9 relative);
- 2^n is built from bits: n + 127 in the exponent field of a float32; n itself is found
  by adding 1.5 * 2^23 to x / ln 2, which leaves round(x / ln 2) in the low mantissa bits.

Below x = -87 the result is 0 (where NumPy goes through subnormal numbers, < 1.2e-38),
above x = 88 it is inf (the exact bound is 88.72), so 2^n is always a normal number.
Relative error about 1e-7 (2 units in the last place of float32).

tanh(x) = x P(x^2) / Q(x^2) on [-9, 9] (tanh(9) rounds to 1 in float32), a rational
function with P and Q of degree 4, fitted here: coefficients minimising the largest
relative error on [0, 9] (linearised least squares x P - tanh(x) Q, reweighted by
1 / (tanh Q) and Lawson's rule; float64 relative error 2.1e-8). Evaluated in float32 without
fused multiply-add: absolute error <= 3.5e-7, at most ~6 units in the last place (NumPy's
own tanhf: 1.4), relative error for small x too; one division and 10 multiply-adds, no exp,
so it runs faster than NumPy's SIMD tanh.

sigmoid(x) = 1 / (1 + e^-x): relative accuracy also where sigmoid(x) is tiny (x << 0),
which 1/2 + tanh(x/2)/2 would lose.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import f32_as_i32, helper, i32_as_f32

_F = np.float32
_LO, _HI = _F(-87.0), _F(88.0)
_LOG2E = _F(1 / math.log(2))
_LN2_HI = _F(355 / 512)  # 0.693359375, exact in 9 bits
_LN2_LO = _F(math.log(2) - 355 / 512)
_SHIFT = _F(1.5 * 2**23)
_SHIFT_BITS = np.int32(np.float32(1.5 * 2**23).view(np.int32))
_BIAS = np.int32(127)
_ZERO, _ONE, _INF = _F(0.0), _F(1.0), _F(np.inf)
# 1/k! for the Taylor polynomial of e^r
_E2, _E3, _E4, _E5, _E6, _E7 = (_F(1 / math.factorial(k)) for k in range(2, 8))
# tanh(x) ~ x P(x^2) / Q(x^2), |x| <= 9 (see the module docstring for the fit)
_P0, _P1, _P2, _P3, _P4 = (
    _F(c)
    for c in (
        0.9999999796791776,
        0.13381138559701908,
        0.0034957213088725237,
        2.061123739920033e-05,
        1.3357579445726216e-08,
    )
)
_Q0, _Q1, _Q2, _Q3, _Q4 = (
    _F(c)
    for c in (
        1.0,
        0.46714454228446306,
        0.025877491259690678,
        0.00032858510417188666,
        7.777766989173138e-07,
    )
)
_TANH_FLAT = _F(9.0)


@helper
def exp32(x):  # noqa: ANN001, ANN201
    """e^x for a float32 x (relative error ~1e-7; 0 below -87, inf above 88, NaN for NaN)."""
    y = min(max(x, _LO), _HI)
    t = y * _LOG2E + _SHIFT  # round(y log2 e) + 1.5 2^23
    n = t - _SHIFT
    r = (y - n * _LN2_HI) - n * _LN2_LO
    p = _ONE + r * (_ONE + r * (_E2 + r * (_E3 + r * (_E4 + r * (_E5 + r * (_E6 + r * _E7))))))
    bits = np.int32(np.int32(f32_as_i32(t) - _SHIFT_BITS) + _BIAS)
    e = p * i32_as_f32(np.int32(bits << 23))
    e = e if x >= _LO else _ZERO  # underflow (NumPy's exp goes through subnormals to 0)
    e = e if x <= _HI else _INF
    return e if x == x else x  # NaN stays NaN


@helper
def tanh32(x):  # noqa: ANN001, ANN201
    """tanh(x) for a float32 x (absolute error below 3.5e-7; NaN gives NaN)."""
    y = min(max(x, -_TANH_FLAT), _TANH_FLAT)
    s = y * y
    p = _P0 + s * (_P1 + s * (_P2 + s * (_P3 + s * _P4)))
    q = _Q0 + s * (_Q1 + s * (_Q2 + s * (_Q3 + s * _Q4)))
    t = min(max(y * p / q, -_ONE), _ONE)
    return t if x == x else x  # NaN stays NaN


@helper
def sigmoid32(x):  # noqa: ANN001, ANN201
    """1 / (1 + e^-x) for a float32 x."""
    return _ONE / (_ONE + exp32(-x))
