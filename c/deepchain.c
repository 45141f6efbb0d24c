/* Test helper: backward through a chain of N additions, y = ((x + x) + x) + ... + x, deeper
   than any C stack would allow a recursive topological sort. Prints y and x's gradient,
   for x = 0.5: (N + 1) / 2 and N + 1. */
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "pyfloat.h"

int main(int argc, char **argv)
{
    char y_text[PY_REPR_MAX], grad_text[PY_REPR_MAX], *end = NULL;
    unsigned long n = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
    Tape tape;
    NodeId x, y;
    unsigned long i;

    if (argc != 2 || end == argv[1] || *end != '\0' || n == 0 || n > 100000000UL) {
        fprintf(stderr, "usage: %s N (the chain's length, 1 to 100000000)\n", argv[0]);
        return 2;
    }
    tape_init(&tape);
    x = value(&tape, 0.5);
    y = x;
    for (i = 0; i < n; i++)
        y = add(&tape, y, x);
    backward(&tape, y);
    printf("%s %s\n", py_repr(node_data(&tape, y), y_text), py_repr(node_grad(&tape, x), grad_text));
    tape_free(&tape);
    return 0;
}
