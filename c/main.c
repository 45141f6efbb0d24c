/* LLM101n's micrograd run in C: 100 full-batch AdamW steps of MLP(2, [8, 3]) on the
   yin-yang data, printing the same log, digit for digit, as its micrograd.py. */
#include <stdio.h>
#include <stdlib.h>

#include "data.h"
#include "engine.h"
#include "nn.h"
#include "pyfloat.h"

#define NUM_STEPS 100
#define VAL_EVERY 10

int main(int argc, char **argv)
{
    static const size_t nouts[] = {8, 3};
    char text[PY_REPR_MAX];
    Rng rng;
    Dataset data;
    Tape tape;
    Mlp model;
    AdamW optimizer;
    int step;

    if (argc > 1) {
        fprintf(stderr, "usage: %s (no arguments): trains MLP(2, [8, 3]) on the yin-yang data for %d steps\n",
                argv[0], NUM_STEPS);
        return 2;
    }

    rng_seed(&rng, 42);
    gen_data_yinyang(&data, &rng, 100, 0.1, 0.5);
    tape_init(&tape);
    mlp_init(&model, &tape, &rng, 2, nouts, 2);
    adamw_init(&optimizer, model.n_params, 1e-1, 0.9, 0.95, 1e-8, 1e-4);

    for (step = 0; step < NUM_STEPS; step++) {
        NodeId loss;
        if (step % VAL_EVERY == 0) {
            NodeId val_loss = split_loss(&model, &tape, data.val, data.n_val);
            printf("step %d/%d, val loss %.6f\n", step + 1, NUM_STEPS, node_data(&tape, val_loss));
            tape_truncate(&tape, model.n_params);
        }
        loss = split_loss(&model, &tape, data.train, data.n_train);
        backward(&tape, loss);
        adamw_step(&optimizer, &tape);
        adamw_zero_grad(&optimizer, &tape);
        printf("step %d/%d, train loss %s\n", step + 1, NUM_STEPS, py_repr(node_data(&tape, loss), text));
        tape_truncate(&tape, model.n_params);
    }

    adamw_free(&optimizer);
    mlp_free(&model);
    tape_free(&tape);
    dataset_free(&data);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("writing the log");
        return 1;
    }
    return 0;
}
