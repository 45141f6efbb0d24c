"""A tiny neural-network library on top of the engine: Neuron, Layer, MLP.

parameters() lists every weight in a fixed order: layer by layer, neuron by
neuron, each neuron's weights `w` first and its bias `b` last.
"""
import random

from .engine import Value


class Module:
    """Something with parameters."""

    def zero_grad(self):
        """Set the grad of every parameter back to 0."""
        for p in self.parameters():
            p.grad = 0

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
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        """The weights w, then the bias b."""
        return self.w + [self.b]

    def __repr__(self):
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons that all read the same inputs."""

    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        """The list of the neurons' outputs, or a single Value when nout == 1."""
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        """Every neuron's parameters, neuron by neuron."""
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes nouts applied in turn; every layer but the last uses relu."""

    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        """Feed x through every layer in turn."""
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        """Every layer's parameters, layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def cross_entropy(logits, target):
    """-log(softmax(logits)[target]), as log(sum(exp(l - top))) - (l[target] - top)."""
    top = max(v.data for v in logits)
    total = sum((v - top).exp() for v in logits)
    return total.log() - (logits[target] - top)


class AdamW:
    """Adam with decoupled weight decay, as torch.optim.AdamW."""

    def __init__(self, parameters, lr=0.1, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0):
        self.parameters = list(parameters)
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.t = 0
        self.m = [0.0 for _ in self.parameters]
        self.v = [0.0 for _ in self.parameters]

    def step(self):
        self.t += 1
        for i, p in enumerate(self.parameters):
            p.data *= 1 - self.lr * self.weight_decay
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * p.grad
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * p.grad * p.grad
            m_hat = self.m[i] / (1 - self.beta1 ** self.t)
            v_hat = self.v[i] / (1 - self.beta2 ** self.t)
            p.data -= self.lr * m_hat / (v_hat ** 0.5 + self.eps)

    def zero_grad(self):
        for p in self.parameters:
            p.grad = 0
