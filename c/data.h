/* LLM101n micrograd's random numbers and its yin-yang data set. */
#ifndef DATA_H
#define DATA_H

#include <stddef.h>
#include <stdint.h>

/* xorshift* on 64 bits of state; the same stream as utils.py's RNG(seed). */
typedef struct {
    uint64_t state;
} Rng;

void rng_seed(Rng *r, uint64_t seed);
uint32_t rng_u32(Rng *r);
double rng_random(Rng *r);                     /* [0, 1), 24 random bits */
double rng_uniform(Rng *r, double a, double b); /* a + (b - a) * random() */

typedef struct {
    double x[2];
    int label; /* 0 yin, 1 yang, 2 the dots */
} Point;

typedef struct {
    Point *points; /* all n, in generation order: train, then validation, then test */
    size_t n;
    Point *train, *val, *test;
    size_t n_train, n_val, n_test;
} Dataset;

/* gen_data_yinyang(random, n, r_small, r_big): point i is drawn (by rejection, from the
   disc of radius r_big) until it has class i % 3, then scaled to [-2, 2]; the first 80%
   train, the next 10% validate, the rest test. Free with dataset_free. */
void gen_data_yinyang(Dataset *d, Rng *r, size_t n, double r_small, double r_big);
void dataset_free(Dataset *d);

#endif
