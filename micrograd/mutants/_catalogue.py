"""The catalogue: realistic student mistakes, each an edit of the reference.

Edits are exact substrings of reference/engine.py or reference/nn.py, so every
mutant follows the reference when it changes (a substring that no longer matches
is an error naming the mutant, caught by the tests).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict

from micrograd.mutants._mutant import Mutant

__all__ = ["CATALOGUE", "mutant"]

_E, _N = "engine.py", "nn.py"

# Frequently used fragments of the reference (indentation matters).
_ADD_BACKWARD = "            self.grad += out.grad\n            other.grad += out.grad\n"
_MUL_BACKWARD = "            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad\n"
_ADD_WRAP = (
    '"""self + other: both inputs receive out.grad unchanged."""\n'
    "        other = other if isinstance(other, Value) else Value(other)\n"
)
_MUL_WRAP = (
    '"""self * other: each input receives out.grad times the other input\'s data."""\n'
    "        other = other if isinstance(other, Value) else Value(other)\n"
)
_POW_BACKWARD = "self.grad += other * self.data**(other - 1) * out.grad"
_TOPO = """        topo, visited = [], set()
        stack = [(self, False)]  # (node, are its inputs already in topo?)
        while stack:
            v, inputs_done = stack.pop()
            if inputs_done:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                stack.extend((child, False) for child in reversed(v._prev))
"""
_RECURSIVE_TOPO = """        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
"""
_TOPO_AND_LOOP = _TOPO + """
        self.grad = 1
        for v in reversed(topo):
            v._backward()
"""
_DEPTH_FIRST = """        self.grad = 1

        def visit(v):
            v._backward()
            for child in v._prev:
                visit(child)
        visit(self)
"""
_PREORDER = """        self.grad = 1
        visited, stack = set(), [self]
        while stack:  # root first: each node's _backward as soon as it is reached
            v = stack.pop()
            if v not in visited:
                visited.add(v)
                v._backward()
                stack.extend(v._prev)
"""
_BREADTH_FIRST = """        self.grad = 1
        queue, seen = [self], {self}
        for v in queue:  # breadth first from the root
            v._backward()
            for child in v._prev:
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
"""
_RECURSION_HACK = """        __import__('sys').setrecursionlimit(100_000)  # deep graphs need a deeper stack
""" + _RECURSIVE_TOPO
_REPR = "    def __repr__(self):\n"
_EQ = """    def __eq__(self, other):  # two Values are equal when their data are
        return isinstance(other, Value) and self.data == other.data

"""
_NEURON_SUM = "act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)"
_NONLIN = "return act.relu() if self.nonlin else act"
_LAYER_CALL = "        out = [n(x) for n in self.neurons]\n        return out[0] if len(out) == 1 else out\n"
_MLP_CALL = "        for layer in self.layers:\n            x = layer(x)\n        return x\n"

_ENTRIES = [
    # --- add -------------------------------------------------------------------------------
    Mutant("add_forward_subtracts", "add", _E,
           "a + b computes a - b (a sign slip in the forward pass)",
           "the data of a + b is self.data + other.data",
           "Value(self.data + other.data, (self, other), '+')",
           "Value(self.data - other.data, (self, other), '+')"),
    Mutant("add_backward_first_input_only", "add", _E,
           "only the first input of a sum receives a gradient",
           "in a + b both inputs receive out.grad: update self.grad and other.grad",
           _ADD_BACKWARD, "            self.grad += out.grad\n"),
    Mutant("add_backward_uses_out_data", "add", _E,
           "the gradient passed back is the output's value (out.data) rather than its gradient (out.grad)",
           "_backward propagates out.grad (the derivative of the root), not out.data (the value)",
           _ADD_BACKWARD, "            self.grad += out.data\n            other.grad += out.data\n"),
    Mutant("add_scalar_not_wrapped", "add", _E,
           "a + 2 works without wrapping the plain number in a Value",
           "wrap a plain number operand: other = other if isinstance(other, Value) else Value(other)",
           _ADD_WRAP, '"""self + other: both inputs receive out.grad unchanged."""\n'),
    # --- mul -------------------------------------------------------------------------------
    Mutant("mul_forward_adds", "mul", _E,
           "a * b computes a + b",
           "the data of a * b is self.data * other.data",
           "Value(self.data * other.data, (self, other), '*')",
           "Value(self.data + other.data, (self, other), '*')"),
    Mutant("mul_backward_own_data", "mul", _E,
           "each factor's derivative is its own value instead of the other factor's",
           "d(a*b)/da = b: self.grad gets other.data * out.grad, and other.grad gets self.data * out.grad",
           _MUL_BACKWARD,
           "            self.grad += self.data * out.grad\n            other.grad += other.data * out.grad\n"),
    Mutant("mul_backward_no_chain_rule", "mul", _E,
           "the local derivative is enough; forgetting to multiply by out.grad (the chain rule)",
           "chain rule: multiply each local derivative by out.grad",
           _MUL_BACKWARD, "            self.grad += other.data\n            other.grad += self.data\n"),
    Mutant("mul_scalar_not_wrapped", "mul", _E,
           "a * 2 works without wrapping the plain number in a Value",
           "wrap a plain number operand: other = other if isinstance(other, Value) else Value(other)",
           _MUL_WRAP, '"""self * other: each input receives out.grad times the other input\'s data."""\n'),
    # --- pow -------------------------------------------------------------------------------
    Mutant("pow_exponent_off_by_one", "pow", _E,
           "d(x**n)/dx = n * x**n (the exponent is not decreased)",
           "d(x**n)/dx = n * x**(n-1): lower the exponent by one",
           _POW_BACKWARD, "self.grad += other * self.data**other * out.grad"),
    Mutant("pow_backward_missing_factor", "pow", _E,
           "d(x**n)/dx = x**(n-1) (the factor n is dropped)",
           "d(x**n)/dx = n * x**(n-1): keep the factor n",
           _POW_BACKWARD, "self.grad += self.data**(other - 1) * out.grad"),
    Mutant("pow_forward_multiplies", "pow", _E,
           "x ** n computes x * n",
           "the data of x ** n is self.data ** other",
           "Value(self.data**other, (self,), f'**{other}')",
           "Value(self.data * other, (self,), f'**{other}')"),
    Mutant("pow_accepts_value_exponent", "pow", _E,
           "a Value exponent can be used by taking its data (its gradient is silently lost)",
           "only int and float exponents are supported: a ** b with a Value b must raise TypeError",
           "        if not isinstance(other, (int, float)):\n",
           "        other = other.data if isinstance(other, Value) else other\n"
           "        if not isinstance(other, (int, float)):\n"),
    # --- neg_sub ---------------------------------------------------------------------------
    Mutant("neg_detached", "neg_sub", _E,
           "-a can be a fresh Value(-a.data); the graph does not need to remember a",
           "-a must be built from operations on a (e.g. a * -1) so the gradient flows back to a",
           "        return self * -1\n", "        return Value(-self.data)\n"),
    Mutant("neg_forgets_sign", "neg_sub", _E,
           "negation multiplies by 1",
           "-a is a * -1",
           "        return self * -1\n", "        return self * 1\n"),
    Mutant("sub_adds", "neg_sub", _E,
           "a - b is a + b (the negation of b is forgotten)",
           "a - b is a + (-b): negate the second operand",
           "        return self + (-other)\n", "        return self + other\n"),
    Mutant("sub_reversed", "neg_sub", _E,
           "a - b is b - a (operands swapped)",
           "in __sub__, self is the left operand: a - b is self + (-other)",
           "        return self + (-other)\n", "        return other + (-self)\n"),
    # --- div -------------------------------------------------------------------------------
    Mutant("div_reversed", "div", _E,
           "a / b is b / a (operands swapped)",
           "in __truediv__, self is the numerator: a / b is self * other**-1",
           "        return self * other**-1\n", "        return other * self**-1\n"),
    Mutant("div_multiplies", "div", _E,
           "a / b is a * b (the reciprocal is forgotten)",
           "a / b is a * b**-1",
           "        return self * other**-1\n", "        return self * other\n"),
    # --- reflected -------------------------------------------------------------------------
    Mutant("rsub_as_sub", "reflected", _E,
           "2 - a is a - 2: __rsub__ written like __sub__",
           "in __rsub__, other is the left operand: 2 - a is other + (-self)",
           "        return other + (-self)\n", "        return self - other\n"),
    Mutant("rtruediv_as_truediv", "reflected", _E,
           "2 / a is a / 2: __rtruediv__ written like __truediv__",
           "in __rtruediv__, other is the numerator: 2 / a is other * self**-1",
           "        return other * self**-1\n", "        return self * other**-1\n"),
    Mutant("radd_missing", "reflected", _E,
           "2 + a works once a + 2 works (no __radd__ needed)",
           "define __radd__: Python calls a.__radd__(2) for 2 + a",
           "    def __radd__(self, other):  # other + self: addition commutes\n"
           "        ### BEGIN SOLUTION\n        return self + other\n        ### END SOLUTION\n\n",
           ""),
    Mutant("rmul_recurses", "reflected", _E,
           "__rmul__ can return other * self (which calls __rmul__ again, forever)",
           "in __rmul__ return self * other: other * self calls __rmul__ again",
           "        return self * other\n        ### END SOLUTION\n\n    def __rtruediv__",
           "        return other * self\n        ### END SOLUTION\n\n    def __rtruediv__"),
    # --- relu ------------------------------------------------------------------------------
    Mutant("relu_grad_one_at_zero", "relu", _E,
           "relu'(0) = 1",
           "relu'(0) = 0 (as in PyTorch): pass the gradient only where the input is > 0",
           "(out.data > 0) * out.grad", "(self.data >= 0) * out.grad"),
    Mutant("relu_backward_passes_everything", "relu", _E,
           "relu passes every gradient back, even where it clamped its input",
           "relu's derivative is 0 where the input is negative: (out.data > 0) * out.grad",
           "(out.data > 0) * out.grad", "out.grad"),
    Mutant("relu_forward_identity", "relu", _E,
           "relu returns its input unchanged (the clamp at 0 is forgotten)",
           "relu(x) = max(0, x): negative inputs give 0",
           "Value(0 if self.data < 0 else self.data, (self,), 'ReLU')",
           "Value(self.data, (self,), 'ReLU')"),
    # --- tanh ------------------------------------------------------------------------------
    Mutant("tanh_derivative_uses_input", "tanh", _E,
           "tanh'(x) = 1 - x**2 (the input instead of tanh(x))",
           "tanh'(x) = 1 - tanh(x)**2: use out.data, the output",
           "(1 - out.data**2) * out.grad", "(1 - self.data**2) * out.grad"),
    Mutant("tanh_derivative_not_squared", "tanh", _E,
           "tanh'(x) = 1 - tanh(x)",
           "tanh'(x) = 1 - tanh(x)**2: square the output",
           "(1 - out.data**2) * out.grad", "(1 - out.data) * out.grad"),
    Mutant("tanh_forward_formula_overflows", "tanh", _E,
           "tanh(x) = (e**2x - 1) / (e**2x + 1) is fine for every x (it overflows for large x)",
           "use math.tanh: the exp formula overflows for large inputs",
           "Value(math.tanh(self.data), (self,), 'tanh')",
           "Value((math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1), (self,), 'tanh')"),
    # --- exp -------------------------------------------------------------------------------
    Mutant("exp_backward_uses_input", "exp", _E,
           "d(e**x)/dx = x",
           "d(e**x)/dx = e**x: use out.data, the output",
           "self.grad += out.data * out.grad", "self.grad += self.data * out.grad"),
    Mutant("exp_backward_derivative_one", "exp", _E,
           "exp passes its gradient through unchanged",
           "d(e**x)/dx = e**x: multiply out.grad by out.data",
           "self.grad += out.data * out.grad", "self.grad += out.grad"),
    # --- log -------------------------------------------------------------------------------
    Mutant("log_backward_multiplies", "log", _E,
           "d(log x)/dx = x",
           "d(log x)/dx = 1/x: divide out.grad by self.data",
           "self.grad += (1 / self.data) * out.grad", "self.grad += self.data * out.grad"),
    Mutant("log_backward_uses_output", "log", _E,
           "d(log x)/dx = 1/log(x)",
           "d(log x)/dx = 1/x: divide by the input self.data, not the output",
           "self.grad += (1 / self.data) * out.grad", "self.grad += (1 / out.data) * out.grad"),
    Mutant("log_forward_base10", "log", _E,
           "log is the base-10 logarithm",
           "log is the natural logarithm: math.log",
           "Value(math.log(self.data), (self,), 'log')", "Value(math.log10(self.data), (self,), 'log')"),
    # --- backward --------------------------------------------------------------------------
    Mutant("topo_not_reversed", "backward", _E,
           "running _backward from the leaves to the root works",
           "call _backward in reverse topological order: from the root back to the leaves",
           "        for v in reversed(topo):\n", "        for v in topo:\n"),
    Mutant("root_not_seeded", "backward", _E,
           "the root's gradient starts at 0 (d root / d root is never set to 1)",
           "seed the root: self.grad = 1 before calling the _backward functions",
           "        self.grad = 1\n        for v in reversed(topo):\n", "        for v in reversed(topo):\n"),
    Mutant("no_visited_set", "backward", _E,
           "a node can be put in the topological order more than once",
           "keep a visited set: each node's _backward must run exactly once",
           "            elif v not in visited:\n", "            else:\n"),
    Mutant("no_topological_order", "backward", _E,
           "walking the graph depth-first from the root, calling _backward on the way, is enough",
           "order the nodes topologically first: a node's _backward may run only after all its users'",
           _TOPO_AND_LOOP, _DEPTH_FIRST),
    Mutant("grad_starts_at_one", "backward", _E,
           "a new Value's gradient starts at 1",
           "a new Value's grad is 0: nothing has been propagated into it yet",
           "        self.grad = 0\n", "        self.grad = 1\n"),
    Mutant("backward_preorder", "backward", _E,
           "calling each node's _backward as the walk from the root reaches it (with a visited set) is enough",
           "a node's _backward may run only after all its users': build a topological order, run it reversed",
           _TOPO_AND_LOOP, _PREORDER),
    Mutant("backward_breadth_first", "backward", _E,
           "a breadth-first walk from the root is a good order for the _backward calls",
           "a node's _backward may run only after all its users': build a topological order, run it reversed",
           _TOPO_AND_LOOP, _BREADTH_FIRST),
    Mutant("backward_resets_grads", "backward", _E,
           "backward() should start every node of the graph from grad 0",
           "backward() adds into the grads: a second backward() on another root must add to shared leaves",
           "        self.grad = 1\n        for v in reversed(topo):\n",
           "        for v in topo:\n            v.grad = 0\n        self.grad = 1\n        for v in reversed(topo):\n"),
    Mutant("value_equality_visited", "backward", _E,
           "Values with the same data may compare (and hash) equal",
           "keep identity-based __eq__ and __hash__: backward's visited set must tell any two nodes apart",
           _REPR, _EQ + "    def __hash__(self):\n        return hash(self.data)\n\n" + _REPR),
    Mutant("eq_without_hash", "backward", _E,
           "defining __eq__ is harmless",
           "a class that defines __eq__ without __hash__ is unhashable: no set of Values, no visited set",
           _REPR, _EQ + _REPR),
    # --- accumulation ----------------------------------------------------------------------
    Mutant("add_assigns_grad", "accumulation", _E,
           "_backward can assign gradients (=) instead of adding to them (+=)",
           "a node used twice must receive the sum of both contributions: accumulate with += in _backward",
           _ADD_BACKWARD, "            self.grad = out.grad\n            other.grad = out.grad\n"),
    Mutant("mul_assigns_grad", "accumulation", _E,
           "_backward can assign gradients (=) instead of adding to them (+=)",
           "a node used twice must receive the sum of both contributions: accumulate with += in _backward",
           _MUL_BACKWARD,
           "            self.grad = other.data * out.grad\n            other.grad = self.data * out.grad\n"),
    Mutant("pow_assigns_grad", "accumulation", _E,
           "_backward can assign gradients (=) instead of adding to them (+=)",
           "a node used twice must receive the sum of both contributions: accumulate with += in _backward",
           _POW_BACKWARD, "self.grad = other * self.data**(other - 1) * out.grad"),
    Mutant("tanh_assigns_grad", "accumulation", _E,
           "_backward can assign gradients (=) instead of adding to them (+=)",
           "a node used twice must receive the sum of both contributions: accumulate with += in _backward",
           "self.grad += (1 - out.data**2) * out.grad", "self.grad = (1 - out.data**2) * out.grad"),
    Mutant("log_assigns_grad", "accumulation", _E,
           "_backward can assign gradients (=) instead of adding to them (+=)",
           "a node used twice must receive the sum of both contributions: accumulate with += in _backward",
           "self.grad += (1 / self.data) * out.grad", "self.grad = (1 / self.data) * out.grad"),
    # --- deep ------------------------------------------------------------------------------
    Mutant("recursive_build_topo", "deep", _E,
           "a recursive topological sort is fine (it exceeds Python's recursion limit on deep graphs)",
           "build the topological order with an explicit stack: recursion fails beyond ~1000 nodes",
           _TOPO, _RECURSIVE_TOPO),
    Mutant("recursion_limit_raised", "deep", _E,
           "a recursive topological sort is fine once sys.setrecursionlimit is raised",
           "build the topological order with an explicit stack: a raised limit makes Python crash instead",
           _TOPO, _RECURSION_HACK),
    # --- neuron ----------------------------------------------------------------------------
    Mutant("neuron_bias_not_added", "neuron", _N,
           "a neuron computes w . x (the bias is forgotten)",
           "a neuron's activation is w . x + b: start the sum at self.b",
           _NEURON_SUM, "act = sum(wi * xi for wi, xi in zip(self.w, x))"),
    Mutant("neuron_nonlin_ignored", "neuron", _N,
           "every neuron applies relu, even with nonlin=False (so the last layer of an MLP is clamped)",
           "apply relu only when self.nonlin is True; a linear neuron returns w . x + b",
           _NONLIN, "return act.relu()"),
    Mutant("neuron_tanh_instead_of_relu", "neuron", _N,
           "a neuron's nonlinearity is tanh",
           "this course's neurons use relu: relu(w . x + b)",
           _NONLIN, "return act.tanh() if self.nonlin else act"),
    Mutant("neuron_uses_weight_data", "neuron", _N,
           "the weights can be used as plain numbers (wi.data): the output is right, but no gradient reaches w",
           "multiply the Values themselves (wi * xi), not wi.data, so gradients flow back to the weights",
           "act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           "act = sum((wi.data * xi for wi, xi in zip(self.w, x)), self.b)"),
    # --- layer -----------------------------------------------------------------------------
    Mutant("layer_nout1_returns_list", "layer", _N,
           "a layer always returns a list, even with a single neuron",
           "a Layer with nout == 1 returns the single Value, not a list of one",
           _LAYER_CALL, "        out = [n(x) for n in self.neurons]\n        return out\n"),
    Mutant("layer_first_neuron_only", "layer", _N,
           "a layer returns its first neuron's output",
           "a Layer returns every neuron's output (a list), a single Value only when nout == 1",
           _LAYER_CALL, "        out = [n(x) for n in self.neurons]\n        return out[0]\n"),
    Mutant("layer_miswired", "layer", _N,
           "each neuron of a layer reads a different arrangement of the inputs",
           "every neuron of a Layer reads the same inputs x, in the same order",
           "        out = [n(x) for n in self.neurons]\n",
           "        out = [n(x[i:] + x[:i]) for i, n in enumerate(self.neurons)]\n"),
    Mutant("layer_shares_one_neuron", "layer", _N,
           "[Neuron(nin)] * nout makes nout different neurons (it repeats one neuron)",
           "build each neuron separately: [Neuron(nin, **kwargs) for _ in range(nout)]",
           "self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]",
           "self.neurons = [Neuron(nin, **kwargs)] * nout"),
    # --- mlp -------------------------------------------------------------------------------
    Mutant("mlp_input_not_chained", "mlp", _N,
           "every layer reads the network's input, not the previous layer's output",
           "feed each layer the previous layer's output: x = layer(x)",
           _MLP_CALL, "        for layer in self.layers:\n            out = layer(x)\n        return out\n"),
    Mutant("mlp_layers_reversed", "mlp", _N,
           "the layers run from the last to the first",
           "apply the layers in order, first to last",
           "        for layer in self.layers:\n            x = layer(x)\n",
           "        for layer in reversed(self.layers):\n            x = layer(x)\n"),
    Mutant("mlp_last_layer_relu", "mlp", _N,
           "every layer of an MLP, the last one included, uses relu",
           "the last layer of an MLP is linear (nonlin=False) so the output can be negative",
           "nonlin=i != len(nouts) - 1", "nonlin=True"),
    # --- parameters ------------------------------------------------------------------------
    Mutant("neuron_parameters_no_bias", "parameters", _N,
           "a neuron's parameters are its weights only",
           "Neuron.parameters() is the weights w, then the bias b",
           "        return self.w + [self.b]\n", "        return self.w\n"),
    Mutant("neuron_parameters_bias_first", "parameters", _N,
           "the order of parameters does not matter",
           "canonical order: each neuron's weights w first and its bias b last",
           "        return self.w + [self.b]\n", "        return [self.b] + self.w\n"),
    Mutant("layer_parameters_nested", "parameters", _N,
           "a layer's parameters can be a list of each neuron's list",
           "flatten: Layer.parameters() is one flat list of Values, neuron by neuron",
           "[p for n in self.neurons for p in n.parameters()]", "[n.parameters() for n in self.neurons]"),
    Mutant("mlp_parameters_reversed", "parameters", _N,
           "the order of the layers' parameters does not matter",
           "canonical order: MLP.parameters() lists the layers first to last",
           "[p for layer in self.layers for p in layer.parameters()]",
           "[p for layer in reversed(self.layers) for p in layer.parameters()]"),
    Mutant("mlp_parameters_first_layer_only", "parameters", _N,
           "an MLP's parameters are those of its first layer",
           "MLP.parameters() collects the parameters of every layer",
           "        return [p for layer in self.layers for p in layer.parameters()]\n",
           "        return self.layers[0].parameters()\n"),
    # --- zero_grad -------------------------------------------------------------------------
    Mutant("zero_grad_resets_data", "zero_grad", _N,
           "zero_grad sets the parameters' values to 0",
           "zero_grad resets p.grad, never p.data (the learned values)",
           "            p.grad = 0\n", "            p.data = 0\n"),
    Mutant("zero_grad_rebinds_loop_variable", "zero_grad", _N,
           "assigning to the loop variable (p = 0) changes the parameter",
           "set the attribute: p.grad = 0 (p = 0 only rebinds the loop variable)",
           "            p.grad = 0\n", "            p = 0\n"),
]

# --- the LLM101n module: cross_entropy and AdamW.step (reference/nn.py) ---------------------------
_CE_EXPS = "ex = [(v - top).exp() for v in logits]"
_CE_LOSS = "return -(ex[target] / sum(ex)).log()"
_ADAMW_T = "        self.t += 1\n        for i, p in enumerate(self.parameters):\n"
_ADAMW_MOMENTS = (
    "            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * p.grad\n"
    "            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * p.grad**2\n"
    "            m_hat = self.m[i] / (1 - self.beta1**self.t)\n"
    "            v_hat = self.v[i] / (1 - self.beta2**self.t)\n"
)
_ADAMW_UPDATE = "            p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.weight_decay * p.data)\n"

_ENTRIES += [
    Mutant("ce_no_max_subtraction", "cross_entropy", _N,
           "exp of the raw logits is fine (the module's published formula): exp overflows beyond 709",
           "subtract the largest logit before exp: the softmax is unchanged and exp cannot overflow",
           _CE_EXPS, "ex = [v.exp() for v in logits]"),
    Mutant("ce_sign_flipped", "cross_entropy", _N,
           "the loss is log(p[target]) (the minus sign is dropped: the loss is negative)",
           "the loss is -log(p[target]): minus the log of the target's probability",
           _CE_LOSS, "return (ex[target] / sum(ex)).log()"),
    Mutant("ce_not_normalized", "cross_entropy", _N,
           "exp(logit[target]) is already the probability (no division by the sum)",
           "p[target] is exp(logit[target]) divided by the sum of all the exps (the softmax)",
           _CE_LOSS, "return -ex[target].log()"),
    Mutant("ce_first_class", "cross_entropy", _N,
           "the loss reads the first class's probability, whatever the target",
           "take the probability of the target class: ex[target]",
           _CE_LOSS, "return -(ex[0] / sum(ex)).log()"),
    Mutant("adamw_t_not_incremented", "adamw", _N,
           "the step counter t takes care of itself (it stays 0: the bias corrections divide by 0)",
           "count the steps: self.t += 1 at the start of step()",
           _ADAMW_T, "        for i, p in enumerate(self.parameters):\n"),
    Mutant("adamw_t_per_parameter", "adamw", _N,
           "t is incremented inside the loop over the parameters",
           "t counts calls to step(): increment it once per step, before the loop",
           _ADAMW_T, "        for i, p in enumerate(self.parameters):\n            self.t += 1\n"),
    Mutant("adamw_no_bias_correction", "adamw", _N,
           "the moments m and v can be used as they are (no bias correction)",
           "correct the bias: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)",
           "            m_hat = self.m[i] / (1 - self.beta1**self.t)\n"
           "            v_hat = self.v[i] / (1 - self.beta2**self.t)\n",
           "            m_hat = self.m[i]\n            v_hat = self.v[i]\n"),
    Mutant("adamw_bias_correction_swapped", "adamw", _N,
           "the bias corrections of m and v use each other's beta",
           "m_hat divides by 1 - beta1**t, v_hat by 1 - beta2**t: each moment with its own beta",
           "            m_hat = self.m[i] / (1 - self.beta1**self.t)\n"
           "            v_hat = self.v[i] / (1 - self.beta2**self.t)\n",
           "            m_hat = self.m[i] / (1 - self.beta2**self.t)\n"
           "            v_hat = self.v[i] / (1 - self.beta1**self.t)\n"),
    Mutant("adamw_weight_decay_in_gradient", "adamw", _N,
           "weight decay is added to the gradient (Adam with L2), as in AdamW",
           "AdamW decouples the decay: subtract lr * weight_decay * p.data in the update, not via the grad",
           _ADAMW_MOMENTS + _ADAMW_UPDATE,
           "            g = p.grad + self.weight_decay * p.data\n"
           + _ADAMW_MOMENTS.replace("* p.grad", "* g")
           + "            p.data -= self.lr * m_hat / (v_hat**0.5 + self.eps)\n"),
    Mutant("adamw_eps_inside_sqrt", "adamw", _N,
           "eps can go inside the square root: sqrt(v_hat + eps)",
           "eps goes outside the square root: m_hat / (v_hat**0.5 + eps)",
           "m_hat / (v_hat**0.5 + self.eps)", "m_hat / (v_hat + self.eps)**0.5"),
    Mutant("adamw_moments_not_stored", "adamw", _N,
           "the moments can be local variables (they restart from 0 at every step)",
           "store the moments back in self.m[i] and self.v[i]: they are kept from step to step",
           _ADAMW_MOMENTS,
           _ADAMW_MOMENTS.replace("self.m[i] = ", "m = ").replace("self.v[i] = ", "v = ")
           .replace("m_hat = self.m[i]", "m_hat = m").replace("v_hat = self.v[i]", "v_hat = v")),
    Mutant("adamw_moments_shared", "adamw", _N,
           "one first and one second moment serve every parameter",
           "keep one m and one v per parameter: self.m[i], self.v[i]",
           _ADAMW_MOMENTS, _ADAMW_MOMENTS.replace("[i]", "[0]")),
]

# The phrase the failing property's hint must contain to name each mutant's misconception: the
# method to fix for a wrong rule or value, or the words of the misconception or of its fix
# (for the nn exercises, whose hints state the fix: "x = layer(x)" answers "layers not chained").
_FEEDBACK: Dict[str, str] = {
    "add_forward_subtracts": "Value.__add__",
    "add_backward_first_input_only": "Value.__add__",
    "add_backward_uses_out_data": "not out.data",
    "add_scalar_not_wrapped": "Value(other)",
    "mul_forward_adds": "Value.__mul__",
    "mul_backward_own_data": "Value.__mul__",
    "mul_backward_no_chain_rule": "out.grad",
    "mul_scalar_not_wrapped": "Value(other)",
    "pow_exponent_off_by_one": "Value.__pow__",
    "pow_backward_missing_factor": "Value.__pow__",
    "pow_forward_multiplies": "Value.__pow__",
    "pow_accepts_value_exponent": "raise TypeError",
    "neg_detached": "Value.__neg__",
    "neg_forgets_sign": "Value.__neg__",
    "sub_adds": "Value.__sub__",
    "sub_reversed": "Value.__sub__",
    "div_reversed": "Value.__truediv__",
    "div_multiplies": "Value.__truediv__",
    "rsub_as_sub": "Value.__rsub__",
    "rtruediv_as_truediv": "Value.__rtruediv__",
    "radd_missing": "__radd__",
    "rmul_recurses": "__rmul__",
    "relu_grad_one_at_zero": "relu'(0) = 0",
    "relu_backward_passes_everything": "Value.relu",
    "relu_forward_identity": "Value.relu",
    "tanh_derivative_uses_input": "Value.tanh",
    "tanh_derivative_not_squared": "Value.tanh",
    "tanh_forward_formula_overflows": "math.tanh",
    "exp_backward_uses_input": "Value.exp",
    "exp_backward_derivative_one": "Value.exp",
    "log_backward_multiplies": "Value.log",
    "log_backward_uses_output": "Value.log",
    "log_forward_base10": "Value.log",
    "topo_not_reversed": "reverse topological order",
    "root_not_seeded": "root's own grad to 1",
    "no_visited_set": "visited set",
    "no_topological_order": "topological order",
    "grad_starts_at_one": "grad must be 0",
    "backward_preorder": "as soon as it reaches it",
    "backward_breadth_first": "as soon as it reaches it",
    "backward_resets_grads": "must add to the leaves' grads",
    "value_equality_visited": "compares Values by their data",
    "eq_without_hash": "unhashable",
    "add_assigns_grad": "accumulate with +=",
    "mul_assigns_grad": "accumulate with +=",
    "pow_assigns_grad": "accumulate with +=",
    "tanh_assigns_grad": "accumulate with +=",
    "log_assigns_grad": "accumulate with +=",
    "recursive_build_topo": "explicit stack",
    "recursion_limit_raised": "sys.setrecursionlimit",
    "neuron_bias_not_added": "bias",
    "neuron_nonlin_ignored": "nonlin",
    "neuron_tanh_instead_of_relu": "relu",
    "neuron_uses_weight_data": "Value operations",
    "layer_nout1_returns_list": "len(out) == 1",
    "layer_first_neuron_only": "every neuron",
    "layer_miswired": "same x",
    "layer_shares_one_neuron": "separate",
    "mlp_input_not_chained": "x = layer(x)",
    "mlp_layers_reversed": "in order",
    "mlp_last_layer_relu": "last layer",
    "neuron_parameters_no_bias": "bias",
    "neuron_parameters_bias_first": "bias",
    "layer_parameters_nested": "flat",
    "mlp_parameters_reversed": "layer by layer",
    "mlp_parameters_first_layer_only": "layer by layer",
    "zero_grad_resets_data": "p.grad = 0",
    "zero_grad_rebinds_loop_variable": "p.grad = 0",
}
_FEEDBACK.update({
    "ce_no_max_subtraction": "subtract the largest logit",
    "ce_sign_flipped": "minus the log",
    "ce_not_normalized": "divided by the sum",
    "ce_first_class": "target class",
    "adamw_t_not_incremented": "self.t += 1",
    "adamw_t_per_parameter": "once per step",
    "adamw_no_bias_correction": "correct the bias",
    "adamw_bias_correction_swapped": "its own beta",
    "adamw_weight_decay_in_gradient": "decouples",
    "adamw_eps_inside_sqrt": "outside the square root",
    "adamw_moments_not_stored": "store the moments",
    "adamw_moments_shared": "one m and one v per parameter",
})

#: every mutant, by name, in catalogue order
CATALOGUE: Dict[str, Mutant] = {}
for _entry in _ENTRIES:
    if _entry.name not in _FEEDBACK:
        raise ValueError(f"mutant {_entry.name!r} has no feedback phrase in _FEEDBACK")
    _entry = replace(_entry, feedback=_FEEDBACK[_entry.name])
    if _entry.name in CATALOGUE:
        raise ValueError(f"duplicate mutant name {_entry.name!r} in the catalogue")
    CATALOGUE[_entry.name] = _entry


def mutant(name: str) -> Mutant:
    """The catalogue entry ``name``; an unknown name is a ValueError listing the valid ones."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ValueError(f"unknown mutant {name!r}; expected one of {', '.join(CATALOGUE)}") from None

