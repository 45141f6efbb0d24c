/* A scalar autograd engine: a tape of nodes, each with its data, its gradient, the
   operation that produced it and up to two inputs, and backward() in reverse topological
   order. It does exactly the floating-point operations, in exactly the order, of
   LLM101n's micrograd.py Value, so that a run prints the same digits as the Python one. */
#ifndef ENGINE_H
#define ENGINE_H

#include <stddef.h>

typedef size_t NodeId;

typedef enum {
    OP_LEAF, /* a number: a parameter, an input or a constant */
    OP_ADD,  /* a + b */
    OP_MUL,  /* a * b */
    OP_POW,  /* a ** exponent, the exponent a number */
    OP_TANH,
    OP_EXP,
    OP_LOG
} Op;

typedef struct {
    double data;
    double grad;
    double exponent; /* OP_POW only */
    NodeId in[2];    /* inputs in Python's _prev order; in[1] unused for one-input ops */
    unsigned seen;   /* == Tape.epoch once the current backward() has visited the node */
    unsigned char op;
} Node;

typedef struct {
    Node *nodes;
    size_t len, cap;
    unsigned epoch;
    /* backward()'s work space, as long as nodes */
    NodeId *topo;
    NodeId *stack;
    unsigned char *next_input;
} Tape;

void tape_init(Tape *t);
void tape_free(Tape *t);
/* Forget every node from index len on (the nodes of a finished step; parameters stay). */
void tape_truncate(Tape *t, size_t len);

NodeId value(Tape *t, double data);
NodeId add(Tape *t, NodeId a, NodeId b);
NodeId mul(Tape *t, NodeId a, NodeId b);
NodeId power(Tape *t, NodeId a, double exponent);
NodeId vtanh(Tape *t, NodeId a);
NodeId vexp(Tape *t, NodeId a);
NodeId vlog(Tape *t, NodeId a);
/* Python's Value operators with a number on one side wrap it in a fresh leaf. */
NodeId add_number(Tape *t, NodeId a, double b); /* a + b, and b + a (__radd__) */
NodeId mul_number(Tape *t, NodeId a, double b); /* a * b */
NodeId neg(Tape *t, NodeId a);                  /* -a, as a * -1.0 */
NodeId divide(Tape *t, NodeId a, NodeId b);     /* a / b, as a * b**-1 */

static inline double node_data(const Tape *t, NodeId v) { return t->nodes[v].data; }
static inline double node_grad(const Tape *t, NodeId v) { return t->nodes[v].grad; }

/* Set root's grad to 1, then run every node's chain rule once, in the reverse of the
   order in which a recursive depth-first search from root over the inputs (first input
   first) finishes nodes: the order of micrograd's build_topo, without its recursion. */
void backward(Tape *t, NodeId root);

#endif
