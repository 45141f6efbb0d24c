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
        ### BEGIN SOLUTION
        out = Value(self.data + other.data, (self, other), '+')

        def _backward(self=self, other=other, out=out):
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def __mul__(self, other):
        """self * other: each input receives out.grad times the other input's data."""
        other = other if isinstance(other, Value) else Value(other)
        ### BEGIN SOLUTION
        out = Value(self.data * other.data, (self, other), '*')

        def _backward(self=self, other=other, out=out):
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def __pow__(self, other):
        """self ** n for an int or float n: the input receives n * self**(n-1) * out.grad."""
        if not isinstance(other, (int, float)):
            raise TypeError(f"Value ** {type(other).__name__} is not supported: "
                            "the exponent must be an int or a float")
        ### BEGIN SOLUTION
        out = Value(self.data**other, (self,), f'**{other}')

        def _backward(self=self, other=other, out=out):
            self.grad += other * self.data**(other - 1) * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def relu(self):
        """max(0, self): the input receives out.grad where self > 0, else 0 (relu'(0) = 0)."""
        ### BEGIN SOLUTION
        out = Value(0 if self.data < 0 else self.data, (self,), 'ReLU')

        def _backward(self=self, out=out):
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def tanh(self):
        """tanh(self): the input receives (1 - tanh(self)**2) * out.grad; large inputs
        must work too (tanh(400) is 1.0, but math.exp(800) overflows)."""
        ### BEGIN SOLUTION
        out = Value(math.tanh(self.data), (self,), 'tanh')

        def _backward(self=self, out=out):
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def exp(self):
        """e ** self: the input receives exp(self) * out.grad."""
        ### BEGIN SOLUTION
        out = Value(math.exp(self.data), (self,), 'exp')

        def _backward(self=self, out=out):
            self.grad += out.data * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def log(self):
        """Natural log of self (self > 0): the input receives (1 / self) * out.grad."""
        ### BEGIN SOLUTION
        out = Value(math.log(self.data), (self,), 'log')

        def _backward(self=self, out=out):
            self.grad += (1 / self.data) * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def sigmoid(self):
        """1 / (1 + e ** -self): the input receives sigmoid(self) * (1 - sigmoid(self)) * out.grad."""
        ### BEGIN SOLUTION
        out = Value(1 / (1 + math.exp(-self.data)), (self,), 'sigmoid')

        def _backward(self=self, out=out):
            self.grad += out.data * (1 - out.data) * out.grad
        out._backward = _backward
        return out
        ### END SOLUTION

    def backward(self):
        """Fill in .grad of every node that self depends on: order the nodes
        topologically without recursion, seed self.grad = 1, then call each
        node's _backward once, from self back to the leaves."""
        ### BEGIN SOLUTION
        topo, visited = [], set()
        stack = [(self, False)]  # (node, are its inputs already in topo?)
        while stack:
            v, inputs_done = stack.pop()
            if inputs_done:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                stack.extend((child, False) for child in reversed(v._prev))

        self.grad = 1
        for v in reversed(topo):
            v._backward()
        ### END SOLUTION

    def __neg__(self):  # -self: multiply by -1
        ### BEGIN SOLUTION
        return self * -1
        ### END SOLUTION

    def __sub__(self, other):  # self - other: add the negation
        ### BEGIN SOLUTION
        return self + (-other)
        ### END SOLUTION

    def __truediv__(self, other):  # self / other: multiply by other**-1
        ### BEGIN SOLUTION
        return self * other**-1
        ### END SOLUTION

    def __radd__(self, other):  # other + self: addition commutes
        ### BEGIN SOLUTION
        return self + other
        ### END SOLUTION

    def __rsub__(self, other):  # other - self: add the negation of self
        ### BEGIN SOLUTION
        return other + (-self)
        ### END SOLUTION

    def __rmul__(self, other):  # other * self: multiplication commutes
        ### BEGIN SOLUTION
        return self * other
        ### END SOLUTION

    def __rtruediv__(self, other):  # other / self: multiply by self**-1
        ### BEGIN SOLUTION
        return other * self**-1
        ### END SOLUTION

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"
