"""What the course says about each operation: its exercise, the rule in words, the usual mistakes.

Data only, keyed by operation (the names of :data:`micrograd.ops.OPERATIONS`); the exercises
(``micrograd.verdict.EXERCISES``), the verdicts' hints and the mutant catalogue are derived
from it. An instructor adapting the course edits the words here; docs/adding-an-operation.md
says what a new operation needs.
"""

from __future__ import annotations

from typing import Dict, Tuple

__all__ = ["EXERCISES", "KINK_HINTS", "MISTAKES", "OVERFLOWS", "REFLECTED", "RULES"]

#: the exercise of the reflected operators (``2 + a`` calls ``a.__radd__(2)``): every binary operation's
#: reflected method, whatever exercise its own method is in
REFLECTED = "reflected"

#: the exercises about operations, in the order students meet them: name -> (title, operations)
EXERCISES: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    "add": ("addition", ("add",)),
    "mul": ("multiplication", ("mul",)),
    "pow": ("power", ("pow",)),
    "neg_sub": ("negation and subtraction", ("neg", "sub")),
    "div": ("division", ("div",)),
    REFLECTED: ("reflected operators", ()),
    "relu": ("relu", ("relu",)),
    "tanh": ("tanh", ("tanh",)),
    "exp": ("exp", ("exp",)),
    "log": ("log", ("log",)),
    "sigmoid": ("sigmoid", ("sigmoid",)),
}

#: the local rule each operation's _backward applies, in the words a student needs
RULES: Dict[str, str] = {
    "add": "in a + b, both a and b receive out.grad",
    "sub": "a - b is a + (-b): a receives out.grad and b receives -out.grad",
    "mul": "in a * b, a receives b.data * out.grad and b receives a.data * out.grad",
    "div": "a / b is a * b**-1: a receives out.grad / b.data and b receives -a.data / b.data**2 * out.grad",
    "pow": "x ** n sends n * x.data**(n - 1) * out.grad to x",
    "neg": "-x is x * -1: x receives -out.grad",
    "relu": "x.relu() sends out.grad to x where x.data > 0 and 0 elsewhere (relu'(0) = 0)",
    "tanh": "x.tanh() sends (1 - out.data**2) * out.grad to x",
    "exp": "x.exp() sends out.data * out.grad to x (exp is its own derivative)",
    "log": "x.log() sends out.grad / x.data to x",
    "sigmoid": "x.sigmoid() sends out.data * (1 - out.data) * out.grad to x",
}

#: the hint for a wrong gradient at a kink of the operation's input (see Operation.kinks)
KINK_HINTS: Dict[str, str] = {
    "relu": "relu'(0) = 0 (as in PyTorch): send out.grad only where the input is > 0, strictly.",
}

#: operations whose OverflowError the "overflow" hint explains (a formula built on exp overflows)
OVERFLOWS: Tuple[str, ...] = ("tanh", "exp")

# Fragments of reference/engine.py that several mistakes edit (indentation matters).
_ADD_BACKWARD = "            self.grad += out.grad\n            other.grad += out.grad\n"
_MUL_BACKWARD = "            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad\n"
_POW_BACKWARD = "self.grad += other * self.data**(other - 1) * out.grad"
_WRAP = "        other = other if isinstance(other, Value) else Value(other)\n"
_ADD_DOC = '"""self + other: both inputs receive out.grad unchanged."""\n'
_MUL_DOC = '"""self * other: each input receives out.grad times the other input\'s data."""\n'
_ASSIGNS = ("_backward can assign gradients (=) instead of adding to them (+=)",
            "a node used twice must receive the sum of both contributions: accumulate with += in _backward",
            "accumulate with +=")

#: the usual mistakes with each operation, as edits of reference/engine.py (the mutant catalogue):
#: operation -> (name, exercise, misconception, hint, old text, new text, the phrase the failing
#: property's hint must contain to name the misconception)
MISTAKES: Dict[str, Tuple[Tuple[str, str, str, str, str, str, str], ...]] = {
    "add": (
        ("add_forward_subtracts", "add", "a + b computes a - b (a sign slip in the forward pass)",
         "the data of a + b is self.data + other.data",
         "Value(self.data + other.data, (self, other), '+')", "Value(self.data - other.data, (self, other), '+')",
         "Value.__add__"),
        ("add_backward_first_input_only", "add", "only the first input of a sum receives a gradient",
         "in a + b both inputs receive out.grad: update self.grad and other.grad",
         _ADD_BACKWARD, "            self.grad += out.grad\n", "Value.__add__"),
        ("add_backward_uses_out_data", "add",
         "the gradient passed back is the output's value (out.data) rather than its gradient (out.grad)",
         "_backward propagates out.grad (the derivative of the root), not out.data (the value)",
         _ADD_BACKWARD, "            self.grad += out.data\n            other.grad += out.data\n", "not out.data"),
        ("add_scalar_not_wrapped", "add", "a + 2 works without wrapping the plain number in a Value",
         "wrap a plain number operand: other = other if isinstance(other, Value) else Value(other)",
         _ADD_DOC + _WRAP, _ADD_DOC, "Value(other)"),
        ("radd_missing", REFLECTED, "2 + a works once a + 2 works (no __radd__ needed)",
         "define __radd__: Python calls a.__radd__(2) for 2 + a",
         "    def __radd__(self, other):  # other + self: addition commutes\n"
         "        ### BEGIN SOLUTION\n        return self + other\n        ### END SOLUTION\n\n", "", "__radd__"),
        ("add_assigns_grad", "accumulation", *_ASSIGNS[:2],
         _ADD_BACKWARD, "            self.grad = out.grad\n            other.grad = out.grad\n", _ASSIGNS[2]),
    ),
    "mul": (
        ("mul_forward_adds", "mul", "a * b computes a + b", "the data of a * b is self.data * other.data",
         "Value(self.data * other.data, (self, other), '*')", "Value(self.data + other.data, (self, other), '*')",
         "Value.__mul__"),
        ("mul_backward_own_data", "mul", "each factor's derivative is its own value instead of the other factor's",
         "d(a*b)/da = b: self.grad gets other.data * out.grad, and other.grad gets self.data * out.grad",
         _MUL_BACKWARD,
         "            self.grad += self.data * out.grad\n            other.grad += other.data * out.grad\n",
         "Value.__mul__"),
        ("mul_backward_no_chain_rule", "mul",
         "the local derivative is enough; forgetting to multiply by out.grad (the chain rule)",
         "chain rule: multiply each local derivative by out.grad",
         _MUL_BACKWARD, "            self.grad += other.data\n            other.grad += self.data\n", "out.grad"),
        ("mul_scalar_not_wrapped", "mul", "a * 2 works without wrapping the plain number in a Value",
         "wrap a plain number operand: other = other if isinstance(other, Value) else Value(other)",
         _MUL_DOC + _WRAP, _MUL_DOC, "Value(other)"),
        ("rmul_recurses", REFLECTED, "__rmul__ can return other * self (which calls __rmul__ again, forever)",
         "in __rmul__ return self * other: other * self calls __rmul__ again",
         "        return self * other\n        ### END SOLUTION\n\n    def __rtruediv__",
         "        return other * self\n        ### END SOLUTION\n\n    def __rtruediv__", "__rmul__"),
        ("mul_assigns_grad", "accumulation", *_ASSIGNS[:2],
         _MUL_BACKWARD,
         "            self.grad = other.data * out.grad\n            other.grad = self.data * out.grad\n",
         _ASSIGNS[2]),
    ),
    "pow": (
        ("pow_exponent_off_by_one", "pow", "d(x**n)/dx = n * x**n (the exponent is not decreased)",
         "d(x**n)/dx = n * x**(n-1): lower the exponent by one",
         _POW_BACKWARD, "self.grad += other * self.data**other * out.grad", "Value.__pow__"),
        ("pow_backward_missing_factor", "pow", "d(x**n)/dx = x**(n-1) (the factor n is dropped)",
         "d(x**n)/dx = n * x**(n-1): keep the factor n",
         _POW_BACKWARD, "self.grad += self.data**(other - 1) * out.grad", "Value.__pow__"),
        ("pow_forward_multiplies", "pow", "x ** n computes x * n", "the data of x ** n is self.data ** other",
         "Value(self.data**other, (self,), f'**{other}')", "Value(self.data * other, (self,), f'**{other}')",
         "Value.__pow__"),
        ("pow_accepts_value_exponent", "pow",
         "a Value exponent can be used by taking its data (its gradient is silently lost)",
         "only int and float exponents are supported: a ** b with a Value b must raise TypeError",
         "        if not isinstance(other, (int, float)):\n",
         "        other = other.data if isinstance(other, Value) else other\n"
         "        if not isinstance(other, (int, float)):\n", "raise TypeError"),
        ("pow_assigns_grad", "accumulation", *_ASSIGNS[:2],
         _POW_BACKWARD, "self.grad = other * self.data**(other - 1) * out.grad", _ASSIGNS[2]),
    ),
    "neg": (
        ("neg_detached", "neg_sub", "-a can be a fresh Value(-a.data); the graph does not need to remember a",
         "-a must be built from operations on a (e.g. a * -1) so the gradient flows back to a",
         "        return self * -1\n", "        return Value(-self.data)\n", "Value.__neg__"),
        ("neg_forgets_sign", "neg_sub", "negation multiplies by 1", "-a is a * -1",
         "        return self * -1\n", "        return self * 1\n", "Value.__neg__"),
    ),
    "sub": (
        ("sub_adds", "neg_sub", "a - b is a + b (the negation of b is forgotten)",
         "a - b is a + (-b): negate the second operand",
         "        return self + (-other)\n", "        return self + other\n", "Value.__sub__"),
        ("sub_reversed", "neg_sub", "a - b is b - a (operands swapped)",
         "in __sub__, self is the left operand: a - b is self + (-other)",
         "        return self + (-other)\n", "        return other + (-self)\n", "Value.__sub__"),
        ("rsub_as_sub", REFLECTED, "2 - a is a - 2: __rsub__ written like __sub__",
         "in __rsub__, other is the left operand: 2 - a is other + (-self)",
         "        return other + (-self)\n", "        return self - other\n", "Value.__rsub__"),
    ),
    "div": (
        ("div_reversed", "div", "a / b is b / a (operands swapped)",
         "in __truediv__, self is the numerator: a / b is self * other**-1",
         "        return self * other**-1\n", "        return other * self**-1\n", "Value.__truediv__"),
        ("div_multiplies", "div", "a / b is a * b (the reciprocal is forgotten)", "a / b is a * b**-1",
         "        return self * other**-1\n", "        return self * other\n", "Value.__truediv__"),
        ("rtruediv_as_truediv", REFLECTED, "2 / a is a / 2: __rtruediv__ written like __truediv__",
         "in __rtruediv__, other is the numerator: 2 / a is other * self**-1",
         "        return other * self**-1\n", "        return self * other**-1\n", "Value.__rtruediv__"),
    ),
    "relu": (
        ("relu_grad_one_at_zero", "relu", "relu'(0) = 1",
         "relu'(0) = 0 (as in PyTorch): pass the gradient only where the input is > 0",
         "(out.data > 0) * out.grad", "(self.data >= 0) * out.grad", "relu'(0) = 0"),
        ("relu_backward_passes_everything", "relu", "relu passes every gradient back, even where it clamped its input",
         "relu's derivative is 0 where the input is negative: (out.data > 0) * out.grad",
         "(out.data > 0) * out.grad", "out.grad", "Value.relu"),
        ("relu_forward_identity", "relu", "relu returns its input unchanged (the clamp at 0 is forgotten)",
         "relu(x) = max(0, x): negative inputs give 0",
         "Value(0 if self.data < 0 else self.data, (self,), 'ReLU')", "Value(self.data, (self,), 'ReLU')",
         "Value.relu"),
    ),
    "tanh": (
        ("tanh_derivative_uses_input", "tanh", "tanh'(x) = 1 - x**2 (the input instead of tanh(x))",
         "tanh'(x) = 1 - tanh(x)**2: use out.data, the output",
         "(1 - out.data**2) * out.grad", "(1 - self.data**2) * out.grad", "Value.tanh"),
        ("tanh_derivative_not_squared", "tanh", "tanh'(x) = 1 - tanh(x)",
         "tanh'(x) = 1 - tanh(x)**2: square the output",
         "(1 - out.data**2) * out.grad", "(1 - out.data) * out.grad", "Value.tanh"),
        ("tanh_forward_formula_overflows", "tanh",
         "tanh(x) = (e**2x - 1) / (e**2x + 1) is fine for every x (it overflows for large x)",
         "use math.tanh: the exp formula overflows for large inputs",
         "Value(math.tanh(self.data), (self,), 'tanh')",
         "Value((math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1), (self,), 'tanh')", "math.tanh"),
        ("tanh_assigns_grad", "accumulation", *_ASSIGNS[:2],
         "self.grad += (1 - out.data**2) * out.grad", "self.grad = (1 - out.data**2) * out.grad", _ASSIGNS[2]),
    ),
    "exp": (
        ("exp_backward_uses_input", "exp", "d(e**x)/dx = x", "d(e**x)/dx = e**x: use out.data, the output",
         "self.grad += out.data * out.grad", "self.grad += self.data * out.grad", "Value.exp"),
        ("exp_backward_derivative_one", "exp", "exp passes its gradient through unchanged",
         "d(e**x)/dx = e**x: multiply out.grad by out.data",
         "self.grad += out.data * out.grad", "self.grad += out.grad", "Value.exp"),
    ),
    "log": (
        ("log_backward_multiplies", "log", "d(log x)/dx = x", "d(log x)/dx = 1/x: divide out.grad by self.data",
         "self.grad += (1 / self.data) * out.grad", "self.grad += self.data * out.grad", "Value.log"),
        ("log_backward_uses_output", "log", "d(log x)/dx = 1/log(x)",
         "d(log x)/dx = 1/x: divide by the input self.data, not the output",
         "self.grad += (1 / self.data) * out.grad", "self.grad += (1 / out.data) * out.grad", "Value.log"),
        ("log_forward_base10", "log", "log is the base-10 logarithm", "log is the natural logarithm: math.log",
         "Value(math.log(self.data), (self,), 'log')", "Value(math.log10(self.data), (self,), 'log')", "Value.log"),
        ("log_assigns_grad", "accumulation", *_ASSIGNS[:2],
         "self.grad += (1 / self.data) * out.grad", "self.grad = (1 / self.data) * out.grad", _ASSIGNS[2]),
    ),
    "sigmoid": (
        ("sigmoid_forward_sign", "sigmoid", "sigmoid(x) = 1 / (1 + e**x)",
         "sigmoid(x) = 1 / (1 + e**-x): the exponent is minus the input",
         "Value(1 / (1 + math.exp(-self.data)), (self,), 'sigmoid')",
         "Value(1 / (1 + math.exp(self.data)), (self,), 'sigmoid')", "Value.sigmoid"),
        ("sigmoid_derivative_uses_input", "sigmoid", "sigmoid'(x) = x * (1 - x) (the input instead of sigmoid(x))",
         "sigmoid'(x) = sigmoid(x) * (1 - sigmoid(x)): use out.data, the output",
         "self.grad += out.data * (1 - out.data) * out.grad", "self.grad += self.data * (1 - self.data) * out.grad",
         "Value.sigmoid"),
        ("sigmoid_derivative_is_sigmoid", "sigmoid", "sigmoid'(x) = sigmoid(x)",
         "sigmoid'(x) = sigmoid(x) * (1 - sigmoid(x)): multiply out.data by (1 - out.data)",
         "self.grad += out.data * (1 - out.data) * out.grad", "self.grad += out.data * out.grad", "Value.sigmoid"),
        ("sigmoid_assigns_grad", "sigmoid", *_ASSIGNS[:2],
         "self.grad += out.data * (1 - out.data) * out.grad", "self.grad = out.data * (1 - out.data) * out.grad",
         _ASSIGNS[2]),
    ),
}
