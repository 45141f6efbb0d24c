#include "nn.h"

#include <stdio.h>
#include <stdlib.h>

#include "pyfloat.h"

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (p == NULL) {
        fprintf(stderr, "out of memory (%zu x %zu bytes)\n", n, size);
        exit(EXIT_FAILURE);
    }
    return p;
}

void mlp_init(Mlp *m, Tape *t, Rng *r, size_t nin, const size_t *nouts, size_t n_layers)
{
    size_t l, j, i, in = nin;

    m->n_layers = n_layers;
    m->layers = xcalloc(n_layers, sizeof *m->layers);
    m->n_params = 0;
    m->max_width = 0;
    for (l = 0; l < n_layers; l++) {
        Layer *layer = &m->layers[l];
        double scale = py_pow((double)in, -0.5);
        size_t k = 0;
        layer->nin = in;
        layer->nout = nouts[l];
        layer->nonlin = l != n_layers - 1;
        layer->params = xcalloc(nouts[l] * (in + 1), sizeof *layer->params);
        for (j = 0; j < nouts[l]; j++) {
            for (i = 0; i < in; i++)
                layer->params[k++] = value(t, rng_uniform(r, -1.0, 1.0) * scale);
            layer->params[k++] = value(t, 0.0);
        }
        m->n_params += k;
        if (nouts[l] > m->max_width)
            m->max_width = nouts[l];
        in = nouts[l];
    }
    if (t->len != m->n_params) {
        fprintf(stderr, "mlp_init: the tape must be empty before the model is made\n");
        exit(EXIT_FAILURE);
    }
    m->buffers = xcalloc(2 * m->max_width, sizeof *m->buffers);
}

void mlp_free(Mlp *m)
{
    size_t l;
    for (l = 0; l < m->n_layers; l++)
        free(m->layers[l].params);
    free(m->layers);
    free(m->buffers);
    m->layers = NULL;
    m->buffers = NULL;
    m->n_layers = m->n_params = m->max_width = 0;
}

const NodeId *mlp_forward(Mlp *m, Tape *t, const double *x)
{
    const NodeId *in = NULL;
    NodeId *out = m->buffers;
    size_t l, j, i;

    for (l = 0; l < m->n_layers; l++) {
        const Layer *layer = &m->layers[l];
        for (j = 0; j < layer->nout; j++) {
            const NodeId *w = &layer->params[j * (layer->nin + 1)];
            /* sum((wi * xi for ...), b): b + w0*x0, then + w1*x1, ... The first layer's
               inputs are numbers, so each product wraps its xi in a fresh leaf. */
            NodeId act = w[layer->nin];
            for (i = 0; i < layer->nin; i++) {
                NodeId term = l == 0 ? mul_number(t, w[i], x[i]) : mul(t, w[i], in[i]);
                act = add(t, act, term);
            }
            out[j] = layer->nonlin ? vtanh(t, act) : act;
        }
        in = out;
        out = out == m->buffers ? m->buffers + m->max_width : m->buffers;
    }
    return in;
}

NodeId cross_entropy(Tape *t, const NodeId *logits, size_t n, int target)
{
    NodeId ex[16], probs[16], denom = 0;
    size_t i;

    if (n == 0 || n > 16 || target < 0 || (size_t)target >= n) {
        fprintf(stderr, "cross_entropy: %zu logits (1 to 16) and target %d (0 to %zu)\n", n, target,
                n ? n - 1 : 0);
        exit(EXIT_FAILURE);
    }
    for (i = 0; i < n; i++)
        ex[i] = vexp(t, logits[i]);
    /* sum(ex) starts from the int 0: 0 + ex[0] is ex[0].__radd__(0), that is ex[0] + 0 */
    for (i = 0; i < n; i++)
        denom = i == 0 ? add_number(t, ex[0], 0.0) : add(t, denom, ex[i]);
    for (i = 0; i < n; i++)
        probs[i] = divide(t, ex[i], denom);
    return neg(t, vlog(t, probs[target]));
}

NodeId split_loss(Mlp *m, Tape *t, const Point *points, size_t n)
{
    NodeId total = value(t, 0.0);
    size_t i;

    for (i = 0; i < n; i++) {
        const NodeId *logits = mlp_forward(m, t, points[i].x);
        NodeId loss = cross_entropy(t, logits, m->layers[m->n_layers - 1].nout, points[i].label);
        total = add(t, total, loss);
    }
    return mul_number(t, total, 1.0 / (double)n);
}

void adamw_init(AdamW *opt, size_t n_params, double lr, double beta1, double beta2, double eps,
                double weight_decay)
{
    opt->lr = lr;
    opt->beta1 = beta1;
    opt->beta2 = beta2;
    opt->eps = eps;
    opt->weight_decay = weight_decay;
    opt->t = 0;
    opt->n_params = n_params;
    opt->m = xcalloc(n_params, sizeof *opt->m);
    opt->v = xcalloc(n_params, sizeof *opt->v);
}

void adamw_free(AdamW *opt)
{
    free(opt->m);
    free(opt->v);
    opt->m = opt->v = NULL;
    opt->n_params = 0;
}

void adamw_step(AdamW *opt, Tape *t)
{
    size_t i;

    opt->t += 1;
    for (i = 0; i < opt->n_params; i++) {
        Node *p = &t->nodes[i];
        double m_hat, v_hat;
        opt->m[i] = opt->beta1 * opt->m[i] + (1.0 - opt->beta1) * p->grad;
        opt->v[i] = opt->beta2 * opt->v[i] + (1.0 - opt->beta2) * py_pow(p->grad, 2.0);
        m_hat = opt->m[i] / (1.0 - py_pow(opt->beta1, (double)opt->t));
        v_hat = opt->v[i] / (1.0 - py_pow(opt->beta2, (double)opt->t));
        /* micrograd.py adds the literal 1e-8 here, not eps (the same number by default) */
        p->data -= opt->lr * (m_hat / (py_pow(v_hat, 0.5) + 1e-8) + opt->weight_decay * p->data);
    }
}

void adamw_zero_grad(AdamW *opt, Tape *t)
{
    size_t i;
    for (i = 0; i < opt->n_params; i++)
        t->nodes[i].grad = 0.0;
}
