"""The mutant catalogue's nn mistakes (Neuron, Layer, MLP, parameters, zero_grad) and the LLM101n module's
(cross_entropy, AdamW.step): edits of reference/nn.py."""

from __future__ import annotations

from typing import List

from micrograd.mutants._mutant import Mutant

__all__ = ["LLM101N", "NN"]

_N = "nn.py"

# Fragments of reference/nn.py that several mistakes edit (indentation matters).
_NEURON_SUM = "act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)"
_NONLIN = "return act.relu() if self.nonlin else act"
_LAYER_CALL = "        out = [n(x) for n in self.neurons]\n        return out[0] if len(out) == 1 else out\n"
_MLP_CALL = "        for layer in self.layers:\n            x = layer(x)\n        return x\n"
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

#: the nn exercises' mistakes, exercise by exercise
NN: List[Mutant] = [
    # --- neuron ----------------------------------------------------------------------------
    Mutant("neuron_bias_not_added", "neuron", _N,
           "a neuron computes w . x (the bias is forgotten)",
           "a neuron's activation is w . x + b: start the sum at self.b",
           _NEURON_SUM, "act = sum(wi * xi for wi, xi in zip(self.w, x))",
           feedback='bias'),
    Mutant("neuron_nonlin_ignored", "neuron", _N,
           "every neuron applies relu, even with nonlin=False (so the last layer of an MLP is clamped)",
           "apply relu only when self.nonlin is True; a linear neuron returns w . x + b",
           _NONLIN, "return act.relu()",
           feedback='nonlin'),
    Mutant("neuron_tanh_instead_of_relu", "neuron", _N,
           "a neuron's nonlinearity is tanh",
           "this course's neurons use relu: relu(w . x + b)",
           _NONLIN, "return act.tanh() if self.nonlin else act",
           feedback='applies tanh'),
    Mutant("neuron_uses_weight_data", "neuron", _N,
           "the weights can be used as plain numbers (wi.data): the output is right, but no gradient reaches w",
           "multiply the Values themselves (wi * xi), not wi.data, so gradients flow back to the weights",
           "act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)",
           "act = sum((wi.data * xi for wi, xi in zip(self.w, x)), self.b)",
           feedback='Value operations'),
    # --- layer -----------------------------------------------------------------------------
    Mutant("layer_nout1_returns_list", "layer", _N,
           "a layer always returns a list, even with a single neuron",
           "a Layer with nout == 1 returns the single Value, not a list of one",
           _LAYER_CALL, "        out = [n(x) for n in self.neurons]\n        return out\n",
           feedback='len(out) == 1'),
    Mutant("layer_first_neuron_only", "layer", _N,
           "a layer returns its first neuron's output",
           "a Layer returns every neuron's output (a list), a single Value only when nout == 1",
           _LAYER_CALL, "        out = [n(x) for n in self.neurons]\n        return out[0]\n",
           feedback='every neuron'),
    Mutant("layer_miswired", "layer", _N,
           "each neuron of a layer reads a different arrangement of the inputs",
           "every neuron of a Layer reads the same inputs x, in the same order",
           "        out = [n(x) for n in self.neurons]\n",
           "        out = [n(x[i:] + x[:i]) for i, n in enumerate(self.neurons)]\n",
           feedback='same x'),
    Mutant("layer_shares_one_neuron", "layer", _N,
           "[Neuron(nin)] * nout makes nout different neurons (it repeats one neuron)",
           "build each neuron separately: [Neuron(nin, **kwargs) for _ in range(nout)]",
           "self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]",
           "self.neurons = [Neuron(nin, **kwargs)] * nout",
           feedback='separate'),
    # --- mlp -------------------------------------------------------------------------------
    Mutant("mlp_input_not_chained", "mlp", _N,
           "every layer reads the network's input, not the previous layer's output",
           "feed each layer the previous layer's output: x = layer(x)",
           _MLP_CALL, "        for layer in self.layers:\n            out = layer(x)\n        return out\n",
           feedback='x = layer(x)'),
    Mutant("mlp_layers_reversed", "mlp", _N,
           "the layers run from the last to the first",
           "apply the layers in order, first to last",
           "        for layer in self.layers:\n            x = layer(x)\n",
           "        for layer in reversed(self.layers):\n            x = layer(x)\n",
           feedback='in order'),
    Mutant("mlp_last_layer_relu", "mlp", _N,
           "every layer of an MLP, the last one included, uses relu",
           "the last layer of an MLP is linear (nonlin=False) so the output can be negative",
           "nonlin=i != len(nouts) - 1", "nonlin=True",
           feedback='last layer must be linear'),
    Mutant("mlp_layer_sizes_swapped", "mlp", _N,
           "Layer takes (nout, nin): the MLP builds each layer with its sizes swapped",
           "layer i of an MLP is Layer(sz[i], sz[i + 1]): nin inputs, nout neurons",
           "Layer(sz[i], sz[i + 1], nonlin", "Layer(sz[i + 1], sz[i], nonlin",
           feedback='swapped'),
    # --- parameters ------------------------------------------------------------------------
    Mutant("neuron_parameters_no_bias", "parameters", _N,
           "a neuron's parameters are its weights only",
           "Neuron.parameters() is the weights w, then the bias b",
           "        return self.w + [self.b]\n", "        return self.w\n",
           feedback='bias'),
    Mutant("neuron_parameters_bias_first", "parameters", _N,
           "the order of parameters does not matter",
           "canonical order: each neuron's weights w first and its bias b last",
           "        return self.w + [self.b]\n", "        return [self.b] + self.w\n",
           feedback='bias'),
    Mutant("layer_parameters_nested", "parameters", _N,
           "a layer's parameters can be a list of each neuron's list",
           "flatten: Layer.parameters() is one flat list of Values, neuron by neuron",
           "[p for n in self.neurons for p in n.parameters()]", "[n.parameters() for n in self.neurons]",
           feedback='flat'),
    Mutant("mlp_parameters_reversed", "parameters", _N,
           "the order of the layers' parameters does not matter",
           "canonical order: MLP.parameters() lists the layers first to last",
           "[p for layer in self.layers for p in layer.parameters()]",
           "[p for layer in reversed(self.layers) for p in layer.parameters()]",
           feedback='layer by layer'),
    Mutant("mlp_parameters_first_layer_only", "parameters", _N,
           "an MLP's parameters are those of its first layer",
           "MLP.parameters() collects the parameters of every layer",
           "        return [p for layer in self.layers for p in layer.parameters()]\n",
           "        return self.layers[0].parameters()\n",
           feedback='layer by layer'),
    Mutant("mlp_parameters_mutable_default", "parameters", _N,
           "a list default argument (acc=[]) starts empty at every call",
           "a default list is made once and shared by every call: build a new list in each call",
           "    def parameters(self):\n        \"\"\"Every layer's parameters, layer by layer.\"\"\"\n"
           "        ### BEGIN SOLUTION\n        return [p for layer in self.layers for p in layer.parameters()]\n",
           "    def parameters(self, acc=[]):\n        \"\"\"Every layer's parameters, layer by layer.\"\"\"\n"
           "        ### BEGIN SOLUTION\n        acc.extend(p for layer in self.layers for p in layer.parameters())\n"
           "        return acc\n",
           feedback='between calls'),
    # --- zero_grad -------------------------------------------------------------------------
    Mutant("zero_grad_resets_data", "zero_grad", _N,
           "zero_grad sets the parameters' values to 0",
           "zero_grad resets p.grad, never p.data (the learned values)",
           "            p.grad = 0\n", "            p.data = 0\n",
           feedback='p.grad = 0'),
    Mutant("zero_grad_rebinds_loop_variable", "zero_grad", _N,
           "assigning to the loop variable (p = 0) changes the parameter",
           "set the attribute: p.grad = 0 (p = 0 only rebinds the loop variable)",
           "            p.grad = 0\n", "            p = 0\n",
           feedback='p.grad = 0'),
]

#: the LLM101n module's mistakes: cross_entropy and AdamW.step
LLM101N: List[Mutant] = [
    Mutant("ce_no_max_subtraction", "cross_entropy", _N,
           "exp of the raw logits is fine (the module's published formula): exp overflows beyond 709",
           "subtract the largest logit before exp: the softmax is unchanged and exp cannot overflow",
           _CE_EXPS, "ex = [v.exp() for v in logits]",
           feedback='subtract the largest logit'),
    Mutant("ce_sign_flipped", "cross_entropy", _N,
           "the loss is log(p[target]) (the minus sign is dropped: the loss is negative)",
           "the loss is -log(p[target]): minus the log of the target's probability",
           _CE_LOSS, "return (ex[target] / sum(ex)).log()",
           feedback='minus the log'),
    Mutant("ce_not_normalized", "cross_entropy", _N,
           "exp(logit[target]) is already the probability (no division by the sum)",
           "p[target] is exp(logit[target]) divided by the sum of all the exps (the softmax)",
           _CE_LOSS, "return -ex[target].log()",
           feedback='divided by the sum'),
    Mutant("ce_first_class", "cross_entropy", _N,
           "the loss reads the first class's probability, whatever the target",
           "take the probability of the target class: ex[target]",
           _CE_LOSS, "return -(ex[0] / sum(ex)).log()",
           feedback='target class'),
    Mutant("adamw_t_not_incremented", "adamw", _N,
           "the step counter t takes care of itself (it stays 0: the bias corrections divide by 0)",
           "count the steps: self.t += 1 at the start of step()",
           _ADAMW_T, "        for i, p in enumerate(self.parameters):\n",
           feedback='self.t += 1'),
    Mutant("adamw_t_per_parameter", "adamw", _N,
           "t is incremented inside the loop over the parameters",
           "t counts calls to step(): increment it once per step, before the loop",
           _ADAMW_T, "        for i, p in enumerate(self.parameters):\n            self.t += 1\n",
           feedback='once per step'),
    Mutant("adamw_no_bias_correction", "adamw", _N,
           "the moments m and v can be used as they are (no bias correction)",
           "correct the bias: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t)",
           "            m_hat = self.m[i] / (1 - self.beta1**self.t)\n"
           "            v_hat = self.v[i] / (1 - self.beta2**self.t)\n",
           "            m_hat = self.m[i]\n            v_hat = self.v[i]\n",
           feedback='correct the bias'),
    Mutant("adamw_bias_correction_swapped", "adamw", _N,
           "the bias corrections of m and v use each other's beta",
           "m_hat divides by 1 - beta1**t, v_hat by 1 - beta2**t: each moment with its own beta",
           "            m_hat = self.m[i] / (1 - self.beta1**self.t)\n"
           "            v_hat = self.v[i] / (1 - self.beta2**self.t)\n",
           "            m_hat = self.m[i] / (1 - self.beta2**self.t)\n"
           "            v_hat = self.v[i] / (1 - self.beta1**self.t)\n",
           feedback='its own beta'),
    Mutant("adamw_weight_decay_in_gradient", "adamw", _N,
           "weight decay is added to the gradient (Adam with L2), as in AdamW",
           "AdamW decouples the decay: subtract lr * weight_decay * p.data in the update, not via the grad",
           _ADAMW_MOMENTS + _ADAMW_UPDATE,
           "            g = p.grad + self.weight_decay * p.data\n"
           + _ADAMW_MOMENTS.replace("* p.grad", "* g")
           + "            p.data -= self.lr * m_hat / (v_hat**0.5 + self.eps)\n",
           feedback='decouples'),
    Mutant("adamw_eps_inside_sqrt", "adamw", _N,
           "eps can go inside the square root: sqrt(v_hat + eps)",
           "eps goes outside the square root: m_hat / (v_hat**0.5 + eps)",
           "m_hat / (v_hat**0.5 + self.eps)", "m_hat / (v_hat + self.eps)**0.5",
           feedback='outside the square root'),
    Mutant("adamw_moments_not_stored", "adamw", _N,
           "the moments can be local variables (they restart from 0 at every step)",
           "store the moments back in self.m[i] and self.v[i]: they are kept from step to step",
           _ADAMW_MOMENTS,
           _ADAMW_MOMENTS.replace("self.m[i] = ", "m = ").replace("self.v[i] = ", "v = ")
           .replace("m_hat = self.m[i]", "m_hat = m").replace("v_hat = self.v[i]", "v_hat = v"),
           feedback='store the moments'),
    Mutant("adamw_moments_shared", "adamw", _N,
           "one first and one second moment serve every parameter",
           "keep one m and one v per parameter: self.m[i], self.v[i]",
           _ADAMW_MOMENTS, _ADAMW_MOMENTS.replace("[i]", "[0]"),
           feedback='one m and one v per parameter'),
]
