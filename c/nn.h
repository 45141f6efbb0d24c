/* The model, the loss and the optimizer of LLM101n's micrograd.py, on the tape. */
#ifndef NN_H
#define NN_H

#include <stddef.h>

#include "data.h"
#include "engine.h"

typedef struct {
    size_t nin, nout;
    int nonlin;     /* tanh after the sum */
    NodeId *params; /* per neuron: its nin weights, then its bias */
} Layer;

typedef struct {
    size_t n_layers;
    Layer *layers;
    size_t n_params; /* the parameters are the tape's nodes 0 .. n_params - 1 */
    size_t max_width;
    NodeId *buffers; /* two layer-output buffers of max_width each, for forward */
} Mlp;

/* MLP(nin, nouts): tanh on every layer but the last; weights uniform(-1, 1) * nin**-0.5,
   drawn from r neuron by neuron, biases 0. Call first on an empty tape. */
void mlp_init(Mlp *m, Tape *t, Rng *r, size_t nin, const size_t *nouts, size_t n_layers);
void mlp_free(Mlp *m);
/* The logits for the point x (nin numbers): returns the last layer's nout nodes, valid
   until the next forward. */
const NodeId *mlp_forward(Mlp *m, Tape *t, const double *x);

/* -log(softmax(logits)[target]), built from exp, sum, division and log, without
   subtracting the largest logit first (as micrograd.py). */
NodeId cross_entropy(Tape *t, const NodeId *logits, size_t n, int target);

/* The mean cross-entropy of the model over the points, as loss_fun sums it. */
NodeId split_loss(Mlp *m, Tape *t, const Point *points, size_t n);

typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
    long t;          /* steps taken */
    size_t n_params;
    double *m, *v;   /* the moments, one per parameter */
} AdamW;

void adamw_init(AdamW *opt, size_t n_params, double lr, double beta1, double beta2, double eps,
                double weight_decay);
void adamw_free(AdamW *opt);
/* One update of the parameters (tape nodes 0 .. n_params - 1) from their grads. */
void adamw_step(AdamW *opt, Tape *t);
void adamw_zero_grad(AdamW *opt, Tape *t);

#endif
