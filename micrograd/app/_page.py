"""The Streamlit page of ``micrograd app`` (run by ``streamlit run micrograd/app/_script.py -- ARGS``).

The sidebar holds the settings (Streamlit widgets; their callbacks change the trainer before the
page is drawn). What a step changes is a fragment: the board component (controls, metrics, plot,
curves, table, log: see _session for its commands) and the graph of one example. A step reruns
that fragment alone, and the browser redraws the board in place.
"""

from __future__ import annotations

import argparse
import functools
import html
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import streamlit as st

from micrograd.app._backend import DEFAULT_TIMEOUT, BackendError, open_backend
from micrograd.app._collect import collector
from micrograd.app._components import board, graph_view
from micrograd.app._config import INITS, PRESET
from micrograd.app._data import DATASETS, load_dataset
from micrograd.app._graph import GraphError, GraphRenderer, draw_graph
from micrograd.app._session import Session
from micrograd.app._trainer import Example, Trainer
from micrograd.app._view import board_data
from micrograd.app._warm import take

__all__ = ["main"]

_CLICK_MODES = {"add": "adds a point", "pick": "chooses the example", "delete": "deletes a point"}
_LOSS_NAMES = {"cross_entropy": "cross-entropy (nn.cross_entropy)", "module_cross_entropy":
               "cross-entropy as the module writes it", "svm": "SVM (multiclass hinge)"}
_OPTIMIZER_NAMES = {"adamw": "AdamW", "sgd": "SGD"}
_INIT_NAMES = {"scaled": "uniform(-1, 1) / sqrt(fan-in)", "uniform": "uniform(-1, 1)"}
_DRAW_NAMES = {"nodes": "every node", "neurons": "one box per neuron"}
_MODEL_KEYS = ("hidden", "activation", "init", "loss", "optimizer", "lr", "weight_decay", "seed")


@dataclass
class PageState:
    """What one browser session keeps between runs of the script."""

    session: Session
    renderer: GraphRenderer
    #: the layout of the graph SVG the browser has (None: send the SVG with the next run)
    sent_layout: Optional[str] = None

    @property
    def trainer(self) -> Trainer:
        return self.session.trainer


def _options(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="micrograd app (page)")
    parser.add_argument("--impl", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    return parser.parse_args(list(argv or []))


#: graph layouts, shared by the sessions (a layout depends on the graph's structure only)
_RENDERER = GraphRenderer(size=32)


def new_state(argv: Sequence[str]) -> PageState:
    """A session's state: the backend (BackendError if the directory cannot be used), the trainer on the
    LLM101n run, evaluated, and its graph laid out."""
    options = _options(argv)
    backend = open_backend(options.impl, options.timeout)
    reference = open_backend() if backend.isolated else None
    config = PRESET.student() if backend.isolated else PRESET
    state = PageState(Session(Trainer(backend, load_dataset("yin-yang"), config, reference)), _RENDERER)
    last = state.trainer.last
    if last is not None and last.outcome.ok and last.outcome.graph:
        try:
            _RENDERER.render(draw_graph(last.outcome.graph, state.trainer.sizes, "nodes"))
        except GraphError:
            pass
    return state


def _state(argv: Sequence[str]) -> PageState:
    if "mg" not in st.session_state:
        state = take(argv)
        if state is None:
            try:
                state = new_state(argv)
            except BackendError as error:
                st.error(str(error))
                st.stop()
        st.session_state["mg"] = state
    state = st.session_state["mg"]
    return state


# actions (widget callbacks)


def _new_config(state: PageState, **changes: Any) -> None:
    try:
        config = replace(state.trainer.config, **changes)
    except ValueError as error:
        state.session.messages.append(f"{error}; the setting is back to what it was.")
        return
    state.session.stop()
    state.trainer.reset_model(config)


def _model_changed(state: PageState, key: str) -> None:
    """A model setting changed: a new model (the learning rate alone keeps the optimizer's state)."""
    value = st.session_state[key]
    if key == "hidden":
        try:
            value = tuple(int(part) for part in str(value).replace(",", " ").split())
        except ValueError:
            state.session.messages.append(f"Hidden layer sizes are whole numbers separated by commas, such as 8 "
                                          f"or 16, 16, not {value!r}; the setting is back to what it was.")
            return
    if key == "lr":
        state.trainer.set_learning_rate(float(value))
        return
    _new_config(state, **{key: value})


def _load_preset(state: PageState) -> None:
    state.session.stop()
    trainer = state.trainer
    trainer.dataset = load_dataset("yin-yang")
    trainer.points, trainer.example = list(trainer.dataset.points), None
    trainer.reset_model(PRESET.student() if trainer.backend.isolated else PRESET)


def _use_sgd(state: PageState) -> None:
    _new_config(state, optimizer="sgd")


def _dataset_changed(state: PageState) -> None:
    state.session.stop()
    state.trainer.reset_data(load_dataset(st.session_state["dataset"]))


def _reset_data(state: PageState) -> None:
    state.session.snapshot = None
    state.trainer.reset_data()


def _commands(state: PageState) -> None:
    collector.hold()  # collected once the update is drawn and sent (see _collect)
    raw = st.session_state.get("board")
    commands = raw.get("commands") if isinstance(raw, dict) else getattr(raw, "commands", None)
    state.session.handle(commands)


def _graph_missing(state: PageState) -> None:
    """The browser has no SVG of the current layout (the view was redrawn): send it again."""
    state.sent_layout = None


def _typed_example(state: PageState) -> None:
    s = st.session_state
    names = state.trainer.dataset.classes
    try:
        state.trainer.choose_example(Example(float(s["example_x"]), float(s["example_y"]),
                                             names.index(s["example_label"])))
    except ValueError as error:
        state.session.messages.append(f"{error}.")


# the page


def _sync(state: PageState) -> None:
    """The widgets show the trainer's settings (a rejected input goes back to the setting in use)."""
    config = state.trainer.config
    values: Dict[str, Any] = {"hidden": ", ".join(map(str, config.hidden)), "dataset": state.trainer.dataset.name}
    values.update({key: getattr(config, key) for key in _MODEL_KEYS if key != "hidden"})
    for key, value in values.items():
        if st.session_state.get(key) != value:
            st.session_state[key] = value


def _sidebar(state: PageState) -> None:
    trainer = state.trainer
    isolated = trainer.backend.isolated
    on = functools.partial
    with st.sidebar:
        if isolated:
            st.caption(f"Engine: **{trainer.backend.name}** (your code: engine, MLP, cross_entropy, AdamW and "
                       "zero_grad, in a sandboxed child process); every step is checked against the reference "
                       "on the same state.")
        else:
            st.caption("Engine: **the reference** (micrograd.engine, in this process). "
                       "Run `micrograd app --impl DIR` to train your own.")
        if trainer.config.is_preset(isolated) and trainer.dataset.name == "yin-yang":
            st.caption("Settings: **the LLM101n module's run** (MLP(2, [8, 3]) with tanh, RNG(42), AdamW lr 0.1): "
                       "its log is below the plot.")
        else:
            st.button("Back to the LLM101n module's run", on_click=_load_preset, args=(state,), width="stretch")
        st.header("Data")
        st.selectbox("Data set", list(DATASETS), key="dataset", on_change=_dataset_changed, args=(state,))
        st.radio("A click on the plot", list(_CLICK_MODES), key="click_mode", format_func=_CLICK_MODES.__getitem__)
        st.selectbox("Class of new points", trainer.dataset.classes, key="add_label")
        st.button("Reset the data", on_click=_reset_data, args=(state,), width="stretch")
        st.header("Model")
        st.text_input("Hidden layer sizes", key="hidden", on_change=on(_model_changed, state, "hidden"),
                      help="MLP(2, [hidden..., classes]), such as 8 or 16, 16")
        st.selectbox("Activation of the hidden layers", ["tanh", "relu"], key="activation",
                     on_change=on(_model_changed, state, "activation"))
        st.selectbox("Initial weights", list(INITS), key="init", format_func=_INIT_NAMES.__getitem__,
                     on_change=on(_model_changed, state, "init"), help="drawn from the module's RNG(seed); biases 0")
        losses = ["cross_entropy"] if isolated else list(_LOSS_NAMES)
        st.selectbox("Loss", losses, key="loss", format_func=_LOSS_NAMES.__getitem__, disabled=isolated,
                     on_change=on(_model_changed, state, "loss"),
                     help="with --impl: your own nn.cross_entropy" if isolated else None)
        st.selectbox("Optimizer", list(_OPTIMIZER_NAMES), key="optimizer", format_func=_OPTIMIZER_NAMES.__getitem__,
                     on_change=on(_model_changed, state, "optimizer"),
                     help="AdamW: nn.AdamW (yours with --impl); SGD: p.data -= lr * p.grad, applied by the page")
        st.number_input("Learning rate", min_value=0.0, max_value=10.0, step=0.01, format="%.4f", key="lr",
                        on_change=on(_model_changed, state, "lr"))
        st.number_input("Weight decay (AdamW)", min_value=0.0, max_value=1.0, step=1e-4, format="%.5f",
                        key="weight_decay", on_change=on(_model_changed, state, "weight_decay"))
        st.number_input("Seed", min_value=1, max_value=2**31, step=1, key="seed",
                        on_change=on(_model_changed, state, "seed"))
        st.header("Graph")
        st.radio("Draw", list(_DRAW_NAMES), key="draw", format_func=_DRAW_NAMES.__getitem__, horizontal=True)
        st.radio("Zoom", [0.25, 0.5, 0.75, 1.0], index=2, key="zoom", format_func=lambda z: f"{z:.0%}",
                 horizontal=True)
        example = trainer.current_example()
        with st.expander("Type an example"):
            st.number_input("x", value=float(example.x), step=0.1, format="%.3f", key="example_x")
            st.number_input("y", value=float(example.y), step=0.1, format="%.3f", key="example_y")
            st.selectbox("class", trainer.dataset.classes, index=example.label, key="example_label")
            st.button("Use this example", on_click=_typed_example, args=(state,))


def _problems(state: PageState) -> None:
    session, trainer = state.session, state.trainer
    for message in session.messages:
        st.warning(message)
    session.messages = []
    missing = trainer.optimizer_error if trainer.config.optimizer == "adamw" else None
    last = trainer.last
    if missing is not None:
        st.warning(f"Your nn.AdamW cannot step yet ({missing}). Finish the adamw exercise (`micrograd check "
                   "--exercise adamw`), or train with SGD, which the page applies itself.")
        st.button("Train with SGD", on_click=_use_sgd, args=(state,))
    if last is None:
        return
    if last.error:
        who = "Your implementation" if trainer.backend.isolated else "The engine"
        st.error(f"{who} failed: {last.error}")
    elif last.check is not None and not last.check.ok:
        st.error(last.check.message)


def _timing(state: PageState) -> str:
    last = state.trainer.last
    if last is None:
        return ""
    where = ("your code in a sandboxed child process, the reference's check in this process"
             if state.trainer.backend.isolated else "the reference, in this process")
    batch = f"; playing {state.session.batch} steps per redraw" if state.session.playing and state.session.batch > 1 \
        else ""
    return f"Last evaluation: {last.seconds * 1000:.0f} ms ({where}){batch}."


def _graph(state: PageState) -> None:
    trainer = state.trainer
    example = trainer.current_example()
    names = trainer.dataset.classes
    where = f"point #{example.index}" if example.index is not None else "a typed example"
    view: Dict[str, Any] = {
        "title": "The graph of one example",
        "text": (f"The forward pass and loss of {where}: x = ({example.x:.3f}, {example.y:.3f}), class "
                 f"<b>{html.escape(names[example.label])}</b>, with every node's data and its grad after "
                 "<code>loss.backward()</code> on this example alone. Choose another by clicking a point (with "
                 "clicks set to choose the example) or type one in the sidebar."),
        "zoom": float(st.session_state.get("zoom", 0.75)),
    }
    last = trainer.last
    state.sent_layout, sent = None, state.sent_layout
    outcome = None if last is None else last.outcome
    if outcome is None or not outcome.ok:
        view["message"] = "No graph: the last evaluation failed."
    elif outcome.graph_error or not outcome.graph:
        view["message"] = html.escape(f"No graph: {outcome.graph_error or 'the implementation sent none'}.")
    else:
        try:
            drawing = draw_graph(outcome.graph, trainer.sizes, str(st.session_state.get("draw", "nodes")))
            rendered = state.renderer.render(drawing)
        except GraphError as error:
            view["message"] = html.escape(str(error))
        else:
            note = f"{drawing.note} " if drawing.note else ""
            view.update(caption=html.escape(f"{note}{len(outcome.graph)} nodes; blue: parameters, yellow: inputs, "
                                            "green: logits, red: the loss."),
                        svg=None if rendered.key == sent else rendered.svg, layout=rendered.key,
                        texts=list(rendered.texts))
            state.sent_layout = rendered.key
    graph_view(view, on_missing=functools.partial(_graph_missing, state))


@st.fragment
def _live(state: PageState) -> None:
    """Everything a step changes: a command on the board reruns this fragment alone."""
    session, trainer = state.session, state.trainer
    _problems(state)
    names = trainer.dataset.classes
    label = names.index(st.session_state["add_label"]) if st.session_state.get("add_label") in names else 0
    data = board_data(trainer, mode=str(st.session_state.get("click_mode", "add")), label=label,
                      playing=session.playing, ack=session.ack(), timing=_timing(state), batch=session.batch,
                      preset=trainer.config.is_preset(trainer.backend.isolated))
    board(data, functools.partial(_commands, state))
    _graph(state)
    collector.release()


#: the board and the graph update in place many times a second: no "running" animation, no fading while
#: their fragment reruns (each of those repaints the page at every frame of a step)
_STYLE = """<style>
[data-testid="stStatusWidget"] { visibility: hidden; }
.st-key-board, .st-key-graph { opacity: 1 !important; transition: none !important; }
</style>"""


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Draw the page."""
    st.set_page_config(page_title="micrograd: watch it train", layout="wide")
    st.html(_STYLE)
    state = _state(list(argv or []))
    _sync(state)
    st.title("micrograd: watch a network train")
    _live(state)  # before the sidebar: the browser fetches the board's parts while it draws the settings
    _sidebar(state)
