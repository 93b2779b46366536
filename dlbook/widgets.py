"""Interactive demos that work with a kernel and without one.

One call, :func:`demo`, shows a demo two ways:

* in Jupyter and Colab, a live ipywidgets demo, exactly as
  ``ipywidgets.interact(func, **controls)`` would show it;
* in the built web book, where no kernel answers, the same controls drive
  **precomputed frames**: ``func`` is called once for every combination of a
  grid of control values, its figures and printed text are kept, and a few
  lines of JavaScript show the frame of the values the reader picks. The
  page needs nothing but itself: no kernel, no network, no library.

Both views live in one output: the widget (``application/vnd.jupyter.widget-
view+json``, preferred by Jupyter and Colab) and an HTML alternative
(``text/html``, preferred by the web book, see ``_config.yml``).

Frames are rendered only when the notebook is executed to store its outputs
for the book (``make outputs`` sets ``DLBOOK_WEB_DEMOS=1``), so a reader's run,
and the CI runs that compare outputs, never pay for them.

Example::

    demo(draw, eta=widgets.FloatSlider(value=0.1, min=0.01, max=0.6, step=0.01),
         web={"eta": [0.01, 0.1, 0.25, 0.5, 0.6]},
         alt="Loss and weight per step of gradient descent")

``controls`` are what ``ipywidgets.interact`` takes (a widget, a list of
options, a ``(min, max, step)`` tuple, ``ipywidgets.fixed``). ``web`` chooses
the values the web book precomputes for a control; by default a slider gets
up to :data:`MAX_VALUES` evenly spaced values that include its start value,
and a list of options gets every option. A control given one value in ``web``
is fixed in the web book, and the demo says so and points to Colab. ``alt``
describes the figure for screen readers; each frame's alt text adds the
values it was drawn with.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import io
import itertools
import json
import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

#: The environment variable that makes :func:`demo` render its web frames.
ENV = "DLBOOK_WEB_DEMOS"
#: Values a slider gets in the web book when ``web`` does not name them.
MAX_VALUES = 21
#: Frames one demo may precompute: beyond it, choose fewer values in ``web``.
MAX_FRAMES = 300
#: Resolution and colours of a frame's images (a palette PNG of a plot is a
#: few kB; 64 colours keep antialiased lines smooth).
FRAME_DPI = 80
FRAME_COLOURS = 64
#: The class names the page's CSS and the browser test rely on.
CSS_CLASS = "dlbook-demo"


class DemoError(ValueError):
    """A demo was defined in a way the web book cannot precompute."""


@dataclass
class Control:
    """One control of the web version: its values, their labels, its start."""

    name: str
    label: str
    values: list
    labels: list[str]
    start: int
    kind: str  # "range" (a slider) or "select" (options)
    complete: bool = True  # the values are every value the live control offers


# --------------------------------------------------------------------------
# Controls: from ipywidgets' abbreviations to the web book's value grids


def _format(widget, value) -> str:
    fmt = getattr(widget, "readout_format", None)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and fmt:
        try:
            return format(value, fmt)
        except ValueError:
            pass
    return f"{value:g}" if isinstance(value, float) else str(value)


def _slider_count(widget) -> int:
    return int(round((widget.max - widget.min) / widget.step)) + 1


def _slider_values(widget) -> list:
    """Up to MAX_VALUES values of a slider's range, evenly spaced, including
    its start value (so the web book opens on the same frame as Jupyter)."""
    lo, hi, step, start = widget.min, widget.max, widget.step, widget.value
    is_int = all(isinstance(v, int) for v in (lo, hi, step))
    count = _slider_count(widget)
    stride = max(1, math.ceil((count - 1) / (MAX_VALUES - 1)))
    k0 = int(round((start - lo) / step))
    ks = sorted({k for k in range(k0 % stride, count, stride)} | {k0})
    values = [lo + k * step for k in ks]
    if is_int:
        return [int(v) for v in values]
    decimals = max(0, -math.floor(math.log10(step)) + 2) if step > 0 else 6
    return [round(float(v), decimals) for v in values]


def _nearest(values: Sequence, value) -> int:
    try:
        return values.index(value)
    except ValueError:
        pass
    try:
        return min(range(len(values)), key=lambda i: abs(values[i] - value))
    except TypeError:
        return 0


def _control(name: str, widget, web_values: Sequence | None) -> Control:
    label = getattr(widget, "description", "") or name
    if hasattr(widget, "_options_values"):  # Dropdown, RadioButtons, SelectionSlider…
        values = list(widget._options_values)
        labels = [str(x) for x in widget._options_labels]
        kind, every = "select", len(values)
        if web_values is not None:
            keep = [values.index(v) for v in web_values if v in values]
            if len(keep) != len(web_values):
                raise DemoError(f"web[{name!r}] must be options of the control: {values}")
            values, labels = [values[i] for i in keep], [labels[i] for i in keep]
    elif isinstance(getattr(widget, "value", None), bool):  # Checkbox, ToggleButton
        values = list(web_values) if web_values is not None else [False, True]
        labels, kind, every = [str(v) for v in values], "select", 2
    elif all(hasattr(widget, a) for a in ("min", "max", "step")):  # sliders
        values = list(web_values) if web_values is not None else _slider_values(widget)
        labels, kind, every = [_format(widget, v) for v in values], "range", _slider_count(widget)
    else:
        raise DemoError(
            f"control {name!r} ({type(widget).__name__}) has no values the web book "
            "can list: use a slider, a dropdown, a checkbox or a list of options"
        )
    if not values:
        raise DemoError(f"web[{name!r}] is empty: give it at least one value")
    return Control(name, label, values, labels, _nearest(values, widget.value), kind,
                   complete=len(set(map(str, values))) >= every)


def _widgets(controls: Mapping[str, Any]):
    """ipywidgets' own reading of interact's abbreviations: name -> widget, and
    the fixed keyword arguments."""
    import ipywidgets

    made, fixed = {}, {}
    for name, abbrev in controls.items():
        if isinstance(abbrev, ipywidgets.fixed):
            fixed[name] = abbrev.value
            continue
        widget = ipywidgets.interactive.widget_from_abbrev(abbrev)
        if widget is None:
            raise DemoError(f"control {name!r}: {abbrev!r} is not a widget or an abbreviation "
                            "ipywidgets.interact understands")
        made[name] = widget
    return made, fixed


# --------------------------------------------------------------------------
# Frames: what func shows for one combination of values


def _png(fig) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FRAME_DPI)
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=FRAME_COLOURS, method=Image.Quantize.FASTOCTREE).save(
        out, format="png", optimize=True)
    return out.getvalue()


def render_frame(func: Callable, kwargs: Mapping[str, Any], alt: str | None,
                 shown: str | None = None) -> str:
    """Call ``func(**kwargs)`` and return what it shows as HTML: its printed
    text in a <pre>, each figure as an <img> with alt text. The alt text ends
    with ``shown``, the controls' settings in the reader's words (their labels
    and value labels, as the web controls show them); by default the arguments."""
    import matplotlib.pyplot as plt

    parts: list[str] = []
    text = io.StringIO()
    values = ", ".join(f"{k} = {v}" for k, v in kwargs.items())
    shown = values if shown is None else shown

    def flush_text():
        if text.getvalue():
            parts.append(f"<pre>{html.escape(text.getvalue())}</pre>")
            text.seek(0)
            text.truncate()

    before = set(plt.get_fignums())  # figures open before the call are not the demo's

    def show(*_args, **_kwargs):
        for num in [n for n in plt.get_fignums() if n not in before]:
            fig = plt.figure(num)
            if alt is None:
                plt.close(fig)
                raise DemoError("this demo draws a figure: give demo(..., alt='what the "
                                "figure shows') so every frame has alt text")
            flush_text()
            data = base64.b64encode(_png(fig)).decode("ascii")
            parts.append(f'<img alt="{html.escape(alt)} ({html.escape(shown)})" '
                         f'src="data:image/png;base64,{data}">')
            plt.close(fig)

    real_show = plt.show
    plt.show = show
    try:
        with contextlib.redirect_stdout(text):
            func(**kwargs)
            show()  # figures the function left open
    except DemoError:
        raise
    except Exception as err:  # noqa: BLE001 - reported with the values that caused it
        for num in set(plt.get_fignums()) - before:
            plt.close(num)
        raise DemoError(f"{getattr(func, '__name__', 'the demo')}({values}) raised "
                        f"{type(err).__name__}: {err}. Choose web values it can draw.") from err
    finally:
        plt.show = real_show
    flush_text()
    return "\n".join(parts)


# --------------------------------------------------------------------------
# The web version: controls, frames and the script that switches them


_SCRIPT = """
(function () {
  var root = document.getElementById("%(id)s");
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var data = JSON.parse(root.querySelector("script.dlbook-demo-data").textContent);
  var inputs = Array.prototype.slice.call(root.querySelectorAll("[data-control]"));
  var frame = root.querySelector(".dlbook-demo-frame");
  function show() {
    var flat = 0;
    inputs.forEach(function (el, k) {
      var i = parseInt(el.value, 10);
      flat = flat * data.sizes[k] + i;
      var out = el.parentNode.querySelector("output");
      if (out) { out.textContent = data.labels[k][i]; }
    });
    frame.innerHTML = data.frames[data.index[flat]];
    root.setAttribute("data-frame", String(flat));
  }
  inputs.forEach(function (el) {
    el.disabled = false;
    el.addEventListener("input", show);
    el.addEventListener("change", show);
  });
  var colab = document.querySelector('a[href*="colab.research.google.com"]');
  var link = root.querySelector("a.dlbook-demo-colab");
  if (link && colab) { link.href = colab.href; }
})();
"""

_STYLE = """
.dlbook-demo { border: 1px solid #d0d7de; border-radius: 6px; padding: 0.6em 0.8em; margin: 1em 0; }
.dlbook-demo-controls { display: flex; flex-wrap: wrap; gap: 0.3em 1.5em; align-items: center; }
.dlbook-demo-controls label { display: inline-flex; align-items: center; gap: 0.5em; }
.dlbook-demo-controls output { min-width: 3.5em; font-family: monospace; }
.dlbook-demo-note { font-size: 0.85em; color: #57606a; margin: 0.3em 0; }
.dlbook-demo-frame img { max-width: 100%; }
.dlbook-demo-print { display: none; }
@media print {
  .dlbook-demo-controls, .dlbook-demo-note { display: none; }
  .dlbook-demo-print { display: block; font-size: 0.85em; font-style: italic; }
}
"""


def _control_html(k: int, c: Control) -> str:
    label = html.escape(c.label)
    if len(c.values) == 1:
        return (f'<label>{label} <output>{html.escape(c.labels[0])}</output>'
                f' <span class="dlbook-demo-fixed">(fixed here)</span></label>')
    if c.kind == "range":
        widget = (f'<input type="range" data-control="{k}" aria-label="{label}" min="0" '
                  f'max="{len(c.values) - 1}" step="1" value="{c.start}" disabled>')
        return f"<label>{label} {widget} <output>{html.escape(c.labels[c.start])}</output></label>"
    options = "".join(f'<option value="{i}"{" selected" if i == c.start else ""}>'
                      f"{html.escape(lab)}</option>" for i, lab in enumerate(c.labels))
    return (f'<label>{label} <select data-control="{k}" aria-label="{label}" disabled>'
            f"{options}</select></label>")


def _about(controls: list[Control], total: int, note: str | None) -> str:
    """The line under the controls: what was precomputed, what was not."""
    colab = '<a class="dlbook-demo-colab" href="#">open in Colab</a>'
    pinned = [html.escape(c.label) for c in controls if len(c.values) == 1]
    if all(c.complete for c in controls):
        about = f"All {total} combinations of the controls were drawn in advance for the web book."
    else:
        about = (f"Drawn in advance for the web book: {total} combinations"
                 + (f"; {', '.join(pinned)} {'is' if len(pinned) == 1 else 'are'} fixed here"
                    if pinned else "")
                 + ". For any other value, run the notebook in Colab or Jupyter"
                 f" ({colab}).")
    return about + (" " + html.escape(note) if note else "")


def web_html(func: Callable, controls: list[Control], fixed: Mapping[str, Any],
             alt: str | None, note: str | None = None) -> str:
    """The web book's version of the demo: every frame, the controls and the
    script, in one self-contained piece of HTML."""
    moving = [c for c in controls if len(c.values) > 1]
    sizes = [len(c.values) for c in moving]
    total = math.prod(sizes)
    if total > MAX_FRAMES:
        grid = " x ".join(f"{c.name}: {len(c.values)}" for c in moving)
        raise DemoError(f"{total} frames ({grid}) is more than {MAX_FRAMES}: pass "
                        "web={name: [values]} with fewer values for some controls")
    frames: list[str] = []
    seen: dict[str, int] = {}
    index: list[int] = []
    for combo in itertools.product(*(range(n) for n in sizes)):
        kwargs = {c.name: c.values[c.start] for c in controls}
        kwargs.update({c.name: c.values[i] for c, i in zip(moving, combo)})
        kwargs.update(fixed)
        position = dict(zip(map(id, moving), combo))
        shown = ", ".join(f"{c.label} = {c.labels[position.get(id(c), c.start)]}"
                          for c in controls)
        frame = render_frame(func, kwargs, alt, shown)
        index.append(seen.setdefault(frame, len(frames)))
        if index[-1] == len(frames):
            frames.append(frame)
    start = 0
    for c in moving:
        start = start * len(c.values) + c.start
    payload = json.dumps({"sizes": sizes, "labels": [c.labels for c in moving],
                          "frames": frames, "index": index}, separators=(",", ":"))
    payload = payload.replace("</", "<\\/")
    uid = "dlbook-demo-" + hashlib.sha1(payload.encode()).hexdigest()[:12]
    about = _about(controls, total, note)
    starting = ", ".join(f"{c.label} = {c.labels[c.start]}" for c in controls)
    # data-control numbers follow `moving`; fixed controls have none.
    controls_html = "\n".join(
        [_control_html(k, c) for k, c in enumerate(moving)]
        + [_control_html(-1, c) for c in controls if len(c.values) == 1])
    return (
        f'<div class="{CSS_CLASS}" id="{uid}" data-frames="{len(frames)}" data-frame="{start}">\n'
        f"<style>{_STYLE}</style>\n"
        f'<div class="dlbook-demo-controls">\n{controls_html}\n</div>\n'
        f'<div class="dlbook-demo-note">{about}</div>\n'
        f'<div class="dlbook-demo-print">Interactive demo, shown at its starting values '
        f"({html.escape(starting)}): move its controls in the web book or in Colab.</div>\n"
        f'<div class="dlbook-demo-frame">{frames[index[start]]}</div>\n'
        f'<script type="application/json" class="dlbook-demo-data">{payload}</script>\n'
        f"<script>{_SCRIPT % {'id': uid}}</script>\n"
        "</div>"
    )


def web_demos_enabled() -> bool:
    """Whether this run stores outputs for the web book (``DLBOOK_WEB_DEMOS=1``)."""
    return os.environ.get(ENV, "") == "1"


def demo(func: Callable, /, *, web: Mapping[str, Sequence] | None = None,
         alt: str | None = None, note: str | None = None, **controls) -> None:
    """Show ``func`` as a live widget demo, plus its web version when the
    notebook is run for the book (see the module docstring)."""
    import ipywidgets
    from IPython.display import display

    web = dict(web or {})
    made, fixed = _widgets(controls)
    unknown = set(web) - set(made)
    if unknown:
        raise DemoError(f"web names {sorted(unknown)}, which are not controls of the demo: "
                        f"{sorted(made)}")
    live = ipywidgets.interactive(func, **controls)
    bundle = {"text/plain": f"Interactive demo: {getattr(func, '__name__', 'demo')}",
              "application/vnd.jupyter.widget-view+json": {
                  "version_major": 2, "version_minor": 0, "model_id": live.model_id}}
    if web_demos_enabled():
        grid = [_control(name, widget, web.get(name)) for name, widget in made.items()]
        bundle["text/html"] = web_html(func, grid, fixed, alt, note)
    display(bundle, raw=True)
