#include "data.h"

#include <stdio.h>
#include <stdlib.h>

#include "pyfloat.h"

void rng_seed(Rng *r, uint64_t seed) { r->state = seed; }

uint32_t rng_u32(Rng *r)
{
    r->state ^= r->state >> 12;
    r->state ^= r->state << 25;
    r->state ^= r->state >> 27;
    return (uint32_t)((r->state * UINT64_C(0x2545F4914F6CDD1D)) >> 32);
}

double rng_random(Rng *r) { return (double)(rng_u32(r) >> 8) / 16777216.0; }

double rng_uniform(Rng *r, double a, double b) { return a + (b - a) * rng_random(r); }

static double distance(double x, double y, double cx, double cy)
{
    return py_pow(py_pow(x - cx, 2.0) + py_pow(y - cy, 2.0), 0.5);
}

static int which_class(double x, double y, double r_small, double r_big)
{
    double d_right = distance(x, y, 1.5 * r_big, r_big);
    double d_left = distance(x, y, 0.5 * r_big, r_big);
    int in_right_dot = d_right <= r_small;
    int in_left_ring = d_left > r_small && d_left <= 0.5 * r_big;
    int upper_yin = y > r_big && d_right > 0.5 * r_big;
    int is_yin = in_right_dot || in_left_ring || upper_yin;
    int is_dot = d_right < r_small || d_left < r_small;

    if (is_dot)
        return 2;
    return is_yin ? 0 : 1;
}

static Point sample(Rng *r, int goal, double r_small, double r_big)
{
    for (;;) {
        double x = rng_uniform(r, 0.0, 2.0 * r_big);
        double y = rng_uniform(r, 0.0, 2.0 * r_big);
        Point p;
        if (distance(x, y, r_big, r_big) > r_big)
            continue;
        p.label = which_class(x, y, r_small, r_big);
        if (p.label != goal)
            continue;
        p.x[0] = (x / r_big - 1.0) * 2.0;
        p.x[1] = (y / r_big - 1.0) * 2.0;
        return p;
    }
}

void gen_data_yinyang(Dataset *d, Rng *r, size_t n, double r_small, double r_big)
{
    size_t i, end_train, end_val;

    d->points = malloc((n ? n : 1) * sizeof *d->points);
    if (d->points == NULL) {
        fprintf(stderr, "out of memory (a data set of %zu points)\n", n);
        exit(EXIT_FAILURE);
    }
    d->n = n;
    for (i = 0; i < n; i++)
        d->points[i] = sample(r, (int)(i % 3), r_small, r_big);
    /* Python's int(0.8 * n): the product in doubles, truncated */
    end_train = (size_t)(0.8 * (double)n);
    end_val = (size_t)(0.9 * (double)n);
    d->train = d->points;
    d->n_train = end_train;
    d->val = d->points + end_train;
    d->n_val = end_val - end_train;
    d->test = d->points + end_val;
    d->n_test = n - end_val;
}

void dataset_free(Dataset *d)
{
    free(d->points);
    d->points = d->train = d->val = d->test = NULL;
    d->n = d->n_train = d->n_val = d->n_test = 0;
}
