# Exercises generated from reference/nn.py by `micrograd assign`.
# Replace every `raise NotImplementedError(...)` with your code, then run `micrograd check`.
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
        # YOUR CODE HERE
        raise NotImplementedError('Module.zero_grad: Set the grad of every parameter back to 0.')

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
        # YOUR CODE HERE
        raise NotImplementedError("Neuron.__call__: The neuron's output for the inputs x (numbers or Values).")

    def parameters(self):
        """The weights w, then the bias b."""
        # YOUR CODE HERE
        raise NotImplementedError('Neuron.parameters: The weights w, then the bias b.')

    def __repr__(self):
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons that all read the same inputs."""

    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        """The list of the neurons' outputs, or a single Value when nout == 1."""
        # YOUR CODE HERE
        raise NotImplementedError("Layer.__call__: The list of the neurons' outputs, or a single Value when nout == 1.")

    def parameters(self):
        """Every neuron's parameters, neuron by neuron."""
        # YOUR CODE HERE
        raise NotImplementedError("Layer.parameters: Every neuron's parameters, neuron by neuron.")

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes nouts applied in turn; every layer but the last uses relu."""

    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        """Feed x through every layer in turn."""
        # YOUR CODE HERE
        raise NotImplementedError('MLP.__call__: Feed x through every layer in turn.')

    def parameters(self):
        """Every layer's parameters, layer by layer."""
        # YOUR CODE HERE
        raise NotImplementedError("MLP.parameters: Every layer's parameters, layer by layer.")

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def cross_entropy(logits, target):
    """-log(softmax(logits)[target]): subtract the largest logit's data first (so exp cannot
    overflow), take exp of each, and return -log(exp of the target's / the sum of all).

    logits is a list of Values, target the index of the right class.
    """
    # YOUR CODE HERE
    raise NotImplementedError("cross_entropy: -log(softmax(logits)[target]): subtract the largest logit's data first (so exp cannot overflow), take exp of each, and return -log(exp of the target's / the sum of all).")


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
        # YOUR CODE HERE
        raise NotImplementedError('AdamW.step: t += 1, then for each parameter p (index i) with g = p.grad: m[i] = beta1*m[i] + (1-beta1)*g, v[i] = beta2*v[i] + (1-beta2)*g**2, m_hat = m[i] / (1 - beta1**t), v_hat = v[i] / (1 - beta2**t), p.data -= lr * (m_hat / (v_hat**0.5 + eps) + weight_decay * p.data).')

    def zero_grad(self):
        """Set the grad of every parameter back to 0."""
        for param in self.parameters:
            param.grad = 0
