# Exercises generated from reference/engine.py by `micrograd assign`.
# Replace every `raise NotImplementedError(...)` with your code, then run `micrograd check`.
"""A scalar autograd engine.

A Value holds a number (`data`) and the derivative of the final output with
respect to it (`grad`). Every operation returns a new Value that remembers its
inputs (`_prev`) and a `_backward` function that applies the chain rule locally.

Semantics:
- gradients accumulate with `+=`: a node used twice gets the sum of both contributions;
- `backward()` seeds the root with 1, then runs each node's `_backward` exactly once,
  from the root back to the leaves (reverse topological order);
- relu'(0) = 0, as in PyTorch;
- two `backward()` calls on different roots that share leaves sum into the leaves;
- `_prev` is a tuple, so gradients always accumulate in the same order.

Each `_backward` takes the nodes it uses as default arguments (`out=out`) rather
than as closure cells: Python's garbage collector then tracks 4 objects per node
instead of 7, and training runs twice as fast (docs/speed.md).
"""
import math


class Value:
    """A scalar that remembers the operation and the inputs that produced it."""

    __slots__ = ('data', 'grad', '_backward', '_prev', '_op', 'label')  # to add an attribute, name it here

    def __init__(self, data, _children=(), _op='', label=''):
        self.data = data
        self.grad = 0
        self._backward = lambda: None  # how to send out.grad to the inputs
        self._prev = tuple(_children)  # the inputs, in a fixed order
        self._op = _op  # the operation that produced this node, for drawing
        self.label = label  # a name for drawing, as in the lecture

    def __add__(self, other):
        """self + other: both inputs receive out.grad unchanged."""
        other = other if isinstance(other, Value) else Value(other)
        # YOUR CODE HERE
        raise NotImplementedError('Value.__add__: self + other: both inputs receive out.grad unchanged.')

    def __mul__(self, other):
        """self * other: each input receives out.grad times the other input's data."""
        other = other if isinstance(other, Value) else Value(other)
        # YOUR CODE HERE
        raise NotImplementedError("Value.__mul__: self * other: each input receives out.grad times the other input's data.")

    def __pow__(self, other):
        """self ** n for an int or float n: the input receives n * self**(n-1) * out.grad."""
        if not isinstance(other, (int, float)):
            raise TypeError(f"Value ** {type(other).__name__} is not supported: "
                            "the exponent must be an int or a float")
        # YOUR CODE HERE
        raise NotImplementedError('Value.__pow__: self ** n for an int or float n: the input receives n * self**(n-1) * out.grad.')

    def relu(self):
        """max(0, self): the input receives out.grad where self > 0, else 0 (relu'(0) = 0)."""
        # YOUR CODE HERE
        raise NotImplementedError("Value.relu: max(0, self): the input receives out.grad where self > 0, else 0 (relu'(0) = 0).")

    def tanh(self):
        """tanh(self): the input receives (1 - tanh(self)**2) * out.grad; large inputs
        must work too (tanh(400) is 1.0, but math.exp(800) overflows)."""
        # YOUR CODE HERE
        raise NotImplementedError('Value.tanh: tanh(self): the input receives (1 - tanh(self)**2) * out.grad; large inputs must work too (tanh(400) is 1.0, but math.exp(800) overflows).')

    def exp(self):
        """e ** self: the input receives exp(self) * out.grad."""
        # YOUR CODE HERE
        raise NotImplementedError('Value.exp: e ** self: the input receives exp(self) * out.grad.')

    def log(self):
        """Natural log of self (self > 0): the input receives (1 / self) * out.grad."""
        # YOUR CODE HERE
        raise NotImplementedError('Value.log: Natural log of self (self > 0): the input receives (1 / self) * out.grad.')

    def sigmoid(self):
        """1 / (1 + e ** -self): the input receives sigmoid(self) * (1 - sigmoid(self)) * out.grad."""
        # YOUR CODE HERE
        raise NotImplementedError('Value.sigmoid: 1 / (1 + e ** -self): the input receives sigmoid(self) * (1 - sigmoid(self)) * out.grad.')

    def backward(self):
        """Fill in .grad of every node that self depends on: order the nodes
        topologically without recursion, seed self.grad = 1, then call each
        node's _backward once, from self back to the leaves."""
        # YOUR CODE HERE
        raise NotImplementedError("Value.backward: Fill in .grad of every node that self depends on: order the nodes topologically without recursion, seed self.grad = 1, then call each node's _backward once, from self back to the leaves.")

    def __neg__(self):  # -self: multiply by -1
        # YOUR CODE HERE
        raise NotImplementedError('Value.__neg__: -self: multiply by -1')

    def __sub__(self, other):  # self - other: add the negation
        # YOUR CODE HERE
        raise NotImplementedError('Value.__sub__: self - other: add the negation')

    def __truediv__(self, other):  # self / other: multiply by other**-1
        # YOUR CODE HERE
        raise NotImplementedError('Value.__truediv__: self / other: multiply by other**-1')

    def __radd__(self, other):  # other + self: addition commutes
        # YOUR CODE HERE
        raise NotImplementedError('Value.__radd__: other + self: addition commutes')

    def __rsub__(self, other):  # other - self: add the negation of self
        # YOUR CODE HERE
        raise NotImplementedError('Value.__rsub__: other - self: add the negation of self')

    def __rmul__(self, other):  # other * self: multiplication commutes
        # YOUR CODE HERE
        raise NotImplementedError('Value.__rmul__: other * self: multiplication commutes')

    def __rtruediv__(self, other):  # other / self: multiply by self**-1
        # YOUR CODE HERE
        raise NotImplementedError('Value.__rtruediv__: other / self: multiply by self**-1')

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
