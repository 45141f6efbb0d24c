"""The mutant catalogue's backward() and deep-graph mistakes: edits of reference/engine.py.

The mistakes of each operation are in the teaching words (:data:`micrograd.ops.MISTAKES`).
"""

from __future__ import annotations

from typing import List

from micrograd.mutants._mutant import Mutant

__all__ = ["BACKWARD", "DEEP", "SLIPS"]

_E = "engine.py"

# Fragments of reference/engine.py that several mistakes edit (indentation matters).
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
_RECURSION_HACK_HIGH = """        __import__('sys').setrecursionlimit(10**6)  # far deeper than any graph
""" + _RECURSIVE_TOPO
_TOPO_VISIT = """            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                stack.extend((child, False) for child in reversed(v._prev))
"""
_REPR = "    def __repr__(self):\n"
_EQ = """    def __eq__(self, other):  # two Values are equal when their data are
        return isinstance(other, Value) and self.data == other.data

"""

#: backward()'s mistakes
BACKWARD: List[Mutant] = [
    Mutant("topo_not_reversed", "backward", _E,
           "running _backward from the leaves to the root works",
           "call _backward in reverse topological order: from the root back to the leaves",
           "        for v in reversed(topo):\n", "        for v in topo:\n",
           feedback='reverse topological order'),
    Mutant("root_not_seeded", "backward", _E,
           "the root's gradient starts at 0 (d root / d root is never set to 1)",
           "seed the root: self.grad = 1 before calling the _backward functions",
           "        self.grad = 1\n        for v in reversed(topo):\n", "        for v in reversed(topo):\n",
           feedback="root's own grad to 1"),
    Mutant("no_visited_set", "backward", _E,
           "a node can be put in the topological order more than once",
           "keep a visited set: each node's _backward must run exactly once",
           "            elif v not in visited:\n", "            else:\n",
           feedback='visited set'),
    Mutant("no_topological_order", "backward", _E,
           "walking the graph depth-first from the root, calling _backward on the way, is enough",
           "order the nodes topologically first: a node's _backward may run only after all its users'",
           _TOPO_AND_LOOP, _DEPTH_FIRST,
           feedback='topological order'),
    Mutant("grad_starts_at_one", "backward", _E,
           "a new Value's gradient starts at 1",
           "a new Value's grad is 0: nothing has been propagated into it yet",
           "        self.grad = 0\n", "        self.grad = 1\n",
           feedback='grad must be 0'),
    Mutant("backward_preorder", "backward", _E,
           "calling each node's _backward as the walk from the root reaches it (with a visited set) is enough",
           "a node's _backward may run only after all its users': build a topological order, run it reversed",
           _TOPO_AND_LOOP, _PREORDER,
           feedback='as soon as it reaches it'),
    Mutant("backward_breadth_first", "backward", _E,
           "a breadth-first walk from the root is a good order for the _backward calls",
           "a node's _backward may run only after all its users': build a topological order, run it reversed",
           _TOPO_AND_LOOP, _BREADTH_FIRST,
           feedback='as soon as it reaches it'),
    Mutant("backward_resets_grads", "backward", _E,
           "backward() should start every node of the graph from grad 0",
           "backward() adds into the grads: a second backward() on another root must add to shared leaves",
           "        self.grad = 1\n        for v in reversed(topo):\n",
           "        for v in topo:\n            v.grad = 0\n        self.grad = 1\n        for v in reversed(topo):\n",
           feedback="must add to the leaves' grads"),
    Mutant("value_equality_visited", "backward", _E,
           "Values with the same data may compare (and hash) equal",
           "keep identity-based __eq__ and __hash__: backward's visited set must tell any two nodes apart",
           _REPR, _EQ + "    def __hash__(self):\n        return hash(self.data)\n\n" + _REPR,
           feedback='compares Values by their data'),
    Mutant("eq_without_hash", "backward", _E,
           "defining __eq__ is harmless",
           "a class that defines __eq__ without __hash__ is unhashable: no set of Values, no visited set",
           _REPR, _EQ + _REPR,
           feedback='unhashable'),
]

#: deep graphs: backward() past the recursion limit
DEEP: List[Mutant] = [
    Mutant("recursive_build_topo", "deep", _E,
           "a recursive topological sort is fine (it exceeds Python's recursion limit on deep graphs)",
           "build the topological order with an explicit stack: recursion fails beyond ~1000 nodes",
           _TOPO, _RECURSIVE_TOPO,
           feedback='explicit stack'),
    Mutant("recursion_limit_raised", "deep", _E,
           "a recursive topological sort is fine once sys.setrecursionlimit is raised",
           "build the topological order with an explicit stack: a raised limit makes Python crash instead",
           _TOPO, _RECURSION_HACK,
           feedback='sys.setrecursionlimit'),
    Mutant("recursion_limit_raised_high", "deep", _E,
           "a recursive topological sort is fine once backward() raises the limit far enough (10**6)",
           "backward() must not recurse: the check ignores sys.setrecursionlimit while backward() runs",
           _TOPO, _RECURSION_HACK_HIGH,
           feedback='must not recurse'),
]

#: slips of the operations and of backward() that a generic hint used to misname (issue 17, item 3)
SLIPS: List[Mutant] = [
    Mutant("mul_forward_value_operand", "mul", _E,
           "the data of a * b can be computed from self.data and the Value other",
           "compute out's data from numbers only: self.data * other.data",
           "Value(self.data * other.data, (self, other), '*')", "Value(self.data * other, (self, other), '*')",
           feedback="from numbers only"),
    Mutant("pow_int_only", "pow", _E,
           "an exponent must be an int (a float exponent such as 0.5 is refused)",
           "any int or float exponent is fine: refuse only a Value exponent",
           "        if not isinstance(other, (int, float)):\n", "        if not isinstance(other, int):\n",
           feedback="float exponent"),
    Mutant("relu_in_place", "relu", _E,
           "relu can clamp its input in place (self.data = max(0, self.data)) and return a Value of it",
           "leave self.data alone: the result is a new Value, out = Value(max(0, self.data), ...)",
           "        out = Value(0 if self.data < 0 else self.data, (self,), 'ReLU')\n",
           "        self.data = 0 if self.data < 0 else self.data\n        out = Value(self.data, (self,), 'ReLU')\n",
           feedback="must not change its input"),
    Mutant("topo_no_visited_set_children_in_order", "backward", _E,
           "a topological sort needs no visited set (the children pushed in the order of _prev)",
           "keep a visited set: each node goes into the topological order once",
           _TOPO_VISIT,
           "            else:\n                stack.append((v, True))\n"
           "                stack.extend((child, False) for child in v._prev)\n",
           feedback="ran twice"),
]
