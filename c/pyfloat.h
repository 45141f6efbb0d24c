/* Python's float semantics where C's differ: `**`, math.exp/log/tanh, and repr(float). */
#ifndef PYFLOAT_H
#define PYFLOAT_H

#include <stddef.h>

/* x ** y as CPython's float_pow computes it: its special cases, then the C library's pow.
   Where Python raises (0 ** negative, negative ** fraction, overflow) this prints the
   Python error and exits with status 1. */
double py_pow(double x, double y);

/* math.exp, math.log and math.tanh: the C library's functions, never folded or inlined by
   the compiler, with Python's errors (exp overflow, log of x <= 0) likewise fatal. */
double py_exp(double x);
double py_log(double x);
double py_tanh(double x);

/* The longest text py_repr writes, with its terminating NUL ("-2.2250738585072014e-308"). */
#define PY_REPR_MAX 32

/* repr(x) as Python 3 prints it: the shortest digits that read back as x, in fixed
   notation from 1e-4 up to 1e16 (with ".0" when integral), else as "1.5e-05" or "1e+16";
   "inf", "-inf", "nan". Writes at most PY_REPR_MAX bytes into out and returns out. */
char *py_repr(double x, char out[PY_REPR_MAX]);

#endif
