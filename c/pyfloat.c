#include "pyfloat.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Called through volatile pointers so that the compiler can neither evaluate them at
   compile time (with its own, differently rounded arithmetic) nor rewrite them: GCC turns
   pow(x, 2.0) into x * x, which differs from the C library's pow(x, 2.0) in the last bit
   for about one x in a thousand. CPython calls these same functions at run time. */
static double (*volatile libm_pow)(double, double) = pow;
static double (*volatile libm_exp)(double) = exp;
static double (*volatile libm_log)(double) = log;
static double (*volatile libm_tanh)(double) = tanh;

static void python_error(const char *kind, const char *what, double x, double y)
{
    fprintf(stderr, "%s: %s (operands %.17g, %.17g), where Python raises; stopping\n", kind, what, x, y);
    exit(EXIT_FAILURE);
}

static int is_odd_integer(double y)
{
    return fmod(fabs(y), 2.0) == 1.0;
}

double py_pow(double x, double y)
{
    int negate = 0;
    double r;

    if (y == 0.0)
        return 1.0;
    if (isnan(x))
        return x;
    if (isnan(y))
        return x == 1.0 ? 1.0 : y;
    if (isinf(y)) {
        double ax = fabs(x);
        if (ax == 1.0)
            return 1.0;
        return ((y > 0.0) == (ax > 1.0)) ? HUGE_VAL : 0.0;
    }
    if (isinf(x)) {
        int odd = is_odd_integer(y);
        if (y > 0.0)
            return odd ? x : fabs(x);
        return odd ? copysign(0.0, x) : 0.0;
    }
    if (x == 0.0) {
        if (y < 0.0)
            python_error("ZeroDivisionError", "0.0 cannot be raised to a negative power", x, y);
        return is_odd_integer(y) ? x : 0.0;
    }
    if (x < 0.0) {
        if (y != floor(y))
            python_error("ValueError", "a negative number to a fractional power is complex", x, y);
        x = -x;
        negate = is_odd_integer(y);
    }
    if (x == 1.0)
        return negate ? -1.0 : 1.0;
    r = libm_pow(x, y);
    if (isinf(r))
        python_error("OverflowError", "x ** y out of range", negate ? -x : x, y);
    return negate ? -r : r;
}

double py_exp(double x)
{
    double r = libm_exp(x);
    if (isinf(r) && isfinite(x))
        python_error("OverflowError", "math.exp: math range error", x, 0.0);
    return r;
}

double py_log(double x)
{
    if (!(x > 0.0) && !isnan(x))
        python_error("ValueError", "math.log: math domain error", x, 0.0);
    return libm_log(x);
}

double py_tanh(double x)
{
    return libm_tanh(x);
}

/* The shortest decimal that reads back as x > 0 (finite): its digits, without trailing
   zeros, and the position of the decimal point (x = 0.DIGITS * 10**decpt). For each length
   p from 1 to 17, the correctly rounded p-digit decimal is the nearest candidate; when it
   does not read back, its neighbour on the other side of x still can (next to a power of
   two the gap below x is half the gap above), and no other p-digit decimal can. */
static void shortest_digits(double x, char digits[20], int *decpt)
{
    char text[40];
    int p;

    for (p = 1; p <= 17; p++) {
        uint64_t d = 0, top = 1, low;
        int e, i, ok;

        snprintf(text, sizeof text, "%.*e", p - 1, x); /* "D.DDDDe+XX" */
        ok = strtod(text, NULL) == x;
        for (i = 0; text[i] != 'e'; i++)
            if (text[i] != '.')
                d = d * 10 + (uint64_t)(text[i] - '0');
        e = atoi(text + i + 1);
        for (i = 1; i < p; i++)
            top *= 10;
        low = top;         /* 10**(p-1): the smallest p-digit integer */
        top *= 10;         /* 10**p */
        if (!ok) {
            char other[40];
            if (strtod(text, NULL) < x) {
                d += 1;
                if (d == top) {
                    d = low;
                    e += 1;
                }
            } else {
                d -= 1;
                if (d < low) {
                    d = top - 1;
                    e -= 1;
                }
            }
            snprintf(other, sizeof other, "%llue%d", (unsigned long long)d, e - (p - 1));
            ok = strtod(other, NULL) == x;
        }
        if (ok || p == 17) { /* 17 significant digits always read back */
            int n = snprintf(digits, 20, "%llu", (unsigned long long)d);
            while (n > 1 && digits[n - 1] == '0')
                digits[--n] = '\0';
            *decpt = e + 1;
            return;
        }
    }
}

char *py_repr(double x, char out[PY_REPR_MAX])
{
    char digits[20];
    char *o = out;
    int decpt, n, i;

    if (isnan(x)) {
        strcpy(out, "nan");
        return out;
    }
    if (signbit(x))
        *o++ = '-';
    x = fabs(x);
    if (isinf(x)) {
        strcpy(o, "inf");
        return out;
    }
    if (x == 0.0) {
        strcpy(o, "0.0");
        return out;
    }
    shortest_digits(x, digits, &decpt);
    n = (int)strlen(digits);
    if (decpt <= -4 || decpt > 16) {
        /* exponent notation: "d.ddde-05", "de+16" */
        *o++ = digits[0];
        if (n > 1) {
            *o++ = '.';
            for (i = 1; i < n; i++)
                *o++ = digits[i];
        }
        int e = decpt - 1;
        *o++ = 'e';
        *o++ = e < 0 ? '-' : '+';
        e = abs(e); /* at most 324 (5e-324) */
        if (e >= 100)
            *o++ = (char)('0' + e / 100);
        *o++ = (char)('0' + e / 10 % 10);
        *o++ = (char)('0' + e % 10);
        *o = '\0';
    } else if (decpt <= 0) {
        /* "0.000ddd" */
        *o++ = '0';
        *o++ = '.';
        for (i = 0; i < -decpt; i++)
            *o++ = '0';
        strcpy(o, digits);
    } else if (decpt >= n) {
        /* integral: "ddd000.0" */
        for (i = 0; i < decpt; i++)
            *o++ = i < n ? digits[i] : '0';
        strcpy(o, ".0");
    } else {
        /* "ddd.ddd" */
        for (i = 0; i < n; i++) {
            if (i == decpt)
                *o++ = '.';
            *o++ = digits[i];
        }
        *o = '\0';
    }
    return out;
}
