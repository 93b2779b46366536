"""Architecture diagrams, drawn in code: the pictures a chapter's text describes.

Plots show numbers; these figures show structure (which state feeds which
gate, where a shortcut joins, how shapes change), as d2l's and every course's
diagrams do, but drawn by matplotlib so that they sit in the notebook, use the
book's notation and colours, and change with the code. Each function draws
one figure and returns it; the cell that shows it starts with its alt text and
ends with ``plt.show()``::

    # alt: An RNN drawn as one cell with a loop, then unrolled over three steps ...
    diagrams.unrolled_rnn(steps=3)
    plt.show()

Every figure has a title and labels every box and arrow; where a figure
states a number (a shape, a parameter count) the function computes it from
its arguments, so the picture and the chapter's code cannot disagree.

* :func:`unrolled_rnn`: a recurrent network, folded and unrolled in time;
* :func:`lstm_cell` and :func:`gru_cell`: the gated cells, with their gates;
* :func:`encoder_decoder`: sequence to sequence, with one context vector or
  with attention;
* :func:`conv_layer_shapes`: what a convolution layer does to the shape of
  its input, and its parameter count;
* :func:`residual_block`: a block and its identity shortcut.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
from matplotlib import patches
from matplotlib import patheffects
from matplotlib.figure import Figure

#: Fill and edge colours of the kinds of box: states, gates and layers, the
#: inputs and outputs, and the element-wise operations. Light fills under
#: black text, with edges from the book's colour-blind-safe palette
#: (tableau-colorblind10); a kind is also told apart by its shape and label.
STYLE = {
    "state": ("#d7e6f4", "#006ba4"),
    "gate": ("#ffe3cc", "#c85200"),
    "layer": ("#e9e9e9", "#595959"),
    "io": ("white", "#595959"),
    "op": ("white", "#595959"),
}
ARROW = "#3b3b3b"
#: A line drawn over another with a white margin: the one below shows a gap, the
#: usual sign of a crossing without a junction.
HALO = [patheffects.Stroke(linewidth=6, foreground="white"), patheffects.Normal()]
HIGHLIGHT = "#c85200"


class DiagramError(ValueError):
    """A diagram was asked for with arguments it cannot draw."""


# ---- drawing primitives --------------------------------------------------------------


def _canvas(width: float, height: float, title: str, scale: float = 0.75):
    """A figure whose data units are boxes' units: no axes, equal aspect, a title."""
    fig, ax = plt.subplots(figsize=(width * scale, height * scale))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title)
    return fig, ax


def _box(ax, x: float, y: float, text: str, kind: str = "state",
         w: float = 1.0, h: float = 0.7, size: float = 11):
    """A rounded box centred at (x, y), with its label; returns the box's (x, y, w, h)."""
    face, edge = STYLE[kind]
    ax.add_patch(patches.FancyBboxPatch(
        (x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
        facecolor=face, edgecolor=edge, linewidth=1.4, zorder=2))
    ax.text(x, y, text, ha="center", va="center", fontsize=size, zorder=3)
    return (x, y, w, h)


def _op(ax, x: float, y: float, text: str, r: float = 0.24):
    """An element-wise operation (⊙, +, 1−) in a small circle; returns its (x, y, 2r, 2r)."""
    face, edge = STYLE["op"]
    ax.add_patch(patches.Circle((x, y), r, facecolor=face, edgecolor=edge,
                                linewidth=1.4, zorder=2))
    ax.text(x, y, text, ha="center", va="center", fontsize=12, zorder=3)
    return (x, y, 2 * r, 2 * r)


def _edge(node, toward):
    """The point where the line from a node's centre to `toward` leaves the node."""
    x, y, w, h = node
    tx, ty = toward
    dx, dy = tx - x, ty - y
    if dx == 0 and dy == 0:
        return x, y
    scale = min(w / 2 / abs(dx) if dx else float("inf"), h / 2 / abs(dy) if dy else float("inf"))
    return x + dx * scale, y + dy * scale


def _point(p):
    return p[:2] if len(p) == 4 else p


def _arrow(ax, a, b, label: str = "", *, rad: float = 0.0, color: str = ARROW,
           width: float = 1.3, offset=(0.0, 0.18), size: float = 10, head: bool = True,
           label_at: float = 0.5, zorder: float = 1, halo: bool = False,
           linestyle: str = "-"):
    """An arrow from a to b; each is a node (x, y, w, h), stopping at its edge, or a point.

    ``halo``: drawn over the lines it crosses, which show a gap there.
    """
    start = _edge(a, _point(b)) if len(a) == 4 else a
    end = _edge(b, _point(a)) if len(b) == 4 else b
    ax.add_patch(patches.FancyArrowPatch(
        start, end, arrowstyle="-|>" if head else "-", mutation_scale=12, color=color,
        linewidth=width, connectionstyle=f"arc3,rad={rad}", zorder=zorder + 0.5 * halo,
        shrinkA=0, shrinkB=0, path_effects=HALO if halo else None, linestyle=linestyle))
    if label:
        mx = start[0] + (end[0] - start[0]) * label_at + offset[0]
        my = start[1] + (end[1] - start[1]) * label_at + offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=size, color=color, zorder=3)


def _junction(ax, point) -> None:
    """The dot where a line branches: the lines meet here (a crossing has none)."""
    ax.add_patch(patches.Circle(point, 0.06, color=ARROW, zorder=2))


def _line(ax, points, color: str = ARROW, width: float = 1.3, arrow: bool = False,
          halo: bool = False, linestyle: str = "-"):
    """A polyline through points, with an arrow head on its last segment if asked
    (``halo``: over the lines it crosses, as in :func:`_arrow`)."""
    xs, ys = zip(*points)
    style = dict(color=color, linewidth=width, zorder=1 + 0.5 * halo, linestyle=linestyle,
                 path_effects=HALO if halo else None)
    if arrow and len(points) > 1:
        if len(points) > 2:
            ax.plot(xs[:-1], ys[:-1], solid_capstyle="butt", **style)
        _arrow(ax, points[-2], points[-1], color=color, width=width, halo=halo,
               linestyle=linestyle)
    else:
        ax.plot(xs, ys, **style)


# ---- recurrent networks (chapter 4) ----------------------------------------------------


def unrolled_rnn(steps: int = 3) -> Figure:
    """An RNN as one cell with a loop, and the same cell unrolled over ``steps`` steps.

    The unrolled picture is the one back-propagation through time works on:
    every step uses the same weights $W_{xh}$, $W_{hh}$ and $W_{hy}$.
    """
    if not 1 <= steps <= 6:
        raise DiagramError(f"steps={steps}: draw between 1 and 6 steps")
    width = 5.4 + 2.2 * steps
    fig, ax = _canvas(width, 5.0, "A recurrent network: one cell with a loop (left), "
                      f"unrolled over {steps} time steps (right)")
    # folded
    h = _box(ax, 1.3, 2.5, "$h_t$")
    x = _box(ax, 1.3, 0.7, "$x_t$", "io")
    y = _box(ax, 1.3, 4.3, "$y_t$", "io")
    _arrow(ax, x, h, "$W_{xh}$", offset=(-0.45, 0))
    _arrow(ax, h, y, "$W_{hy}$", offset=(-0.45, 0))
    _line(ax, [(1.6, 2.85), (1.6, 3.25), (2.35, 3.25), (2.35, 1.75), (1.6, 1.75), (1.6, 2.15)],
          arrow=True)
    ax.text(2.45, 2.5, "$W_{hh}$", ha="left", va="center", fontsize=10, color=ARROW)
    ax.text(3.45, 2.5, "=", ha="center", va="center", fontsize=22)
    # unrolled
    prev = _box(ax, 4.4, 2.5, "$h_0$", "io", w=0.8)
    ax.text(4.4, 1.85, "zeros", ha="center", va="top", fontsize=8)
    for t in range(1, steps + 1):
        cx = 4.4 + 2.2 * t
        state = _box(ax, cx, 2.5, f"$h_{t}$")
        _arrow(ax, _box(ax, cx, 0.7, f"$x_{t}$", "io"), state, "$W_{xh}$", offset=(-0.45, 0))
        _arrow(ax, state, _box(ax, cx, 4.3, f"$y_{t}$", "io"), "$W_{hy}$", offset=(-0.45, 0))
        _arrow(ax, prev, state, "$W_{hh}$")
        prev = state
    ax.text(width / 2 + 1.6, 0.05, "the same $W_{xh}$, $W_{hh}$, $W_{hy}$ and $b$ at every step; "
            r"$h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b)$", ha="center", va="bottom",
            fontsize=9)
    return fig


def _gate(ax, x: float, y: float, name: str, fn: str, w: float = 1.3):
    """A gate (or the candidate): its name over its activation, in one box."""
    return _box(ax, x, y, f"{name}\n{fn}", "gate", w=w, h=0.9, size=9)


def _state_line(ax, top: float, before: str, after: str, keep_x: float, add_x: float):
    """A gated cell's frame and its state along the top: ⊙ (keep) then + (write).

    Returns the two operation nodes, for the gates below to feed.
    """
    ax.add_patch(patches.FancyBboxPatch((1.3, 0.9), 8.9, 4.5, boxstyle="round,pad=0.05",
                                        facecolor="none", edgecolor="#ababab",
                                        linewidth=1.2, linestyle="--", zorder=0))
    keep = _op(ax, keep_x, top, r"$\odot$")
    add = _op(ax, add_x, top, "+")
    _arrow(ax, (0.3, top), keep)
    ax.text(0.3, top + 0.2, before, ha="left", va="bottom", fontsize=11)
    _arrow(ax, keep, add)
    _arrow(ax, add, (11.7, top))
    ax.text(11.7, top + 0.2, after, ha="right", va="bottom", fontsize=11)
    return keep, add


def lstm_cell() -> Figure:
    """An LSTM cell: the cell state runs along the top, changed by ⊙ f and + i ⊙ c̃.

    The symbols are chapter 4's (Keras's order i, f, c̃, o): every gate reads
    $x_t$ and $h_{t-1}$; $c_t = f_t \\odot c_{t-1} + i_t \\odot \\tilde c_t$ and
    $h_t = o_t \\odot \\tanh(c_t)$.
    """
    fig, ax = _canvas(12.0, 6.4, r"An LSTM cell: $c_t = f_t \odot c_{t-1} + i_t \odot "
                      r"\tilde c_t$,  $h_t = o_t \odot \tanh(c_t)$")
    top, bus = 4.7, 1.4
    forget, add = _state_line(ax, top, "$c_{t-1}$", "$c_t$", 3.0, 5.9)  # the cell state
    # the gates, fed by [h_{t-1}, x_t]
    f = _gate(ax, 3.0, 2.55, "forget $f_t$", r"$\sigma$")
    i = _gate(ax, 4.45, 2.55, "input $i_t$", r"$\sigma$")
    g = _gate(ax, 5.9, 2.55, r"candidate $\tilde c_t$", r"$\tanh$", w=1.4)
    o = _gate(ax, 7.35, 2.55, "output $o_t$", r"$\sigma$")
    _line(ax, [(0.3, bus), (7.35, bus)])
    ax.text(0.3, bus + 0.2, "$h_{t-1}$", ha="left", va="bottom", fontsize=11)
    _line(ax, [(1.9, 0.2), (1.9, bus)])
    ax.text(2.05, 0.25, "$x_t$", ha="left", va="bottom", fontsize=11)
    _junction(ax, (1.9, bus))
    for node in (f, i, g, o):
        _arrow(ax, (node[0], bus), node)
    _arrow(ax, f, forget)
    write = _op(ax, 5.9, 3.65, r"$\odot$")
    _arrow(ax, g, write)
    _line(ax, [(4.45, 3.0), (4.45, 3.65), (5.66, 3.65)], arrow=True)
    _arrow(ax, write, add)
    # the output
    squash = _box(ax, 8.75, 3.75, r"$\tanh$", "layer", w=0.8, h=0.55, size=10)
    show = _op(ax, 8.75, 2.55, r"$\odot$")
    _line(ax, [(8.75, top), (8.75, 4.03)], arrow=True)
    _arrow(ax, squash, show)
    _arrow(ax, o, show)
    # h_t leaves to the right (the output) and, below, to the next step: no line
    # crosses the cell state or a label
    _line(ax, [(8.99, 2.55), (11.7, 2.55)], arrow=True)
    ax.text(11.7, 2.75, "$h_t$ (the output)", ha="right", va="bottom", fontsize=10)
    _junction(ax, (9.6, 2.55))
    _line(ax, [(9.6, 2.55), (9.6, 0.3), (11.7, 0.3)], arrow=True)
    ax.text(11.7, 0.5, "$h_t$ (to the next step)", ha="right", va="bottom", fontsize=10)
    ax.text(5.0, 5.75, "the cell state: changed only by $\\odot\\, f_t$ and "
            "$+\\, i_t \\odot \\tilde c_t$", ha="center", va="center", fontsize=9)
    return fig


def gru_cell() -> Figure:
    """A GRU cell (Cho et al.'s candidate, Keras's ``reset_after=False``), chapter 4's symbols.

    $h_t = z_t \\odot h_{t-1} + (1 - z_t) \\odot \\tilde h_t$ with
    $\\tilde h_t = \\tanh(x_t W_h + (r_t \\odot h_{t-1}) U_h + b_h)$.
    """
    fig, ax = _canvas(12.0, 6.4, r"A GRU cell: $h_t = z_t \odot h_{t-1} + (1 - z_t) \odot "
                      r"\tilde h_t$")
    top, bus = 4.7, 1.3
    keep, add = _state_line(ax, top, "$h_{t-1}$", "$h_t$", 4.6, 8.5)  # the state itself
    # the gates read [h_{t-1}, x_t]; the candidate reads x_t and r ⊙ h_{t-1}
    r = _gate(ax, 3.0, 2.45, "reset $r_t$", r"$\sigma$")
    z = _gate(ax, 4.6, 2.45, "update $z_t$", r"$\sigma$")
    cand = _gate(ax, 8.5, 2.45, r"candidate $\tilde h_t$", r"$\tanh$", w=1.5)
    _line(ax, [(1.7, top), (1.7, bus), (4.6, bus)])
    _junction(ax, (1.7, top))
    _line(ax, [(2.3, 0.2), (2.3, 0.7), (8.5, 0.7)])
    _arrow(ax, (8.5, 0.7), cand)
    ax.text(7.0, 0.75, "$x_t$", ha="center", va="bottom", fontsize=10)
    for point in ((1.7, bus), (2.3, bus), (2.3, 0.7)):
        _junction(ax, point)
    _line(ax, [(2.3, 0.7), (2.3, bus)])
    ax.text(2.45, 0.15, "$x_t$", ha="left", va="bottom", fontsize=11)
    _arrow(ax, (3.0, bus), r)
    _arrow(ax, (4.6, bus), z)
    _arrow(ax, z, keep, halo=True)
    reset = _op(ax, 3.0, 3.45, r"$\odot$")
    _arrow(ax, r, reset)
    _line(ax, [(1.7, 3.45), (2.76, 3.45)], arrow=True)
    _junction(ax, (1.7, 3.45))
    # r ⊙ h runs well below the 1− node; the lines it crosses show a gap
    _line(ax, [(3.24, 3.45), (5.45, 3.45), (5.45, 3.1), (7.3, 3.1), (7.3, 2.45),
               (7.75, 2.45)], arrow=True)
    ax.text(6.65, 3.0, r"$r_t \odot h_{t-1}$", ha="center", va="top", fontsize=9)
    one_minus = _op(ax, 6.0, 3.95, "1−", r=0.27)
    _line(ax, [(5.25, 2.2), (6.0, 2.2), (6.0, 3.68)], arrow=True, halo=True)
    blend = _op(ax, 8.5, 3.95, r"$\odot$")
    _arrow(ax, one_minus, blend)
    _arrow(ax, cand, blend)
    _arrow(ax, blend, add)
    ax.text(6.0, 5.75, "no separate cell: the state itself is kept ($z_t$) or replaced "
            r"($1 - z_t$)", ha="center", va="center", fontsize=9)
    return fig


def encoder_decoder(source: Sequence[str] = ("I", "will", "swim", "today"),
                    target: Sequence[str] = ("Ich", "werde", "heute", "schwimmen"),
                    weights: Sequence[float] | None = None, step: int = 3) -> Figure:
    """An encoder–decoder: without ``weights``, the decoder starts from one context vector
    and stops when it writes <end>; with them, decoder step ``step`` (from 1) reads
    $c_i = \\sum_j \\alpha_{ij} h_j$ (Bahdanau et al.: the query is the state before
    the step, $s_{i-1}$, and $c_i$ feeds $s_i$).

    ``weights`` are that step's attention weights, one per source word, which
    the arrows' widths and a row of labels above the encoder show.
    """
    n, m = len(source), len(target)
    if not (1 <= n <= 6 and 1 <= m <= 6):
        raise DiagramError("draw between 1 and 6 source and target words")
    if weights is not None:
        weights = [float(w) for w in weights]
        if len(weights) != n or min(weights) < 0 or abs(sum(weights) - 1) > 1e-6:
            raise DiagramError(f"weights must be {n} non-negative numbers that sum to 1, "
                               f"one per source word: {weights}")
        if not 1 <= step <= m:
            raise DiagramError(f"step={step}: the target has steps 1 to {m}")
    gap = 1.9
    left = 1.0
    right = left + gap * n + 1.2
    written = [*target, "<end>"] if weights is None else list(target)  # <end>: it stops
    width = right + gap * (len(written) - 1) + 1.2
    title = ("Encoder–decoder with attention: decoder step "
             f"{step} reads the context $c_{step} = \\sum_j \\alpha_{{{step}j}}\\, h_j$"
             if weights is not None else
             "Encoder–decoder: the decoder starts from one context vector")
    fig, ax = _canvas(width, 6.0, title)
    row = 2.2

    def word(x, y, text):
        return _box(ax, x, y, text, "io", w=max(1.35, 0.17 * len(text) + 0.3), size=10)

    enc = []
    for j, token in enumerate(source, 1):
        cx = left + gap * (j - 1)
        state = _box(ax, cx, row, f"$h_{j}$")
        _arrow(ax, word(cx, 0.8, token), state)
        if enc:
            _arrow(ax, enc[-1], state)
        enc.append(state)
    ax.text(left + gap * (n - 1) / 2, 0.05, "encoder (reads the source)", ha="center",
            va="bottom", fontsize=9, style="italic")
    dec = []
    for i, (token, fed) in enumerate(zip(written, ["<start>", *target]), 1):
        cx = right + gap * (i - 1)
        state = _box(ax, cx, row, f"$s_{i}$")
        _arrow(ax, word(cx, 0.8, fed), state)
        _arrow(ax, state, word(cx, 3.7, token))
        if dec:
            _arrow(ax, dec[-1], state)
        dec.append(state)
    ax.text(right + gap * (m - 1) / 2, 0.05, "decoder (each step reads the word written last)",
            ha="center", va="bottom", fontsize=9, style="italic")
    if weights is None:
        _arrow(ax, enc[-1], dec[0], color=HIGHLIGHT, width=2.2)
        ax.text((enc[-1][0] + dec[0][0]) / 2, row + 0.25, "context", ha="center",
                va="bottom", fontsize=10, color=HIGHLIGHT)
        ax.text((enc[-1][0] + dec[0][0]) / 2, row - 0.25, f"$c = h_{n}$", ha="center",
                va="top", fontsize=10, color=HIGHLIGHT)
        ax.text((enc[-1][0] + dec[0][0]) / 2, row - 0.62, f"($h_{n}$, $c_{n}$) for an LSTM",
                ha="center", va="top", fontsize=8, color=HIGHLIGHT)
        ax.text(left + gap * (n - 1) / 2, 4.6, f"all {n} source words must fit into the "
                f"fixed-size state $h_{n}$:\nthe bottleneck that attention removes",
                ha="center", va="center", fontsize=9)
        return fig
    _arrow(ax, enc[-1], dec[0], color="#ababab")
    target_state = dec[step - 1]
    context = _op(ax, right - 1.0, 4.7, f"$c_{step}$", r=0.32)
    for j, (state, w) in enumerate(zip(enc, weights), 1):
        _arrow(ax, state, context, color=HIGHLIGHT, width=0.6 + 5 * w, rad=-0.1)
        # in a row above the arcs, over the state each weight belongs to: no arc crosses them
        ax.text(state[0], 5.45, f"$\\alpha_{{{step}{j}}} = {w:.2f}$", ha="center",
                va="bottom", fontsize=9, color=HIGHLIGHT)
    if step > 1:  # the query: the decoder's state before step `step`
        before = dec[step - 2]
        lane = before[0] - gap / 2
        _line(ax, [(before[0] - 0.3, row + 0.37), (lane, row + 0.75), (lane, 4.35),
                   (context[0] + 0.2, 4.45)], color="#595959", arrow=True, linestyle="--")
        ax.text((context[0] + lane) / 2 + 0.15, 4.49, f"query $s_{step - 1}$", ha="center",
                va="bottom", fontsize=8, color="#595959")
    down = target_state[0] - gap / 2
    _line(ax, [(context[0] + 0.32, 4.7), (down, 4.7), (down, row + 0.75),
               (target_state[0] - 0.3, row + 0.37)], color=HIGHLIGHT, width=2.2, arrow=True)
    ax.text(context[0], 5.15, "context", ha="center", va="bottom", fontsize=9,
            color=HIGHLIGHT)
    return fig


# ---- convolutional networks (chapter 3) -------------------------------------------------


def _volume(ax, x: float, y: float, side: float, depth: float, label: str, kind: str):
    """A box in oblique projection: a side × side front face, depth going back-right."""
    face, edge = STYLE[kind]
    dx, dy = 0.5 * depth, 0.35 * depth
    front = [(x, y), (x + side, y), (x + side, y + side), (x, y + side)]
    top = [(x, y + side), (x + side, y + side), (x + side + dx, y + side + dy),
           (x + dx, y + side + dy)]
    right = [(x + side, y), (x + side + dx, y + dy), (x + side + dx, y + side + dy),
             (x + side, y + side)]
    for poly, alpha in [(right, 0.8), (top, 0.9), (front, 1.0)]:
        ax.add_patch(patches.Polygon(poly, closed=True, facecolor=face, edgecolor=edge,
                                     linewidth=1.2, alpha=alpha, zorder=2))
    ax.text(x + side / 2 + dx / 2, y - 0.25, label, ha="center", va="top", fontsize=10)
    return x + side + dx, y + side + dy


def conv_layer_shapes(n: int = 32, channels: int = 3, f: int = 3, filters: int = 12,
                      stride: int = 1, padding: int = 0) -> Figure:
    """What a ``Conv2D(filters, f, strides=stride)`` does to an n × n × channels input.

    The output side $\\lfloor (n + 2p - f)/s \\rfloor + 1$ and the parameter count
    $(f \\cdot f \\cdot C + 1) \\cdot F$ are computed here, from the arguments.
    """
    if min(n, channels, f, filters, stride) < 1 or padding < 0 or f > n + 2 * padding:
        raise DiagramError(f"no convolution of an {n}×{n}×{channels} input with {f}×{f} "
                           f"kernels, stride {stride} and padding {padding}")
    out = (n + 2 * padding - f) // stride + 1
    params = (f * f * channels + 1) * filters
    fig, ax = _canvas(13.0, 5.6, f"A convolution layer: {n}×{n}×{channels} in, {filters} "
                      f"filters of {f}×{f}×{channels}, {out}×{out}×{filters} out")
    side_in = 3.0
    side_out = side_in * out / n
    depth_in, depth_out = 0.35 + 0.08 * channels, min(2.4, 0.35 + 0.08 * filters)
    _volume(ax, 0.6, 1.0, side_in, depth_in, f"input {n}×{n}×{channels}", "io")
    win = side_in * f / n
    ax.add_patch(patches.Rectangle((0.6 + 0.3, 1.0 + side_in - 0.3 - win), win, win,
                                   facecolor="none", edgecolor=HIGHLIGHT, linewidth=2, zorder=3))
    # the filters: a small stack
    fx, fy, fside = 5.0, 2.0, 1.0
    for k in range(min(filters, 4)):
        _volume(ax, fx + 0.28 * k, fy + 0.2 * k, fside, 0.35 + 0.08 * channels, "", "gate")
    ax.text(fx + 0.9, fy - 0.35, f"{filters} filters, each {f}×{f}×{channels}\n+ 1 bias",
            ha="center", va="top", fontsize=10)
    ox, oy = 9.4, 1.0 + (side_in - side_out) / 2
    _volume(ax, ox, oy, side_out, depth_out, f"output {out}×{out}×{filters}", "state")
    cell = 0.25
    ax.add_patch(patches.Rectangle((ox + 0.3, oy + side_out - 0.3 - cell), cell, cell,
                                   facecolor=HIGHLIGHT, edgecolor=HIGHLIGHT, zorder=3))
    _arrow(ax, (0.6 + 0.3 + win, 1.0 + side_in - 0.3 - win / 2), (fx - 0.1, fy + 0.5),
           color=HIGHLIGHT, rad=-0.2, zorder=4)
    _arrow(ax, (fx + 2.1, fy + 0.8), (ox + 0.25, oy + side_out - 0.3 - cell / 2),
           color=HIGHLIGHT, rad=-0.25, zorder=4)
    ax.text(6.5, 4.9, f"each filter, at each of the {out}×{out} positions: one number\n"
            f"(a {f}×{f}×{channels} window times the filter, summed, plus its bias);\n"
            f"the {filters} filters give the {filters} numbers of one position, along the depth",
            ha="center", va="center", fontsize=9)
    ax.text(6.5, 0.1, f"output side ({n} + 2·{padding} − {f}) // {stride} + 1 = {out};  "
            f"parameters ({f}·{f}·{channels} + 1)·{filters} = {params:,}",
            ha="center", va="bottom", fontsize=10)
    return fig


def residual_block(layers: Sequence[str] = ("3×3 conv", "batch norm", "ReLU",
                                            "3×3 conv", "batch norm")) -> Figure:
    """A residual block: ``layers`` compute $F(x)$; the shortcut adds $x$ before the last ReLU."""
    if not layers:
        raise DiagramError("a residual block needs at least one layer in F(x)")
    k = len(layers)
    gap = 1.75
    width = 2.4 + gap * (k + 2) + 0.6
    fig, ax = _canvas(width, 4.4, r"A residual block: $y = \mathrm{ReLU}(x + F(x))$")
    row = 1.7
    x_in = _box(ax, 0.7, row, "$x$", "io", w=0.8)
    prev = x_in
    for j, name in enumerate(layers):
        node = _box(ax, 2.2 + gap * j, row, name, "layer", w=1.45, h=0.75, size=9)
        _arrow(ax, prev, node)
        prev = node
    add = _op(ax, 2.2 + gap * k, row, "+", r=0.28)
    _arrow(ax, prev, add)
    relu = _box(ax, 2.2 + gap * (k + 1), row, "ReLU", "layer", w=1.0, h=0.75, size=9)
    _arrow(ax, add, relu)
    _arrow(ax, relu, (width - 0.1, row), "$y$", offset=(0.1, 0.25), label_at=0.8)
    # the shortcut, over the top
    _line(ax, [(1.35, row), (1.35, 3.3), (add[0], 3.3), (add[0], row + 0.28)],
          color=HIGHLIGHT, width=2.0, arrow=True)
    ax.add_patch(patches.Circle((1.35, row), 0.07, color=HIGHLIGHT, zorder=2))
    ax.text((1.35 + add[0]) / 2, 3.45, "identity shortcut: $x$ itself (gradient factor $I$)",
            ha="center", va="bottom", fontsize=10, color=HIGHLIGHT)
    # F(x), under the layers
    lo, hi = 2.2 - 0.72, 2.2 + gap * (k - 1) + 0.72
    _line(ax, [(lo, 0.95), (lo, 0.8), (hi, 0.8), (hi, 0.95)])
    ax.text((lo + hi) / 2, 0.65, "$F(x)$: the residual the layers learn", ha="center",
            va="top", fontsize=10)
    return fig
