#include "engine.h"

#include <stdio.h>
#include <stdlib.h>

#include "pyfloat.h"

static void *grow(void *p, size_t n, size_t size)
{
    void *q = realloc(p, n * size);
    if (q == NULL) {
        fprintf(stderr, "out of memory (asked for %zu bytes)\n", n * size);
        exit(EXIT_FAILURE);
    }
    return q;
}

void tape_init(Tape *t)
{
    t->nodes = NULL;
    t->topo = t->stack = NULL;
    t->next_input = NULL;
    t->len = t->cap = 0;
    t->epoch = 0;
}

void tape_free(Tape *t)
{
    free(t->nodes);
    free(t->topo);
    free(t->stack);
    free(t->next_input);
    tape_init(t);
}

void tape_truncate(Tape *t, size_t len)
{
    if (len < t->len)
        t->len = len;
}

static NodeId push(Tape *t, Op op, double x, NodeId a, NodeId b)
{
    Node *n;
    if (t->len == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->nodes = grow(t->nodes, t->cap, sizeof *t->nodes);
        t->topo = grow(t->topo, t->cap, sizeof *t->topo);
        t->stack = grow(t->stack, t->cap, sizeof *t->stack);
        t->next_input = grow(t->next_input, t->cap, sizeof *t->next_input);
    }
    n = &t->nodes[t->len];
    n->data = x;
    n->grad = 0.0;
    n->exponent = 0.0;
    n->in[0] = a;
    n->in[1] = b;
    n->seen = 0;
    n->op = (unsigned char)op;
    return t->len++;
}

static int n_inputs(const Node *n)
{
    switch (n->op) {
    case OP_LEAF:
        return 0;
    case OP_ADD:
    case OP_MUL:
        return 2;
    default:
        return 1;
    }
}

NodeId value(Tape *t, double x) { return push(t, OP_LEAF, x, 0, 0); }

NodeId add(Tape *t, NodeId a, NodeId b) { return push(t, OP_ADD, node_data(t, a) + node_data(t, b), a, b); }

NodeId mul(Tape *t, NodeId a, NodeId b) { return push(t, OP_MUL, node_data(t, a) * node_data(t, b), a, b); }

NodeId power(Tape *t, NodeId a, double exponent)
{
    NodeId out = push(t, OP_POW, py_pow(node_data(t, a), exponent), a, 0);
    t->nodes[out].exponent = exponent;
    return out;
}

NodeId vtanh(Tape *t, NodeId a) { return push(t, OP_TANH, py_tanh(node_data(t, a)), a, 0); }

NodeId vexp(Tape *t, NodeId a) { return push(t, OP_EXP, py_exp(node_data(t, a)), a, 0); }

NodeId vlog(Tape *t, NodeId a) { return push(t, OP_LOG, py_log(node_data(t, a)), a, 0); }

NodeId add_number(Tape *t, NodeId a, double b) { return add(t, a, value(t, b)); }

NodeId mul_number(Tape *t, NodeId a, double b) { return mul(t, a, value(t, b)); }

NodeId neg(Tape *t, NodeId a) { return mul_number(t, a, -1.0); }

NodeId divide(Tape *t, NodeId a, NodeId b)
{
    NodeId inverse = power(t, b, -1.0);
    return mul(t, a, inverse);
}

/* One node's _backward, term by term as micrograd.py writes it. */
static void chain_rule(Node *nodes, NodeId v)
{
    const Node *out = &nodes[v];
    Node *a = &nodes[out->in[0]];
    Node *b = &nodes[out->in[1]];

    switch (out->op) {
    case OP_LEAF:
        break;
    case OP_ADD:
        a->grad += out->grad;
        b->grad += out->grad;
        break;
    case OP_MUL:
        a->grad += b->data * out->grad;
        b->grad += a->data * out->grad;
        break;
    case OP_POW:
        a->grad += (out->exponent * py_pow(a->data, out->exponent - 1.0)) * out->grad;
        break;
    case OP_TANH:
        a->grad += (1.0 - py_pow(out->data, 2.0)) * out->grad;
        break;
    case OP_EXP:
        a->grad += out->data * out->grad;
        break;
    case OP_LOG:
        a->grad += (1.0 / a->data) * out->grad;
        break;
    }
}

void backward(Tape *t, NodeId root)
{
    Node *nodes = t->nodes;
    size_t depth = 0, n_topo = 0, i;

    if (++t->epoch == 0) { /* after 2**32 - 1 passes: start the marks afresh */
        for (i = 0; i < t->len; i++)
            nodes[i].seen = 0;
        t->epoch = 1;
    }
    nodes[root].seen = t->epoch;
    t->stack[depth] = root;
    t->next_input[depth] = 0;
    depth++;
    while (depth > 0) {
        NodeId v = t->stack[depth - 1];
        int k = t->next_input[depth - 1];
        if (k < n_inputs(&nodes[v])) {
            NodeId child = nodes[v].in[k];
            t->next_input[depth - 1] = (unsigned char)(k + 1);
            if (nodes[child].seen != t->epoch) {
                nodes[child].seen = t->epoch;
                t->stack[depth] = child;
                t->next_input[depth] = 0;
                depth++;
            }
        } else {
            t->topo[n_topo++] = v;
            depth--;
        }
    }

    nodes[root].grad = 1.0;
    for (i = n_topo; i > 0; i--)
        chain_rule(nodes, t->topo[i - 1]);
}
