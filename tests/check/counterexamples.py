"""Counterexamples as a student meets them: read from what a report printed, run as printed in a
fresh Python, and compared with the "got" values the report claims.

A report (``micrograd check``'s terminal text or ``--json``, ``micrograd grade``'s feedback.md)
shows each counterexample with what the student's code gives: rows of an expected-vs-got table
(``a.grad``, ``loss``, ``after step 1: optimizer.t``, ``model.parameters()[0] is``, an
``exception``) or the exception it raised. :func:`check_reproduces` runs the code and reads what it
prints (``print('a', a.data, a.grad)``, ``print('loss', loss.data)``, ...) or the exception it
ends with, and says where it disagrees with the report.
"""

from __future__ import annotations

import ast
import math
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = ["Counterexample", "Ran", "check_reproduces", "from_feedback", "from_json", "from_terminal", "plain",
           "run_snippet"]

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
_RULE = re.compile(r"─{5,}\s*$")
_TABLE_HEADER = re.compile(r"^\s+expected\s+got\s*$")
_STACKED_EXPECTED = "      expected  "
_STACKED_GOT = "      got       "
#: where an exception was raised, as a report appends it (a long row may be cut after " at")
_LOCATION = re.compile(r" at(?: [\w./\\-]+\.py:\d+ in [\w<>]+)?$")
#: what the check adds to an exception's message: "(backward() called sys.setrecursionlimit(100000), which was ignored)"
_NOTE = re.compile(r" \([^()]*(?:\([^()]*\)[^()]*)*\)$")
_PER_EXAMPLE = re.compile(r"returned (\[[\d, ]*\]) outputs per example")


@dataclass
class Counterexample:
    """A runnable snippet and what the report says it gives."""

    code: str
    #: (row name, got) of its expected-vs-got table
    rows: List[Tuple[str, str]] = field(default_factory=list)
    #: the exception the report says the code raised ("ZeroDivisionError: float division by zero"), or ""
    raised: str = ""
    #: where it was read ("terminal, 40 columns", "feedback.md")
    source: str = ""


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str

    @property
    def exception(self) -> str:
        """The last line of the traceback, when the snippet ended with one."""
        if self.returncode == 0:
            return ""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""


def plain(text: str) -> str:
    """Terminal output as a student copies it: no colours or cursor moves, no carriage returns."""
    return _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "")


# ------------------------------------------------------------------------------------------- reading


def _ends_code(line: str) -> bool:
    return (line == "Expected vs got:" or line.startswith(("Hint: ", "Fix this first", "Fix first"))
            or bool(_RULE.search(line)) or bool(re.match(r"exercise\s+status\s+passed", line)))


#: what a failure's summary says the code raised ("Layer(1, 2) raised TypeError: ... during forward (action 0)")
_SUMMARY_RAISED = re.compile(r" raised (\w+: .*?)(?: during .*| while .*| in the _backward .*| in \S+\(\))?$")


def from_terminal(text: str, source: str = "terminal") -> List[Counterexample]:
    """Every counterexample of ``micrograd check``'s text output (colours removed), with its rows
    (as a table, or stacked on a narrow terminal) and the exception it says the code raised."""
    lines = plain(text).splitlines()
    found: List[Counterexample] = []
    raised = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if _RULE.search(line):  # a new failure
            raised = ""
        if line.startswith("property ") and i + 1 < len(lines):  # the summary's paragraph follows
            words, j = [], i + 1
            while j < len(lines) and lines[j].strip() and lines[j] != "Counterexample (runnable):":
                words.append(lines[j].strip())
                j += 1
            said = _SUMMARY_RAISED.search(" ".join(words))  # the summary names what the code raised, if it did
            raised = said.group(1) if said else raised
        if line.startswith("Your code raised "):  # a paragraph: rich wraps it on a narrow terminal
            words = []
            while i < len(lines) and lines[i].strip() and lines[i] != "Counterexample (runnable):":
                words.append(lines[i].strip())
                i += 1
            raised = " ".join(words)[len("Your code raised "):]
            continue
        if line != "Counterexample (runnable):":
            i += 1
            continue
        i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        code: List[str] = []
        while i < len(lines) and not _ends_code(lines[i]):
            code.append(lines[i])
            i += 1
        rows: List[Tuple[str, str]] = []
        if i < len(lines) and lines[i] == "Expected vs got:":
            rows, i = _terminal_rows(lines, i + 1)
        found.append(Counterexample("\n".join(code).strip("\n") + "\n", rows, raised, source))
        raised = ""
    return found


def _terminal_rows(lines: Sequence[str], i: int) -> Tuple[List[Tuple[str, str]], int]:
    while i < len(lines) and not lines[i].strip():
        i += 1
    rows: List[Tuple[str, str]] = []
    if i < len(lines) and _TABLE_HEADER.match(lines[i]):
        header = lines[i]
        got_at = header.index("got", header.index("expected") + len("expected"))
        expected_at = header.index("expected")
        i += 1
        while i < len(lines) and lines[i].strip():
            rows.append((lines[i][:expected_at].strip(), lines[i][got_at:].strip()))
            i += 1
        return rows, i
    while i + 2 < len(lines) and lines[i + 1].startswith(_STACKED_EXPECTED) and lines[i + 2].startswith(_STACKED_GOT):
        rows.append((lines[i].strip(), lines[i + 2][len(_STACKED_GOT):].strip()))
        i += 3
        if i + 1 < len(lines) and not lines[i].strip() and lines[i + 1].startswith("    ") \
                and not lines[i + 1].startswith("     "):
            i += 1
    return rows, i


def from_json(report: Dict[str, Any]) -> List[Counterexample]:
    """Every counterexample of ``micrograd check --json``."""
    failures = [report.get("load_failure"), report.get("nn_failure")]  # SpecFailure.to_dict: raised as failure
    failures += [{**p, "failure": p.get("raised")} for e in report["exercises"] for p in e["properties"]]
    found = []
    for failure in failures:
        if failure and failure.get("code"):
            raised = failure.get("failure") or {}
            text = ""
            if raised:
                text = f"{raised['type']}: {raised['message']}" if raised.get("message") else raised["type"]
            found.append(Counterexample(failure["code"], [(str(r[0]), str(r[2])) for r in failure["rows"]], text,
                                        "--json"))
    return found


def from_feedback(markdown: str) -> List[Counterexample]:
    """Every counterexample of a feedback.md: its python block, its table, and the exception its
    summary says the code raised."""
    found = []
    for section in re.split(r"^### ", markdown, flags=re.M)[1:]:
        code = re.search(r"```python\n(.*?)```", section, re.S)
        if not code:
            continue
        summary = section.split("\n\n")[1] if "\n\n" in section else ""
        raised = _SUMMARY_RAISED.search(summary)
        rows = [(a.strip(), c.strip()) for a, _, c in re.findall(r"^\| (.*?) \| (.*?) \| (.*?) \|$",
                                                                 section[code.end():], re.M)
                if a.strip() and set(a.strip()) != {"-"}]
        found.append(Counterexample(code.group(1), rows, raised.group(1) if raised else "", "feedback.md"))
    return found


# ------------------------------------------------------------------------------------------- running


def run_snippet(code: str, cwd: Path, timeout: float = 120) -> Ran:
    """``code`` pasted into a fresh ``python`` started in ``cwd``."""
    done = subprocess.run([sys.executable, "-"], input=code, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)
    return Ran(done.returncode, done.stdout, done.stderr)


# ------------------------------------------------------------------------------------------- comparing


def _number(text: str) -> Optional[float]:
    try:
        return float(text)
    except ValueError:
        return None


def _literal(text: str) -> Any:
    """A printed list of numbers, Values (their data) or None."""
    text = re.sub(r"Value\(data=([^,()]+), grad=[^()]*\)", r"\1", text)
    return ast.literal_eval(text.replace("nan", "None").replace("inf", "None"))


def _parameter_names(code: str) -> List[str]:
    """The name of every parameter of a module snippet, in canonical order (each neuron's w, then b)."""
    rows = re.search(r"^params = \[\n(.*?)^\]", code, re.S | re.M)
    widths = [len(ast.literal_eval(line.strip().rstrip(","))) - 1 for line in rows.group(1).splitlines()] if rows \
        else []
    mlp = re.search(r"^model = MLP\(\d+, (\[[\d, ]*\])\)", code, re.M)
    layer = re.search(r"^model = Layer\(", code, re.M)
    names = []
    for n, width in enumerate(widths):
        leaves = [f"w[{k}]" for k in range(width)] + ["b"]
        if mlp:
            sizes, index, offset = ast.literal_eval(mlp.group(1)), 0, n
            while offset >= sizes[index]:
                offset -= sizes[index]
                index += 1
            prefix = f"layers[{index}].neurons[{offset}]."
        else:
            prefix = f"neurons[{n}]." if layer else ""
        names += [prefix + leaf for leaf in leaves]
    return names


def shown_values(code: str, stdout: str) -> Dict[str, Any]:
    """What the snippet printed, by the name a report's row gives it (``a.grad``, ``loss``,
    ``after action 1 (zero_grad): b.grad``, ``after step 1: params[0].data``, ...)."""
    lines = stdout.splitlines()
    values: Dict[str, Any] = {}
    if re.search(r"^model = (Neuron|Layer|MLP)\(", code, re.M):
        _module_values(code, lines, values)
    elif re.search(r"^optimizer = AdamW\(", code, re.M):
        for k, line in enumerate((line for line in lines if line.startswith("t ")), start=1):
            match = re.match(r"t (\S+) data (\[.*\])$", line)
            if match:
                values[f"after step {k}: optimizer.t"] = _number(match.group(1))
                for i, x in enumerate(_literal(match.group(2))):
                    values[f"after step {k}: params[{i}].data"] = x
    else:
        for line in lines:
            words = line.split(" ", 1)
            if words[0] == "loss" and len(words) == 2:
                values["loss"] = _number(words[1])
            elif words[0] == "grads" and len(words) == 2:  # cross_entropy: each logit's grad
                for i, x in enumerate(_literal(words[1])):
                    values[f"logits[{i}].grad"] = x
            match = re.fullmatch(r"(\w+) (\S+) (\S+)", line)
            if match and _number(match.group(2)) is not None:
                values[f"{match.group(1)}.data"] = _number(match.group(2))
                values[f"{match.group(1)}.grad"] = _number(match.group(3))
    return values


def _module_values(code: str, lines: List[str], values: Dict[str, Any]) -> None:
    actions = re.findall(r"^# action (\d+): (\w+)$", code, re.M)
    names = _parameter_names(code)
    printed = iter(lines)

    def take(label: str) -> Optional[str]:
        line = next(printed, None)
        if line is None or not line.startswith(label + " "):
            return None
        return line[len(label) + 1:].strip()

    for index, action in actions:
        where = f"after action {index} ({action}): " if len(actions) > 1 else ""
        if action == "forward":
            outputs = take("outputs")
            if outputs is None:
                return
            rows = _literal(outputs)
            values.setdefault("outputs per example", [len(r) if isinstance(r, list) else 1 for r in rows])
            for j, row in enumerate(rows):
                values[where + f"model(x{j}) returns"] = "a list" if isinstance(row, list) else "a Value"
                row = row if isinstance(row, list) else [row]
                values[where + f"number of outputs for x{j}"] = len(row)
                for k, x in enumerate(row):
                    values[where + f"output {k} for x{j}"] = x
            loss = take("loss")
            if loss is None:
                return
            values[where + "loss"] = _number(loss)
            kinds = [("grads", "grad")]
        elif action == "zero_grad":
            kinds = [("grads", "grad")]
        elif action == "step":
            kinds = [("params", "data")]
        else:
            listed = take("parameters()")
            if listed is None:
                return
            order = _literal(listed)
            values[where + "len(model.parameters())"] = len(order)
            for k, q in enumerate(order):
                values[where + f"model.parameters()[{k}] is"] = "not a parameter" if q is None else names[q]
            take("expected")
            continue
        for label, attribute in kinds:
            read = take(label)
            if read is None:
                return
            flat = [x for neuron in _literal(read) for x in neuron]
            for name, x in zip(names, flat):
                values[where + f"{name}.{attribute}"] = x


def _claimed(got: str) -> str:
    """A row's got value without the table's marks: "0.4768   <- wrong" and "-1.25 (0.25 + -1.5)" give the number."""
    got = got.split("<- wrong")[0].strip()
    match = re.fullmatch(r"(\S+) \(.*\)", got)
    return match.group(1) if match else got


def _agrees(claimed: str, printed: Any) -> bool:
    if isinstance(printed, (int, float)) and not isinstance(printed, bool):
        number = _number(claimed)
        if number is None:
            return False
        if math.isnan(number) or math.isnan(printed):
            return math.isnan(number) and math.isnan(printed)
        return math.isclose(number, printed, rel_tol=1e-5, abs_tol=1e-9)
    if isinstance(printed, list):
        return claimed.replace(" ", "") == str(printed).replace(" ", "")
    return claimed == str(printed)


def _same_exception(claimed: str, printed: str) -> bool:
    """``RecursionError: maximum recursion depth exceeded at engine.py:129 in build_topo`` (a report)
    against the last line of a traceback."""
    claimed = _NOTE.sub("", _LOCATION.sub("", claimed.strip()))
    kind, _, message = claimed.partition(": ")
    got_kind, _, got_message = printed.partition(": ")
    if kind != got_kind:
        return False
    return not message or got_message.startswith(message) or message.startswith(got_message)


def check_reproduces(example: Counterexample, ran: Ran) -> Tuple[List[str], List[str]]:
    """(what was compared, where it disagrees) between what the report claims and what the snippet did."""
    compared: List[str] = []
    problems: List[str] = []
    exception = next((got for what, got in example.rows if what == "exception"), "") or example.raised
    per_example = _PER_EXAMPLE.search(exception)
    if per_example:  # the check's own complaint about the outputs, not an exception of the student's code
        exception = ""
    if exception:
        compared.append("exception")
        if not _same_exception(exception, ran.exception):
            problems.append(f"the report says the code raised {exception!r}; run as printed it "
                            + (f"raised {ran.exception!r}" if ran.exception else "raised nothing"))
        return compared, problems
    if ran.returncode != 0:
        return compared, [f"the snippet raised {ran.exception!r}, which the report does not claim"]
    values = shown_values(example.code, ran.stdout)
    if not re.search(r"\bbackward\(|_backward\(\)", example.code):  # what it prints is from before any backward()
        values.update({f"{what} before backward()": x for what, x in list(values.items())})
    claims = [(what, _claimed(got)) for what, got in example.rows]
    if per_example:
        claims.append(("outputs per example", per_example.group(1)))
    for what, claimed in claims:
        if what not in values:
            continue
        compared.append(what)
        if not _agrees(claimed, values[what]):
            problems.append(f"{what}: the report says {claimed}, the snippet prints {values[what]!r}")
    return compared, problems
