"""The runner: requests an implementation answers, and the code that runs them on it.

This is the only part of the kit that touches a submission's objects, and the part the sandboxed
child carries (with the loader and the sandbox's protocol). It computes nothing of its own: no
operation's value or derivative, no graph order, no loss of the kit's. Every number it gives a
submission comes with the request, computed by the trusted side (``micrograd.program``):

- :class:`Script`: a program compiled to steps (apply ``+`` to nodes 0 and 1; make a node with
  this data and these local derivatives; call the ``_backward`` of these nodes in this order);
- :class:`DeepChain`, :class:`ModuleRequest`, :class:`CrossEntropyProgram`, :class:`AdamWProgram`:
  requests that build a long chain, a Neuron/Layer/MLP, a cross-entropy loss or AdamW steps with
  the submission's own classes;
- :class:`Outcome`, :class:`ModuleOutcome`, ...: what came back, rebuilt from untrusted data with
  every type checked (and ``output``, what the request printed, set by the sandbox's parent);
- :func:`start_printed`, :func:`handed_out`, :func:`printed`: what the running example printed, for the judge.

It imports nothing else of ``micrograd``.
"""

from micrograd.runner._deep import DeepChain
from micrograd.runner._module import LOSSES, MODULES, ModuleRequest
from micrograd.runner._module_outcome import ACTIONS, ModuleOutcome, ModuleStep
from micrograd.runner._optim import (
    AdamWOutcome,
    AdamWProgram,
    AdamWStep,
    CrossEntropyOutcome,
    CrossEntropyProgram,
)
from micrograd.runner._outcome import Failure, Outcome
from micrograd.runner._printed import (
    MAX_PRINTED,
    PrintedCapture,
    handed_out,
    note_printed,
    printed,
    start_printed,
)
from micrograd.runner._read import Implementation, ReadError, failure_of, location_of, node_name, read_number
from micrograd.runner._script import Apply, Const, KitNode, Root, Script, run_script
from micrograd.runner._untrusted import JsonForm, Printer

__all__ = [
    "ACTIONS",
    "LOSSES",
    "MAX_PRINTED",
    "MODULES",
    "AdamWOutcome",
    "AdamWProgram",
    "AdamWStep",
    "Apply",
    "Const",
    "CrossEntropyOutcome",
    "CrossEntropyProgram",
    "DeepChain",
    "Failure",
    "Implementation",
    "JsonForm",
    "KitNode",
    "ModuleOutcome",
    "ModuleRequest",
    "ModuleStep",
    "Outcome",
    "PrintedCapture",
    "Printer",
    "ReadError",
    "Root",
    "Script",
    "failure_of",
    "handed_out",
    "location_of",
    "node_name",
    "note_printed",
    "printed",
    "read_number",
    "run_script",
    "start_printed",
]
