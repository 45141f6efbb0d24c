"""Run mutmut's mutation operators over reference/engine.py and hold each mutant against the spec.

Not a test (not collected: run it by hand, outside CI; it takes minutes)::

    python tests/mutants/mutmut_engine.py --out /tmp/mutmut-engine.json [--profile ci]

mutmut (3.x) generates the mutants (each a one-node edit: operators, numbers, strings,
arguments, ...); instead of mutmut's own runner (trampolines plus pytest per mutant),
each mutant is written as a plain implementation directory and run with the same kill
loop as the catalogue (micrograd.mutants.run_spec: spec properties in exercise order
until the first failure), so survivors mean exactly "the spec does not notice".
Prints one line per mutant and a summary; writes every result as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def _mutants(engine: Path):
    """(index, function, original snippet, mutated snippet, mutated source) for each mutmut mutant."""
    import libcst as cst

    work = Path(tempfile.mkdtemp(prefix="mutmut-config-"))
    shutil.copyfile(engine, work / "engine.py")
    (work / "setup.cfg").write_text("[mutmut]\nsource_paths=engine.py\n")
    cwd = os.getcwd()
    os.chdir(work)  # mutmut reads its configuration from the working directory
    try:
        from mutmut.mutation.file_mutation import create_mutations

        module, mutations, _, _ = create_mutations("engine.py", engine.read_text(encoding="utf-8"))
    finally:
        os.chdir(cwd)
    empty = cst.Module([])
    for i, m in enumerate(mutations):
        function = m.contained_by_top_level_function
        where = getattr(getattr(function, "name", None), "value", "<module>")
        yield (i, where, empty.code_for_node(m.original_node), empty.code_for_node(m.mutated_node),
               module.deep_replace(m.original_node, m.mutated_node).code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON file for the results")
    parser.add_argument("--profile", default="ci")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per property")
    parser.add_argument("--limit", type=int, default=None, help="only the first N mutants (a smoke run)")
    parser.add_argument("--no-shrink", action="store_true",
                        help="skip Hypothesis's shrink phase (same verdicts, sizes not minimal; much faster)")
    parser.add_argument("--all-exercises", action="store_true",
                        help="run the nn properties too (default: only the engine's exercises, add ... deep)")
    args = parser.parse_args()

    from micrograd.impl import reference_dir
    from micrograd.mutants import default_oracle, profile, run_spec
    from micrograd.spec import kit_spec

    reference = reference_dir()
    oracle = default_oracle()
    results = []
    started = time.perf_counter()
    with profile(args.profile), tempfile.TemporaryDirectory(prefix="mutmut-engine-") as tmp:
        if args.no_shrink:  # the same examples, but stop at the first failing one
            from hypothesis import Phase, settings

            settings.register_profile("mutmut-no-shrink", settings.get_profile(args.profile),
                                      phases=[Phase.explicit, Phase.reuse, Phase.generate])
            settings.load_profile("mutmut-no-shrink")
        from micrograd.verdict import EXERCISES

        engine = [name for name, e in EXERCISES.items() if e.file == "engine.py"]
        properties = kit_spec().select(None if args.all_exercises else engine)
        for i, where, old, new, source in _mutants(reference / "engine.py"):
            if args.limit is not None and i >= args.limit:
                break
            directory = Path(tmp) / f"m{i:03d}"
            directory.mkdir()
            (directory / "engine.py").write_text(source, encoding="utf-8")
            shutil.copyfile(reference / "nn.py", directory / "nn.py")
            outcome = run_spec(directory, properties, oracle=oracle, timeout=args.timeout)
            killed = outcome.status in ("failed", "timeout")
            row = {"index": i, "function": where, "original": old, "mutated": new, "killed": killed,
                   "status": outcome.status, "property": outcome.property, "exercise": outcome.failure_exercise,
                   "size": outcome.size, "seconds": round(outcome.seconds, 2), "message": outcome.message[:200]}
            results.append(row)
            print(f"{i:3d} {where:14} {'killed' if killed else outcome.status.upper():8} {outcome.seconds:6.1f}s "
                  f"{old!r:.40} -> {new!r:.40}  {outcome.property or ''}", flush=True)
    killed = sum(r["killed"] for r in results)
    summary = {"mutants": len(results), "killed": killed, "survived": len(results) - killed,
               "profile": args.profile, "seconds": round(time.perf_counter() - started, 1)}
    args.out.write_text(json.dumps({"summary": summary, "results": results}, indent=2))
    print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
