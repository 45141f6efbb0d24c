"""A tiny neural-network library on top of the engine: Neuron, Layer, MLP,
the cross-entropy loss and the AdamW optimizer.

parameters() lists every weight in a fixed order: layer by layer, neuron by
neuron, each neuron's weights `w` first and its bias `b` last.
"""
import random

from .engine import Value


class Module:
    """Something with parameters."""

    def zero_grad(self):
        """Set the grad of every parameter back to 0."""
        ### BEGIN SOLUTION
        for p in self.parameters():
            p.grad = 0
        ### END SOLUTION

    def parameters(self):
        """All the Values this module learns, in canonical order."""
        return []


class Neuron(Module):
    """One unit: relu(w . x + b), or w . x + b when nonlin is False."""

    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x):
        """The neuron's output for the inputs x (numbers or Values)."""
        ### BEGIN SOLUTION
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act
        ### END SOLUTION

    def parameters(self):
        """The weights w, then the bias b."""
        ### BEGIN SOLUTION
        return self.w + [self.b]
        ### END SOLUTION

    def __repr__(self):
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons that all read the same inputs."""

    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        """The list of the neurons' outputs, or a single Value when nout == 1."""
        ### BEGIN SOLUTION
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out
        ### END SOLUTION

    def parameters(self):
        """Every neuron's parameters, neuron by neuron."""
        ### BEGIN SOLUTION
        return [p for n in self.neurons for p in n.parameters()]
        ### END SOLUTION

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes nouts applied in turn; every layer but the last uses relu."""

    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        """Feed x through every layer in turn."""
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer(x)
        return x
        ### END SOLUTION

    def parameters(self):
        """Every layer's parameters, layer by layer."""
        ### BEGIN SOLUTION
        return [p for layer in self.layers for p in layer.parameters()]
        ### END SOLUTION

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def cross_entropy(logits, target):
    """-log(softmax(logits)[target]): subtract the largest logit's data first (so exp cannot
    overflow), take exp of each, and return -log(exp of the target's / the sum of all).

    logits is a list of Values, target the index of the right class.
    """
    ### BEGIN SOLUTION
    top = max(v.data for v in logits)  # a plain number: softmax is the same for shifted logits
    ex = [(v - top).exp() for v in logits]
    return -(ex[target] / sum(ex)).log()
    ### END SOLUTION


class AdamW:
    """Adam with decoupled weight decay, as torch.optim.AdamW; keeps t and each parameter's m, v."""

    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.t = 0  # how many steps were taken
        self.m = [0.0 for _ in self.parameters]  # first moment of each parameter's grad
        self.v = [0.0 for _ in self.parameters]  # second moment

    def step(self):
        """t += 1, then for each parameter p (index i) with g = p.grad: m[i] = beta1*m[i] + (1-beta1)*g,
        v[i] = beta2*v[i] + (1-beta2)*g**2, m_hat = m[i] / (1 - beta1**t), v_hat = v[i] / (1 - beta2**t),
        p.data -= lr * (m_hat / (v_hat**0.5 + eps) + weight_decay * p.data).
        """
        ### BEGIN SOLUTION
        self.t += 1
        for i, p in enumerate(self.parameters):
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * p.grad
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * p.grad**2
            m_hat = self.m[i] / (1 - self.beta1**self.t)
            v_hat = self.v[i] / (1 - self.beta2**self.t)
            p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.weight_decay * p.data)
        ### END SOLUTION

    def zero_grad(self):
        """Set the grad of every parameter back to 0."""
        for param in self.parameters:
            param.grad = 0
