"""The Streamlit page of ``micrograd app`` (run by ``streamlit run micrograd/app/_script.py -- ARGS``).

Actions run in widget callbacks, before the page is drawn, so each run of the script
draws one consistent state. "Play" steps once at the end of every run of the live part
(a fragment) and asks for another run of it, so the page updates after every step;
"Pause" (any click, in fact) interrupts that loop.
"""

from __future__ import annotations

import argparse
import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Sequence

import streamlit as st

from micrograd.app._backend import DEFAULT_TIMEOUT, BackendError, open_backend
from micrograd.app._boundary import decision_boundary
from micrograd.app._data import DATASETS, load_dataset
from micrograd.app._graph import GraphError, GraphRenderer, draw_graph
from micrograd.app._points import CLICK_MODES, graph_view, parse_event, plot_data, points_plot
from micrograd.app._trainer import Example, TrainConfig, Trainer

__all__ = ["COLORS", "main"]

#: the colour of each class (blue, orange, green)
COLORS = ("#2563eb", "#f97316", "#16a34a")
#: the decision boundary is computed on a grid of this many cells a side
BOUNDARY_CELLS = 88
#: the least time between two steps while playing (seconds), so the browser keeps up
PLAY_INTERVAL = 0.05
_LOSS_NAMES = {"cross_entropy": "cross-entropy", "svm": "SVM (multiclass hinge)"}
_OPTIMIZER_NAMES = {"adamw": "AdamW", "sgd": "SGD"}
_CLICK_NAMES = {"add": "adds a point", "pick": "chooses the example", "delete": "deletes a point"}
_DRAW_NAMES = {"nodes": "every node", "neurons": "one box per neuron"}


@dataclass
class AppState:
    """What one browser session keeps between runs of the script."""

    trainer: Trainer
    playing: bool = False
    messages: List[str] = field(default_factory=list)
    timings: List[float] = field(default_factory=list)
    renderer: GraphRenderer = field(default_factory=GraphRenderer)
    #: the layout of the graph SVG the browser has (None: send the SVG with the next run)
    sent_layout: Optional[str] = None


def _options(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="micrograd app (page)")
    parser.add_argument("--impl", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    return parser.parse_args(list(argv or []))


def _state(options: argparse.Namespace) -> AppState:
    if "mg" not in st.session_state:
        try:
            backend = open_backend(options.impl, options.timeout)
        except BackendError as error:
            st.error(str(error))
            st.stop()
        reference = open_backend() if backend.isolated else None
        trainer = Trainer(backend, load_dataset("yin-yang"), TrainConfig(), reference)
        st.session_state["mg"] = AppState(trainer)
    state: AppState = st.session_state["mg"]
    return state


# actions (widget callbacks)


def _act(state: AppState, action: Any, *args: Any) -> None:
    try:
        action(*args)
    except ValueError as error:
        state.messages.append(str(error))


def _step(state: AppState) -> None:
    start = time.perf_counter()
    evaluation = state.trainer.step()
    state.timings = [*state.timings, time.perf_counter() - start][-20:]
    if evaluation.error or not evaluation.finite:
        if state.playing:
            state.messages.append("Paused: the last step failed (see below).")
        state.playing = False


def _toggle_play(state: AppState) -> None:
    state.playing = not state.playing


def _reset_model(state: AppState) -> None:
    state.playing = False
    state.trainer.reset_model()


def _config_changed(state: AppState) -> None:
    """Hidden sizes, loss, optimizer, weight decay or seed changed: a new model."""
    s = st.session_state
    try:
        hidden = tuple(int(part) for part in s["hidden"].replace(",", " ").split())
    except ValueError:
        state.messages.append(f"Hidden layer sizes must be whole numbers separated by commas, such as 8 or 16, 16; "
                              f"got {s['hidden']!r}.")
        return
    try:
        config = TrainConfig(hidden=hidden, loss=s["loss"], optimizer=s["optimizer"], lr=float(s["lr"]),
                             weight_decay=float(s["weight_decay"]), seed=int(s["seed"]))
    except ValueError as error:
        state.messages.append(f"{error}.")
        return
    state.playing = False
    state.trainer.reset_model(config)


def _lr_changed(state: AppState) -> None:
    _act(state, state.trainer.set_learning_rate, float(st.session_state["lr"]))


def _dataset_changed(state: AppState) -> None:
    state.playing = False
    state.trainer.reset_data(load_dataset(st.session_state["dataset"]))


def _reset_data(state: AppState) -> None:
    state.trainer.reset_data()


def _plot_event(state: AppState) -> None:
    trainer = state.trainer
    raw = st.session_state.get("points")
    event = parse_event(getattr(raw, "event", None), len(trainer.points), trainer.dataset.n_classes)
    if event is None:
        return
    if event.action == "add":
        _act(state, trainer.add_point, event.x, event.y, event.label)
    elif event.action == "move":
        _act(state, trainer.move_point, event.index, event.x, event.y)
    elif event.action == "delete":
        _act(state, trainer.delete_point, event.index)
    elif event.index is not None:
        p = trainer.points[event.index]
        _act(state, trainer.choose_example, Example(p.x, p.y, p.label, event.index))


def _graph_missing(state: AppState) -> None:
    """The browser has no SVG of the current layout (the view was redrawn): send it again."""
    state.sent_layout = None


def _typed_example(state: AppState) -> None:
    s = st.session_state
    names = state.trainer.dataset.classes
    _act(state, state.trainer.choose_example,
         Example(float(s["example_x"]), float(s["example_y"]), names.index(s["example_label"])))


# the page


def _sidebar(state: AppState) -> None:
    trainer = state.trainer
    config = trainer.config
    with st.sidebar:
        backend = trainer.backend
        if backend.isolated:
            st.caption(f"Engine: **{backend.name}** (your code, in a sandboxed child process); "
                       "every step is checked against the reference engine.")
        else:
            st.caption("Engine: **the reference** (micrograd.engine, in this process). "
                       "Run `micrograd app --impl DIR` to train your own.")
        st.header("Data")
        st.selectbox("Data set", list(DATASETS), key="dataset", index=list(DATASETS).index(trainer.dataset.name),
                     on_change=_dataset_changed, args=(state,))
        st.radio("A click on the plot", CLICK_MODES, key="click_mode", format_func=_CLICK_NAMES.__getitem__)
        st.selectbox("Class of new points", trainer.dataset.classes, key="add_label")
        st.button("Reset the data", on_click=_reset_data, args=(state,), width="stretch")
        st.header("Model")
        st.text_input("Hidden layer sizes", value=", ".join(map(str, config.hidden)), key="hidden",
                      on_change=_config_changed, args=(state,),
                      help="MLP(2, [hidden..., classes]), such as 8 or 16, 16")
        st.selectbox("Loss", list(_LOSS_NAMES), key="loss", format_func=_LOSS_NAMES.__getitem__,
                     on_change=_config_changed, args=(state,))
        st.selectbox("Optimizer", list(_OPTIMIZER_NAMES), key="optimizer", format_func=_OPTIMIZER_NAMES.__getitem__,
                     on_change=_config_changed, args=(state,))
        st.number_input("Learning rate", min_value=0.0, max_value=10.0, value=config.lr, step=0.01, format="%.4f",
                        key="lr", on_change=_lr_changed, args=(state,))
        st.number_input("Weight decay (AdamW)", min_value=0.0, max_value=1.0, value=config.weight_decay,
                        step=1e-4, format="%.5f", key="weight_decay", on_change=_config_changed, args=(state,))
        st.number_input("Seed", min_value=0, max_value=2**31, value=config.seed, step=1, key="seed",
                        on_change=_config_changed, args=(state,))


def _controls(state: AppState) -> None:
    trainer = state.trainer
    cols = st.columns([1, 1, 1, 1.2, 1.4, 1.2, 1.2])
    cols[0].button("Step", on_click=_step, args=(state,), width="stretch", disabled=state.playing)
    cols[1].button("Pause" if state.playing else "Play", key="play", on_click=_toggle_play, args=(state,),
                   width="stretch", type="primary")
    cols[2].button("Reset", on_click=_reset_model, args=(state,), width="stretch",
                   help="new random parameters, a fresh optimizer")
    last = trainer.history[-1] if trainer.history else None
    cols[3].metric("Step", trainer.steps)
    cols[4].metric("Loss", "-" if last is None else f"{last.loss:.4f}")
    cols[5].metric("Accuracy", "-" if last is None else f"{last.accuracy:.0%}")
    cols[6].metric("Points", len(trainer.points))


def _problems(state: AppState) -> None:
    for message in state.messages:
        st.warning(message)
    state.messages = []
    last = state.trainer.last
    if last is None:
        return
    if last.error:
        who = "Your implementation" if state.trainer.backend.isolated else "The engine"
        st.error(f"{who} failed: {last.error}")
    elif last.check is not None and not last.check.ok:
        st.error(last.check.message)


def _data_and_curves(state: AppState) -> None:
    trainer = state.trainer
    left, right = st.columns([1, 1])
    with left:
        mode = st.session_state.get("click_mode", "add")
        names = trainer.dataset.classes
        label = names.index(st.session_state["add_label"]) if st.session_state.get("add_label") in names else 0
        boundary = decision_boundary(trainer.weights(), trainer.dataset.extent, size=BOUNDARY_CELLS)
        example = trainer.current_example()
        points_plot(plot_data(trainer.points, COLORS, trainer.dataset.extent, boundary, (example.x, example.y),
                              mode, label), key="points", on_event=functools.partial(_plot_event, state))
        legend = " ".join(f"<span style='color:{c}'>&#9679;</span> {n}" for c, n in zip(COLORS, names))
        st.markdown(f"{legend} &nbsp; Drag a point to move it.", unsafe_allow_html=True)
    with right:
        _curve(trainer, "loss", "Loss")
        _curve(trainer, "accuracy", "Accuracy")


def _curve(trainer: Trainer, column: str, title: str) -> None:
    """A line of ``column`` over the steps (a plain Vega-Lite spec: rendered by the page's own Vega, offline)."""
    rows = [{"step": r.step, column: getattr(r, column)} for r in trainer.history]
    y: dict = {"field": column, "type": "quantitative", "title": title}
    if column == "accuracy":
        y["scale"] = {"domain": [0, 1]}
    spec = {
        "data": {"values": rows},
        "mark": {"type": "line", "point": len(rows) < 30},
        "encoding": {"x": {"field": "step", "type": "quantitative", "axis": {"tickMinStep": 1}}, "y": y},
        "height": 190,
    }
    st.vega_lite_chart(spec, width="stretch")


def _graph(state: AppState) -> None:
    trainer = state.trainer
    st.subheader("The graph of one example")
    example = trainer.current_example()
    names = trainer.dataset.classes
    where = f"point #{example.index}" if example.index is not None else "a typed example"
    top = st.columns([2, 1.2])
    top[0].markdown(f"The forward pass and loss of {where}: x = ({example.x:.3f}, {example.y:.3f}), class "
                    f"**{names[example.label]}**, with every node's data and its grad after `loss.backward()` "
                    "on this example alone. Choose another by clicking a point (with clicks set to choose "
                    "the example) or type one:")
    mode = str(top[1].radio("Draw", list(_DRAW_NAMES), key="draw", format_func=_DRAW_NAMES.__getitem__,
                            horizontal=True))
    top[1].select_slider("Zoom", [0.25, 0.5, 0.75, 1.0], value=0.75, key="zoom", format_func=lambda z: f"{z:.0%}")
    with st.expander("Type an example"):
        cols = st.columns(4)
        cols[0].number_input("x", value=float(example.x), step=0.1, format="%.3f", key="example_x")
        cols[1].number_input("y", value=float(example.y), step=0.1, format="%.3f", key="example_y")
        cols[2].selectbox("class", names, index=example.label, key="example_label")
        cols[3].button("Use this example", on_click=_typed_example, args=(state,))
    last = trainer.last
    state.sent_layout, sent = None, state.sent_layout
    if last is None or not last.outcome.ok:
        st.info("No graph: the last evaluation failed.")
        return
    outcome = last.outcome
    if outcome.graph_error or not outcome.graph:
        st.info(f"No graph: {outcome.graph_error or 'the implementation sent none'}.")
        return
    try:
        drawing = draw_graph(outcome.graph, trainer.sizes, mode)
        rendered = state.renderer.render(drawing)
        state.sent_layout = sent
    except GraphError as error:
        st.info(str(error))
        return
    if drawing.note:
        st.caption(drawing.note)
    st.caption(f"{len(outcome.graph)} nodes; blue: parameters, yellow: inputs, green: logits, red: the loss.")
    svg = None if rendered.key == sent else rendered.svg
    graph_view(svg, rendered.key, rendered.texts, zoom=st.session_state.get("zoom", 0.75),
               on_missing=functools.partial(_graph_missing, state))
    state.sent_layout = rendered.key


def _inspect(state: AppState) -> None:
    trainer = state.trainer
    if state.playing:
        st.caption("Pause to inspect every parameter.")
        return
    label = f"Inspect: {len(trainer.params)} parameters, their gradients and the optimizer's state"
    if not st.toggle(label, key="inspect"):
        return
    with st.container(border=True):
        optimizer = trainer.config.optimizer
        if optimizer == "adamw":
            st.caption(f"AdamW after t = {trainer.steps} steps (lr {trainer.config.lr:g}, weight decay "
                       f"{trainer.config.weight_decay:g}): m and v are each parameter's running mean of grad "
                       "and of grad squared.")
        else:
            st.caption(f"SGD after {trainer.steps} steps (lr {trainer.config.lr:g}): no state beyond the parameters.")
        rows = [{"parameter": r.name, "value": r.value, "grad": r.grad, **({"m": r.m, "v": r.v} if r.m is not None
                 else {})} for r in trainer.parameter_table()]
        st.dataframe(rows, width="stretch", height=320)


def _timing(state: AppState) -> None:
    last = state.trainer.last
    if last is not None:
        where = "in a sandboxed child process" if state.trainer.backend.isolated else "in this process"
        st.caption(f"Last evaluation: {last.seconds * 1000:.0f} ms {where}.")


@st.fragment
def _live(state: AppState) -> None:
    """Everything a step changes. A fragment: a step, a click on the plot or "Play" redraws only
    this part of the page, not the sidebar (less work for the server and the browser)."""
    _controls(state)
    _problems(state)
    _data_and_curves(state)
    _graph(state)
    _inspect(state)
    _timing(state)
    if state.playing:
        time.sleep(PLAY_INTERVAL)
        _step(state)
        st.rerun(scope="fragment")


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Draw the page; while playing, each run of the fragment steps and asks for the next one."""
    st.set_page_config(page_title="micrograd: watch it train", layout="wide")
    state = _state(_options(argv))
    _sidebar(state)
    st.title("micrograd: watch a network train")
    _live(state)
