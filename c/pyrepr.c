/* Test helper: reads one double a line, as the 16 hex digits of its IEEE 754 bits, and
   prints py_repr of each, so that a test can compare it with Python's repr. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyfloat.h"

int main(void)
{
    char line[64], text[PY_REPR_MAX];
    unsigned long n = 0;

    while (fgets(line, sizeof line, stdin) != NULL) {
        char *end;
        uint64_t bits;
        double x;
        n++;
        bits = strtoull(line, &end, 16);
        if (end == line || (*end != '\n' && *end != '\0')) {
            fprintf(stderr, "pyrepr: line %lu: expected 16 hex digits (the bits of a double), got %s", n, line);
            return 2;
        }
        memcpy(&x, &bits, sizeof x);
        puts(py_repr(x, text));
    }
    return ferror(stdin) || fflush(stdout) != 0 ? 1 : 0;
}
