"""Exercises of Lab 6, generative adversarial networks.

The notebook is ``solutions/06_gans_lab.ipynb``. The exercises check skills of the
Unit 6 chapter on data the student has not seen:

* q1: the optimal discriminator D*(x) = p_data / (p_data + p_g) on a grid, in NumPy,
  with the convention D* = 1/2 where both densities are 0;
* q2: the value V(D*, G) by quadrature, and the Jensen-Shannon divergence it gives;
* q3: the discriminator's loss and the saturating and non-saturating generator losses
  from logits, in keras.ops, stable at logits of +-50 (``GanLossExercise``);
* q4: a 1-D GAN whose generator matches N(4, 1.25), graded on noise the checker draws,
  with the losses near their equilibrium values 2 ln 2 and ln 2 (``OneDGanExercise``);
* q5: the mode-coverage score of 2-D samples (modes covered, high-quality fraction), for
  any set of centres;
* q6: a design exercise: a recipe for the 2-D ring-of-Gaussians GAN that covers at
  least ``DESIGN_MODES`` of the 8 modes on seeds the checker picks and trains itself,
  where the lab's baseline collapses (``RingDesignExercise``).

q1, q2, q3 and q5 are :class:`~dlbook.exercises.ProcedureExercise`: checked on cases the
notebook never shows, a slip's message only when the answer makes that slip on every
case. The GANs are trained with :func:`dlbook.gan.train_gan`, which runs on TensorFlow
and on JAX; the ring and its score come from :mod:`dlbook.nn.gan_mixture`.

``MARGINS`` records, for each target of q4 and q6, what the reference and the baseline
it shuts out reach at three seeds on TensorFlow and on JAX.

Use: ``from dlbook.labs.lab06 import q1, q2, ...``.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, Callable

import numpy as np

from dlbook.exercises import Exercise, Incorrect, NotAttempted, ProcedureExercise, Right, Wrong
from dlbook.exercises.compare import fmt, sentence, type_name
from dlbook.exercises.core import call_student, describe_exception, lazy_ops as ops
from dlbook.exercises.design import Margin, TrainedCodeExercise, of_reference
from dlbook.labs import lab06_digits
from dlbook.labs.lab06_digits import CGAN_ACCURACY, DCGAN_CLASSES, DCGAN_CONFIDENCE
from dlbook.nn import gan_mixture

NOTEBOOK = "06_gans_lab.ipynb"

LOG4 = math.log(4.0)


def _keras():
    import keras

    return keras


def _to_np(value) -> Any:
    """A Keras tensor (or anything with ``__array__``) as NumPy; other values unchanged."""
    if hasattr(value, "shape") and not isinstance(value, np.ndarray):
        try:
            return np.asarray(_keras().ops.convert_to_numpy(value))
        except Exception:  # noqa: BLE001 - not a tensor after all: compare() says what it is
            return value
    return value


# ---- densities on a grid, for q1 and q2 --------------------------------------------------


def normal_pdf(x, mean, std):
    """The density of N(mean, std^2) at x."""
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def mixture_pdf(x, weights, means, stds):
    """The density of a mixture of 1-D Gaussians at x."""
    return sum(w * normal_pdf(x, m, s) for w, m, s in zip(weights, means, stds))


def _random_mixture(rng, x):
    k = int(rng.integers(1, 4))
    w = rng.dirichlet(np.ones(k))
    return mixture_pdf(x, w, rng.uniform(-4, 4, k), rng.uniform(0.4, 1.5, k))


def _grid_case(rng, n, lo, hi):
    """A uniform grid from lo to hi and two random mixtures on it. Far enough out, both
    densities underflow to exactly 0.0 (float64 underflows below about 1e-308)."""
    x = np.linspace(lo, hi, n)
    return x, _random_mixture(rng, x), _random_mixture(rng, x)


_rng = np.random.default_rng(606)


# ---- q1: the optimal discriminator -------------------------------------------------------


def optimal_discriminator(p_data, p_g):
    """D*(x) at each point of a grid, and 1/2 where both densities are 0."""
    p_data = np.asarray(p_data, dtype=float)
    p_g = np.asarray(p_g, dtype=float)
    total = p_data + p_g
    safe = np.where(total > 0, total, 1.0)
    return np.where(total > 0, p_data / safe, 0.5)


def _d_star_cases():
    cases = []
    for n, lo, hi, words in [(9, -3.0, 3.0, "9 points from -3 to 3"),
                             (41, -60.0, 60.0, "41 points from -60 to 60, where both "
                                               "densities are 0 far out"),
                             (25, -8.0, 40.0, "25 points from -8 to 40")]:
        x, p, q = _grid_case(_rng, n, lo, hi)
        cases.append(((p, q), f"two mixtures of Gaussians on {words}"))
    return cases


def _both_zero_nan(p, q):
    with np.errstate(all="ignore"):
        return np.asarray(p, float) / (np.asarray(p, float) + np.asarray(q, float))


def _both_zero_0(p, q):
    p, q = np.asarray(p, float), np.asarray(q, float)
    with np.errstate(all="ignore"):
        return np.where(p + q > 0, p / (p + q), 0.0)


def _both_zero_1(p, q):
    p, q = np.asarray(p, float), np.asarray(q, float)
    with np.errstate(all="ignore"):
        return np.where(p + q > 0, p / (p + q), 1.0)


def _with_half(f):
    """``f``, with the convention D* = 1/2 where both densities are 0, so that a slip in
    ``f`` is named whatever the student did at those points."""
    def slip(p, q):
        p, q = np.asarray(p, float), np.asarray(q, float)
        with np.errstate(all="ignore"):
            return np.where(p + q > 0, f(p, q), 0.5)
    return slip


D_STAR_SLIPS = [
    (_with_half(lambda p, q: q / (p + q)),
     "you gave p_g / (p_data + p_g), the probability that x is a fake: D(x) is the "
     "probability that x comes from the data, so p_data goes on top."),
    (_with_half(lambda p, q: p / q),
     "p_data / p_g is a density ratio, not a probability (it exceeds 1 where the data "
     "are denser): D* divides p_data by the total density p_data + p_g."),
    (_with_half(lambda p, q: p / (p + q) > 0.5),
     "D* is a probability between 0 and 1, not a decision: return p_data / (p_data + p_g) "
     "itself, not whether it exceeds 1/2."),
    (_both_zero_0, "where both densities are 0 you returned 0: the prompt fixes D* = 1/2 "
                   "there (no x is ever drawn there, and 1/2 is the discriminator's "
                   "'cannot tell' value)."),
    (_both_zero_1, "where both densities are 0 you returned 1: the prompt fixes D* = 1/2 "
                   "there (no x is ever drawn there, and 1/2 is the discriminator's "
                   "'cannot tell' value)."),
]


def _unpacked(func: Callable, n: int) -> Callable:
    """``func``, its result unpacked when it is one array or tensor of ``n`` numbers (a
    correct form of "return n numbers", as a tuple or a list is)."""
    def unpacked(*args):
        got = func(*args)
        if not isinstance(got, (tuple, list)) and hasattr(got, "shape"):
            arr = _to_np(got)
            if isinstance(arr, np.ndarray) and arr.shape == (n,):
                return tuple(arr)
        return got
    return unpacked


class _SequenceResults:
    """Accepts an array or a tensor of as many numbers as there are outputs, and rejects
    a function that writes into its input arrays however small the change (dividing a
    density by its integral, 1 within round-off, changes it by less than any tolerance)."""

    def _results(self, func, args, call):
        changed = []
        n = len(self.outputs)

        def watched(*given):
            before = [np.copy(a) if isinstance(a, np.ndarray) else None for a in given]
            got = _unpacked(func, n)(*given)
            changed.append(any(b is not None and not np.array_equal(a, b, equal_nan=True)
                               for a, b in zip(given, before)))
            return got

        out = super()._results(watched, args, call)
        if any(changed):
            raise Incorrect(f"on {call}, {self.func_name} changed one of its input arrays "
                            "in place: put every entry back (or work on a copy) before "
                            "returning.")
        return out


class GridProcedure(_SequenceResults, ProcedureExercise):
    """A NumPy procedure on densities on a grid; hidden cases draw new mixtures (a
    redrawn array of uniform numbers is not a density), and a NaN where both densities
    are 0 is named."""

    def __init__(self, *args, draw: Callable, **kwargs):
        super().__init__(*args, **kwargs)
        self._draw = draw

    def _hidden_args(self, args, rng):
        return self._draw(args, rng)

    def grade(self, answer: Any) -> str:
        try:
            return super().grade(answer)
        except Incorrect as exc:
            if "inf" in str(exc) and "NaN" not in str(exc):
                raise Incorrect(
                    f"{exc} Far in a tail, where p_g is tiny next to p_data, 1 - D* rounds to "
                    "0.0 and its log is -inf: write log(1 - D*) as log(p_g / (p_data + "
                    "p_g)), which stays finite.") from None
            if "NaN" in str(exc):
                raise Incorrect(
                    f"{exc} Where both densities are 0, p_data / (p_data + p_g) is 0/0: "
                    "the prompt's convention applies there (np.where picks a value where "
                    "the total is 0).") from None
            raise


def _redraw_d_star(args, rng):
    p, q = args
    n = len(p)
    lo, hi = (-60.0, 60.0) if n == 41 else (-3.0 - rng.uniform(0, 5), 3.0 + rng.uniform(0, 40))
    _, p2, q2 = _grid_case(rng, n, lo, hi)
    return (p2, q2)


def _d_star_in_place(p_data, p_g):
    p_g += p_data  # writes the total into the caller's array
    out = np.full(p_g.shape, 0.5)
    np.divide(p_data, p_g, out=out, where=p_g > 0)
    return out


def _d_star_by_masks(p_data, p_g):
    out = [0.5] * len(p_data)
    for i, (a, b) in enumerate(zip(p_data, p_g)):
        if a + b > 0:
            out[i] = a / (a + b)
    return out


q1 = GridProcedure(
    "q1", "The optimal discriminator by hand",
    points=1,
    reference=optimal_discriminator, outputs=("D*",), cases=_d_star_cases(),
    slips=D_STAR_SLIPS, slips_on_every_case=True, atol=1e-9, draw=_redraw_d_star,
    prompt="Write optimal_discriminator(p_data, p_g) in NumPy. p_data and p_g are the data's "
           "and the generator's densities at the points of a grid (two arrays of the same "
           "shape). Return, at each point, the output of the best possible discriminator "
           "against that generator. Where both densities are exactly 0 the formula is 0/0: "
           "return 1/2 there. Do not change the arrays you are given.",
    hints=[
        "For a fixed G, V(D, G) is an integral over x of p_data(x) log D(x) + p_g(x) "
        "log(1 - D(x)): maximise the integrand point by point (the chapter's "
        "ch6-gan-game section). What D(x) maximises a log y + b log(1 - y)?",
        "D* = p_data / (p_data + p_g); np.where(total > 0, ..., 0.5) applies the "
        "convention, with the total replaced by 1 where it is 0 so that nothing divides "
        "by zero.",
    ],
    wrong_answers=[
        Wrong(_d_star_in_place, "changed one of its input arrays in place"),
        Wrong(_both_zero_nan, "0/0"),
    ],
    right_answers=[
        Right(_d_star_by_masks, "a loop over the points, returning a list"),
        Right(lambda p_data, p_g: np.divide(
            p_data, np.add(p_data, p_g), out=np.full(np.shape(p_data), 0.5),
            where=np.add(p_data, p_g) > 0), "np.divide with where= and out="),
    ],
    solution_context=lambda: {"np": np},
)


# ---- q2: V(D*, G) and the Jensen-Shannon divergence --------------------------------------


def _xlogy(a, b):
    """a log b, with 0 log 0 = 0 (the limit)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.where(a > 0, a * np.log(np.where(a > 0, b, 1.0)), 0.0)


def value_at_optimum(x, p_data, p_g):
    """(V(D*, G), JS(p_data || p_g)) by a Riemann sum on the uniform grid x."""
    x = np.asarray(x, dtype=float)
    p_data, p_g = np.asarray(p_data, dtype=float), np.asarray(p_g, dtype=float)
    dx = x[1] - x[0]
    total = np.where(p_data + p_g > 0, p_data + p_g, 1.0)
    data_term = np.where(p_data > 0, p_data * np.log(np.where(p_data > 0, p_data / total, 1.0)), 0.0)
    g_term = np.where(p_g > 0, p_g * np.log(np.where(p_g > 0, p_g / total, 1.0)), 0.0)
    v = float(np.sum(data_term + g_term) * dx)
    return v, (v + np.log(4.0)) / 2


def _value_cases():
    cases = []
    for n, lo, hi, words in [(801, -12.0, 12.0, "801 points from -12 to 12"),
                             (1201, -40.0, 40.0, "1201 points from -40 to 40, where "
                                                 "both densities are 0 far out")]:
        x, p, q = _grid_case(_rng, n, lo, hi)
        cases.append(((x, p, q), f"two mixtures of Gaussians on {words}"))
    x = np.linspace(-10.0, 10.0, 601)
    p = mixture_pdf(x, [0.3, 0.7], [-2.0, 1.5], [0.8, 1.1])
    cases.append(((x, p, p.copy()), "p_g = p_data, a mixture on 601 points from -10 to 10"))
    return cases


def _redraw_value(args, rng):
    x, p, q = args
    if np.array_equal(p, q):  # well inside the grid, so that it holds all the mass
        k = int(rng.integers(1, 4))
        p2 = mixture_pdf(x, rng.dirichlet(np.ones(k)), rng.uniform(-3, 3, k),
                         rng.uniform(0.4, 1.0, k))
        return (x, p2, p2.copy())
    _, p2, q2 = _grid_case(rng, len(x), float(x[0]), float(x[-1]))
    return (x, p2, q2)


def _v_only(f):
    def slip(x, p, q):
        v, _ = value_at_optimum(x, p, q)
        return v, f(v)
    return slip


def _v_no_dx(x, p, q):
    v, _ = value_at_optimum(x, p, q)
    v = v / (np.asarray(x)[1] - np.asarray(x)[0])
    return v, (v + np.log(4.0)) / 2


def _v_data_term_only(x, p, q):
    x = np.asarray(x, dtype=float)
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    v = float(np.sum(_xlogy(p, p / np.where(p + q > 0, p + q, 1.0))) * (x[1] - x[0]))
    return v, (v + np.log(4.0)) / 2


VALUE_SLIPS = [
    (_v_only(lambda v: v + np.log(4.0)),
     "V(D*, G) = -log 4 + 2 JS: the divergence is half of V + log 4."),
    (_v_only(lambda v: (v + np.log(4.0)) / 2 / np.log(2.0)),
     "you gave the divergence in bits (log base 2): use the natural logarithm, as V "
     "does, JS = (V + log 4) / 2."),
    (_v_only(lambda v: (v - np.log(4.0)) / 2),
     "the sign of log 4: at p_g = p_data the divergence is 0 and V = -log 4, so "
     "JS = (V + log 4) / 2."),
    (_v_only(lambda v: -v),
     "the divergence is not -V: V(D*, G) = -log 4 + 2 JS, so JS = (V + log 4) / 2."),
    (_v_no_dx, "a sum over the grid is not an integral: multiply by the spacing dx of the "
               "grid (x[1] - x[0])."),
    (_v_data_term_only, "V has two expectations: the data's, of log D*(x), and the "
                        "generator's, of log(1 - D*(x)); you left out the second."),
]


def _value_in_place(x, p_data, p_g):
    total = p_data + p_g
    total[total == 0] = 1.0
    p_data *= np.log(np.where(p_data > 0, p_data / total, 1.0))  # overwrites the caller's
    p_g *= np.log(np.where(p_g > 0, p_g / total, 1.0))
    v = float(np.sum(p_data + p_g) * (x[1] - x[0]))
    return v, (v + np.log(4.0)) / 2


def _value_trapezoid(x, p_data, p_g):
    from scipy.integrate import trapezoid
    from scipy.special import xlogy

    total = np.maximum(np.add(p_data, p_g), 1e-300)
    v = trapezoid(xlogy(p_data, p_data / total) + xlogy(p_g, p_g / total), x)
    return [v, 0.5 * v + np.log(2.0)]


def _value_one_minus_d(x, p_data, p_g):
    """The textbook form with 1 - D*: -inf where 1 - D* rounds to 0."""
    d = optimal_discriminator(p_data, p_g)
    with np.errstate(all="ignore"):
        v = float(np.sum(_xlogy(p_data, d) + _xlogy(p_g, 1.0 - d)) * (x[1] - x[0]))
    return v, (v + np.log(4.0)) / 2


def _value_by_kl(x, p_data, p_g):
    from scipy.special import rel_entr

    x = np.asarray(x, dtype=float)
    m = (np.asarray(p_data) + np.asarray(p_g)) / 2
    dx = x[1] - x[0]
    js = 0.5 * np.sum(rel_entr(p_data, m)) * dx + 0.5 * np.sum(rel_entr(p_g, m)) * dx
    return 2 * js - np.log(4.0), js


q2 = GridProcedure(
    "q2", "The value of the game at the optimal discriminator",
    points=2,
    reference=value_at_optimum, outputs=("V", "JS"), cases=_value_cases(),
    slips=VALUE_SLIPS, slips_on_every_case=True, atol=1e-5, draw=_redraw_value,
    prompt="Write value_at_optimum(x, p_data, p_g) in NumPy. x is a uniform grid and p_data, "
           "p_g are two densities on it. Return two numbers: V(D*, G), the value "
           "E_data[log D*(x)] + E_g[log(1 - D*(x))] of the game at the optimal "
           "discriminator, computed as a sum over the grid times its spacing, with "
           "0 log 0 = 0 (and every term finite: far in a tail, 1 - D* can round to 0 "
           "where p_g is not 0); and the Jensen-Shannon divergence JS(p_data || p_g) (natural "
           "logarithm) that V gives. Do not change the arrays you are given.",
    hints=[
        "Each expectation is an integral of a density times a log, computed as "
        "np.sum(...) * dx. Your optimal_discriminator from q1 gives D*. A point where a "
        "density is 0 adds nothing (np.where, or scipy.special.xlogy), and so does a "
        "term whose log you compute as log(p_g / (p_data + p_g)) rather than from 1 - D*.",
        "Put p_g = p_data into V: what is V then, and what is the divergence of a "
        "distribution from itself? The chapter writes V(D*, G) = -log 4 + 2 JS.",
    ],
    wrong_answers=[Wrong(_value_in_place, "changed one of its input arrays in place"),
                   Wrong(_value_one_minus_d, "rounds to 0")],
    right_answers=[
        Right(_value_trapezoid, "the trapezoid rule with scipy's xlogy, returned as a list"),
        Right(_value_by_kl, "the divergence first, from two KL divergences to the mixture "
                            "m = (p_data + p_g) / 2, then V"),
    ],
    solution_context=lambda: {"np": np, "optimal_discriminator": optimal_discriminator},
)


# ---- q3: the losses from logits, in keras.ops --------------------------------------------


def gan_losses(real_logits, fake_logits):
    """(d_loss, g_loss_saturating, g_loss_nonsaturating), means over the batch."""
    d_loss = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
    g_saturating = -ops.mean(ops.softplus(fake_logits))
    g_nonsaturating = ops.mean(ops.softplus(-fake_logits))
    return d_loss, g_saturating, g_nonsaturating


def _np_losses(r, f):
    """The losses in NumPy, float64, stable (logaddexp): the cases' expected values."""
    r, f = np.asarray(r, dtype=float), np.asarray(f, dtype=float)
    sp = lambda t: np.logaddexp(0.0, t)  # noqa: E731
    return (float(np.mean(sp(-r)) + np.mean(sp(f))), float(-np.mean(sp(f))),
            float(np.mean(sp(-f))))


def _loss_cases():
    cases = []
    for n, scale, extreme, words in [
            (4, 2.0, False, "a batch of 4 logits of each kind"),
            (7, 3.0, True, "a batch of 7, with logits of +50 and -50 among them"),
            (5, 1.0, True, "a batch of 5 logits of shape (5, 1), with +-50 among them")]:
        r = _rng.normal(0.5, scale, n).astype("float32")
        f = _rng.normal(-0.5, scale, n).astype("float32")
        if extreme:
            r[:2], f[:2] = [50.0, -50.0], [-50.0, 50.0]
        if "(5, 1)" in words:
            r, f = r[:, None], f[:, None]
        cases.append(((r, f), words))
    return cases


def _ops_mod():
    from keras import ops as keras_ops

    return keras_ops


def _naive_losses(r, f):
    o = _ops_mod()
    dr, df = o.sigmoid(r), o.sigmoid(f)
    return (-o.mean(o.log(dr)) - o.mean(o.log(1 - df)), o.mean(o.log(1 - df)),
            -o.mean(o.log(df)))


LOSS_SLIPS = [
    (lambda r, f: (_ops_mod().mean(_ops_mod().softplus(-r)) + _ops_mod().mean(_ops_mod().softplus(f)),
                   _ops_mod().mean(_ops_mod().softplus(-f)), -_ops_mod().mean(_ops_mod().softplus(f))),
     "your two generator losses are swapped: the saturating one is the minimax game's own "
     "term, E[log(1 - D(G(z)))], which G minimises; the non-saturating one is "
     "-E[log D(G(z))]."),
    (lambda r, f: (_ops_mod().mean(_ops_mod().softplus(r)) + _ops_mod().mean(_ops_mod().softplus(-f)),
                   -_ops_mod().mean(_ops_mod().softplus(f)), _ops_mod().mean(_ops_mod().softplus(-f))),
     "your discriminator's loss has the labels the wrong way round: real examples are "
     "labelled 1 (loss -log D(x) = softplus(-t)) and fakes 0 (loss -log(1 - D) = "
     "softplus(t))."),
    (lambda r, f: (_ops_mod().mean(_ops_mod().softplus(-r)) + _ops_mod().mean(_ops_mod().softplus(f)),
                   _ops_mod().mean(_ops_mod().softplus(f)), _ops_mod().mean(_ops_mod().softplus(-f))),
     "the saturating loss is E[log(1 - D(G(z)))], a negative number that G makes smaller; "
     "you gave its negative, the discriminator's loss on fakes."),
    (lambda r, f: (_ops_mod().mean(_ops_mod().softplus(-r)),
                   -_ops_mod().mean(_ops_mod().softplus(f)), _ops_mod().mean(_ops_mod().softplus(-f))),
     "the discriminator's loss has two terms, one per batch: you left out the fakes' "
     "-E[log(1 - D(G(z)))] = mean(softplus(fake_logits))."),
    (lambda r, f: (_ops_mod().mean(_ops_mod().softplus(f)),
                   -_ops_mod().mean(_ops_mod().softplus(f)), _ops_mod().mean(_ops_mod().softplus(-f))),
     "the discriminator's loss has two terms, one per batch: you left out the real "
     "examples' -E[log D(x)] = mean(softplus(-real_logits))."),
    (lambda r, f: (0.5 * (_ops_mod().mean(_ops_mod().softplus(-r)) + _ops_mod().mean(_ops_mod().softplus(f))),
                   -_ops_mod().mean(_ops_mod().softplus(f)), _ops_mod().mean(_ops_mod().softplus(-f))),
     "the discriminator's loss is the sum of the two means, -E[log D(x)] - E[log(1 - "
     "D(G(z)))], not their average."),
]


class GanLossExercise(_SequenceResults, ProcedureExercise):
    """Losses from logits: compared in float64 (NumPy, logaddexp) on float32 cases; then
    called once on symbolic Keras tensors (a NumPy-only function fails there) and once
    on backend tensors."""

    def _results(self, func, args, call):
        got = super()._results(func, args, call)
        return tuple(_to_np(g) for g in got)

    def grade(self, answer: Any) -> str:
        try:
            message = super().grade(answer)
        except Incorrect as exc:
            text = str(exc)
            if ("NaN" in text or "inf" in text or "not the expected" in text) and \
                    self._stable_elsewhere(answer):
                raise Incorrect(
                    f"{text.rstrip('.')}. Your losses are right at moderate logits but not "
                    "at +-50: sigmoid(50) is 1.0 in float32, so log(1 - sigmoid(t)) is "
                    "log 0. Write log D and log(1 - D) with ops.softplus, which never "
                    "rounds to 0.") from None
            raise
        keras = _keras()
        symbolic = [keras.Input(shape=(1,)), keras.Input(shape=(1,))]
        try:
            out = answer(*symbolic)
            if isinstance(out, keras.KerasTensor) and tuple(out.shape) == (3,):
                out = (out,) * 3  # the three losses stacked in one tensor
            ok = isinstance(out, (tuple, list)) and len(out) == 3 and all(
                isinstance(o, keras.KerasTensor) for o in out)
        except Exception as exc:  # noqa: BLE001 - NumPy on a symbolic tensor
            raise Incorrect(
                f"{self.func_name} gives the right numbers on arrays, but it fails on a "
                f"Keras tensor ({type(exc).__name__}), as inside a compiled training step: "
                "write it with keras.ops (ops.softplus, ops.mean), not NumPy.") from None
        if not ok:
            raise Incorrect(f"{self.func_name}, called on Keras tensors, did not return three "
                            "tensors: build the losses with keras.ops so that they stay "
                            "tensors inside a training step.")
        return message

    def _stable_elsewhere(self, answer) -> bool:
        """Whether the answer is right on logits within +-5 (so only the extremes fail)."""
        r = np.array([0.3, -1.2, 2.0], "float32")
        f = np.array([-0.7, 1.1, -2.5], "float32")
        try:
            got = [float(np.asarray(_to_np(g)).reshape(()))
                   for g in _unpacked(answer, 3)(r.copy(), f.copy())]
        except Exception:  # noqa: BLE001
            return False
        return np.allclose(got, _np_losses(r, f), atol=1e-4)


def _losses_with_bce(real_logits, fake_logits):
    keras = _keras()
    bce = keras.losses.binary_crossentropy
    r, f = ops.reshape(real_logits, (-1, 1)), ops.reshape(fake_logits, (-1, 1))
    d = (ops.mean(bce(ops.ones_like(r), r, from_logits=True))
         + ops.mean(bce(ops.zeros_like(f), f, from_logits=True)))
    return (d, -ops.mean(bce(ops.zeros_like(f), f, from_logits=True)),
            ops.mean(bce(ops.ones_like(f), f, from_logits=True)))


def _losses_log_sigmoid(real_logits, fake_logits):
    o = _ops_mod()
    return (-o.mean(o.log_sigmoid(real_logits)) - o.mean(o.log_sigmoid(-fake_logits)),
            o.mean(o.log_sigmoid(-fake_logits)), -o.mean(o.log_sigmoid(fake_logits)))


q3 = GanLossExercise(
    "q3", "The GAN losses from logits, in keras.ops",
    points=2,
    reference=gan_losses, outputs=("d_loss", "g_loss_saturating", "g_loss_nonsaturating"),
    cases=_loss_cases(), slips=LOSS_SLIPS, slips_on_every_case=True, atol=2e-5,
    prompt="Write gan_losses(real_logits, fake_logits) with keras.ops. The discriminator "
           "outputs a logit t, D = sigmoid(t); real_logits are its logits on a batch of "
           "data, fake_logits on a batch of fakes. Return three numbers, each a mean over "
           "the batch: the discriminator's loss -E[log D(x)] - E[log(1 - D(G(z)))]; the "
           "saturating generator loss, the game's own term E[log(1 - D(G(z)))], which G "
           "minimises; and the non-saturating generator loss -E[log D(G(z))]. The "
           "checker passes float32 logits as large as +-50, and calls it on Keras "
           "tensors too.",
    hints=[
        "With D = sigmoid(t): log D = -log(1 + exp(-t)) and log(1 - D) = "
        "-log(1 + exp(t)). log(1 + exp(u)) is the softplus, which keras.ops computes "
        "without overflow or rounding to log 0.",
        "-log D(x) = ops.softplus(-t) and -log(1 - D) = ops.softplus(t); take "
        "ops.mean of each over the batch.",
    ],
    wrong_answers=[Wrong(_naive_losses, "softplus")],
    right_answers=[
        Right(_losses_with_bce, "keras.losses.binary_crossentropy(..., from_logits=True) "
                                "with labels 1 and 0"),
        Right(_losses_log_sigmoid, "ops.log_sigmoid, which is -softplus(-t)"),
    ],
    solution_context=lambda: {"ops": _ops_mod()},
)


# ---- q5: the mode-coverage score ---------------------------------------------------------


def coverage(samples, centres, std):
    """(modes covered, high-quality fraction) of 2-D samples."""
    samples = np.asarray(samples, dtype=float)
    centres = np.asarray(centres, dtype=float)
    dist = np.sqrt(((samples[:, None, :] - centres[None, :, :]) ** 2).sum(axis=-1))
    nearest = np.argmin(dist, axis=1)
    good = dist[np.arange(len(samples)), nearest] <= 3 * std
    counts = np.bincount(nearest[good], minlength=len(centres))
    need = max(1, math.ceil(0.01 * len(samples)))
    return int(np.sum(counts >= need)), float(np.mean(good))


def _coverage_cases():
    """Samples like a GAN's: some modes well covered, some with a few points, some
    empty, and a spray of poor samples; centres on a ring, a grid, and at random."""
    cases = []
    for k, layout, n, std in [(8, "ring", 400, 0.05), (9, "grid", 500, 0.1),
                              (5, "random", 300, 0.2)]:
        if layout == "ring":
            centres = gan_mixture.mode_centres(k, 2.0)
        elif layout == "grid":
            centres = np.array([[i, j] for i in (-2.0, 0.0, 2.0) for j in (-2.0, 0.0, 2.0)])
        else:
            centres = _rng.uniform(-5, 5, (k, 2))
        cases.append(((_coverage_samples(_rng, centres, n, std), centres, std),
                      f"{n} samples, {k} centres on a {layout}, std = {std}"))
    return cases


def _coverage_samples(rng, centres, n, std):
    k = len(centres)
    weights = rng.dirichlet(np.full(k, 0.5))
    missed = rng.permutation(k)[: max(1, k // 3)]
    weights[missed] = 0.0                                     # some modes missed
    weights[rng.integers(k)] = 0.003                          # a mode with a stray point
    weights /= weights.sum()
    which = rng.choice(k, size=n, p=weights)
    spread = rng.choice([1.0, 2.5, 6.0], size=(n, 1), p=[0.5, 0.2, 0.3])
    samples = centres[which] + std * spread * rng.standard_normal((n, 2))
    # a missed mode gets one sample fewer than 1 % of all samples, all of high quality:
    # more than 1 % of the high-quality samples, since a good third of samples are poor
    few = math.ceil(0.01 * n) - 1
    samples[:few] = centres[missed[0]] + 0.1 * std * rng.standard_normal((few, 2))
    return samples


def _redraw_coverage(args, rng):
    samples, centres, std = args
    centres = centres + rng.uniform(-0.3, 0.3, size=centres.shape)
    return (_coverage_samples(rng, centres, len(samples), std), centres, std)


COVERAGE_SLIPS = [
    (lambda s, c, std: _coverage_variant(s, c, std, radius=1.0),
     "a high-quality sample lies within 3 standard deviations of a centre, not 1."),
    (lambda s, c, std: _coverage_variant(s, c, std, need=1),
     "a mode with one or two stray samples is not covered: it needs at least 1 % of all "
     "the samples among its high-quality ones."),
    (lambda s, c, std: _coverage_variant(s, c, std, all_samples=True),
     "count only the high-quality samples of a mode when you decide whether it is "
     "covered: a sample far from every centre belongs to no mode."),
    (lambda s, c, std: _coverage_variant(s, c, std, of_good=True),
     "a mode is covered by at least 1 % of ALL the samples (n of them), not 1 % of the "
     "high-quality ones."),
    (lambda s, c, std: _coverage_variant(s, c, std, squared=True),
     "compare the distance itself with 3 std, not the squared distance."),
]


def _coverage_variant(samples, centres, std, *, radius=3.0, need=None, all_samples=False,
                      squared=False, of_good=False):
    samples, centres = np.asarray(samples, float), np.asarray(centres, float)
    d2 = ((samples[:, None, :] - centres[None, :, :]) ** 2).sum(axis=-1)
    nearest = np.argmin(d2, axis=1)
    d = d2[np.arange(len(samples)), nearest]
    d = d if squared else np.sqrt(d)
    good = d <= radius * std
    counts = np.bincount(nearest if all_samples else nearest[good], minlength=len(centres))
    base = int(good.sum()) if of_good else len(samples)
    need = max(1, math.ceil(0.01 * base)) if need is None else need
    return int(np.sum(counts >= need)), float(np.mean(good))


def _coverage_in_place(samples, centres, std):
    samples -= samples.mean(axis=0) * 0.0 + 1e-3  # nudges the caller's array
    return coverage(samples, centres, std)


def _coverage_loops(samples, centres, std):
    counts = [0] * len(centres)
    good = 0
    for s in np.asarray(samples, float):
        d = [math.dist(s, c) for c in np.asarray(centres, float)]
        j = int(np.argmin(d))
        if d[j] <= 3 * std:
            counts[j] += 1
            good += 1
    need = max(1, math.ceil(len(samples) / 100))
    return [sum(c >= need for c in counts), good / len(samples)]


q5 = GridProcedure(
    "q5", "Scoring mode coverage",
    points=1,
    reference=coverage, outputs=("modes covered", "high-quality fraction"),
    cases=_coverage_cases(), slips=COVERAGE_SLIPS, slips_on_every_case=True, atol=1e-9,
    draw=_redraw_coverage,
    prompt="Write coverage(samples, centres, std) in NumPy: samples has shape (n, 2), centres "
           "shape (k, 2), and std is the modes' standard deviation. A sample is of high "
           "quality when it lies within 3 std (Euclidean distance) of its nearest centre. "
           "A mode is covered when at least 1 % of all n samples (and at least one) are "
           "high-quality samples of that mode. Return the number of modes covered and the "
           "fraction of high-quality samples. Do not change the arrays you are given.",
    hints=[
        "Compute all n x k distances at once with broadcasting, samples[:, None, :] - "
        "centres[None, :, :]; np.argmin over the centres gives each sample's mode.",
        "np.bincount(nearest[good], minlength=k) counts the high-quality samples of each "
        "mode; compare the counts with max(1, ceil(0.01 n)).",
    ],
    wrong_answers=[Wrong(_coverage_in_place, "changed one of its input arrays in place")],
    right_answers=[Right(_coverage_loops, "loops over the samples, returning a list")],
    solution_context=lambda: {"np": np, "math": math},
)


# ---- trained GANs: recorded answers are notebook code, run in the lab's context ------------


class TrainedGanExercise(TrainedCodeExercise):
    """An exercise whose recorded answers (and solution) are notebook code that the
    lab's ``context()`` runs; each is run once per backend and seed and cached."""

    kind = "trained-gan"
    blank_message = Exercise.blank_message  # the default, as before the shared class


def _is_model(m) -> bool:
    return isinstance(m, _keras().Model)


def _to_logits(model, y) -> np.ndarray:
    """The model's outputs as logits: a last layer with a sigmoid gives probabilities."""
    y = np.asarray(_keras().ops.convert_to_numpy(y), dtype=float).reshape(-1)
    last = model.layers[-1] if getattr(model, "layers", None) else None
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    if activation == "sigmoid":
        y = np.clip(y, 1e-7, 1 - 1e-7)
        return np.log(y) - np.log1p(-y)
    return y


def _last_axis(model, which: str = "inputs") -> int | None:
    """The size of the last axis of the model's first input (or output, ``which="outputs"``):
    None when it is variable, or when the model has none (a subclassed model never called)."""
    try:
        shape = getattr(model, which)[0].shape
    except Exception:  # noqa: BLE001 - a subclassed model without inputs or outputs
        return None
    return None if shape[-1] is None else int(shape[-1])


def _input_size(model) -> int | None:
    return _last_axis(model, "inputs")


# ---- q4: a 1-D GAN toward N(4, 1.25) ----------------------------------------------------

#: The data distribution of q4.
DATA_MEAN, DATA_STD = 4.0, 1.25
#: q4's tolerances on the generated mean and standard deviation, and on the two losses
#: (measured on the checker's draws: MARGINS).
MEAN_TOL, STD_TOL, LOSS_TOL = 0.3, 0.5, 0.1
#: The least spread (max - min) of the discriminator's logits over x in [-6, 14]: a
#: discriminator that gives every x the same logit has not been trained (MARGINS).
D_RANGE_MIN = 1e-3
#: How many examples the checker draws (data and noise), and its seed.
_Q4_DRAWS, _Q4_SEED = 20_000, 60_401


def load_1d_data(n: int = 4000, seed: int = 4):
    """The lab's training data for q4: ``n`` draws of N(4, 1.25^2), shape (n, 1), float32.
    The checker draws its own."""
    rng = np.random.default_rng(seed)
    return rng.normal(DATA_MEAN, DATA_STD, size=(n, 1)).astype("float32")


def gan_1d_scores(generator, discriminator) -> dict:
    """What q4's checker measures: the mean and std of 20,000 samples on its own noise,
    and the discriminator's and the non-saturating generator loss on its own data."""
    keras = _keras()
    rng = np.random.default_rng(_Q4_SEED)
    z = rng.standard_normal((_Q4_DRAWS, _input_size(generator))).astype("float32")
    x = rng.normal(DATA_MEAN, DATA_STD, (_Q4_DRAWS, 1)).astype("float32")
    fake = np.asarray(keras.ops.convert_to_numpy(generator(z, training=False)), dtype=float)
    real_logits = _to_logits(discriminator, discriminator(x, training=False))
    fake_logits = _to_logits(discriminator, discriminator(fake.reshape(-1, 1).astype("float32"),
                                                          training=False))
    grid = np.linspace(-6.0, 14.0, 201, dtype="float32").reshape(-1, 1)
    grid_logits = _to_logits(discriminator, discriminator(grid, training=False))
    sp = lambda t: np.logaddexp(0.0, t)  # noqa: E731
    return {"mean": float(fake.mean()), "std": float(fake.std()),
            "d_range": float(np.ptp(grid_logits)),
            "d_loss": float(sp(-real_logits).mean() + sp(fake_logits).mean()),
            "g_loss": float(sp(-fake_logits).mean()), "shape": fake.shape}


class OneDGanExercise(TrainedGanExercise):
    """A trained (generator, discriminator) pair, graded on the checker's noise and data."""

    def grade(self, answer: Any) -> str:
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise Incorrect(f"pass the pair (generator, discriminator), not {type_name(answer)}.")
        generator, discriminator = answer
        if not (_is_model(generator) and _is_model(discriminator)):
            raise Incorrect("both items of the pair must be Keras models: (generator, "
                            "discriminator).")
        if _input_size(discriminator) != 1:
            raise Incorrect(f"the discriminator should take one number per example (input "
                            f"shape (None, 1)); the second model takes {_input_size(discriminator)}. "
                            "Did you pass (discriminator, generator)?")
        if _input_size(generator) is None:
            raise Incorrect("the generator needs a fixed input size (the latent dimension): "
                            "start it with keras.Input(shape=(latent_dim,)).")
        try:
            s = gan_1d_scores(generator, discriminator)
        except Exception as exc:  # noqa: BLE001
            raise Incorrect(describe_exception(exc, "Running your models")) from None
        if s["shape"] not in ((_Q4_DRAWS, 1), (_Q4_DRAWS,)):
            raise Incorrect(f"the generator should give one number per example; on "
                            f"{_Q4_DRAWS} noise vectors it gave shape {s['shape']}.")
        if not (np.isfinite(s["mean"]) and np.isfinite(s["std"])):
            raise Incorrect("the generator's samples are not finite numbers: training diverged.")
        problems = []
        if abs(s["mean"] - DATA_MEAN) > MEAN_TOL:
            problems.append(f"their mean is {s['mean']:.2f}, more than {MEAN_TOL} from {DATA_MEAN}")
        if abs(s["std"] - DATA_STD) > STD_TOL:
            few = " (a sign of collapse: the generator maps all noise near one value)" \
                if s["std"] < DATA_STD - STD_TOL else ""
            problems.append(f"their standard deviation is {s['std']:.2f}, more than {STD_TOL} "
                            f"from {DATA_STD}{few}")
        if problems:
            raise Incorrect(f"on {_Q4_DRAWS:,} samples from the checker's own noise, "
                            + " and ".join(problems) + ". Train longer, or see the hints.")
        if not s["d_range"] > D_RANGE_MIN:
            raise Incorrect(
                "the samples match N(4, 1.25), but the discriminator gives the same logit "
                "to every x from -6 to 14: a constant D = 1/2 meets the loss targets without "
                "judging anything. Pass the discriminator trained with this generator by "
                "train_gan.")
        for key, target, name in [("d_loss", 2 * math.log(2), "2 ln 2"),
                                  ("g_loss", math.log(2), "ln 2")]:
            if abs(s[key] - target) > LOSS_TOL:
                who = "discriminator's loss" if key == "d_loss" else "generator's loss"
                raise Incorrect(
                    f"the samples match N(4, 1.25), but on the checker's data the {who} is "
                    f"{s[key]:.2f}, more than {LOSS_TOL} from {name} = {target:.3f}, its "
                    "value at equilibrium, where D = 1/2 everywhere: is the discriminator "
                    "the one trained with this generator, with a linear (logit) output?")
        return (f"on {_Q4_DRAWS:,} samples from the checker's noise the mean is within "
                f"{MEAN_TOL} of 4 and the standard deviation within {STD_TOL} of 1.25, and "
                f"both losses are within {LOSS_TOL} of 2 ln 2 and ln 2.")


Q4_SOLUTION = """\
generator = keras.Sequential([
    keras.Input(shape=(4,)),
    layers.Dense(32, activation="leaky_relu"),
    layers.Dense(32, activation="leaky_relu"),
    layers.Dense(1),
])
discriminator = keras.Sequential([
    keras.Input(shape=(1,)),
    layers.Dense(32, activation="leaky_relu"),
    layers.Dense(32, activation="leaky_relu"),
    layers.Dense(1),  # a logit
])
# the step size falls to a quarter, then a sixteenth, to settle the game
lr = keras.optimizers.schedules.PiecewiseConstantDecay([1000, 1500], [1e-3, 2.5e-4, 6.25e-5])
history = train_gan(generator, discriminator, x_1d, 2000, batch_size=256,
                    d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
                    g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5), seed=seed)
gan_1d = (generator, discriminator)
"""

#: A generator with no hidden layer, the baseline's twin: it stalls far from the data.
Q4_LINEAR = Q4_SOLUTION.replace('    layers.Dense(32, activation="leaky_relu"),\n    layers.Dense(32, activation="leaky_relu"),\n    layers.Dense(1),\n])\ndiscriminator',
                                '    layers.Dense(1),\n])\ndiscriminator')
assert Q4_LINEAR != Q4_SOLUTION


_of_reference = of_reference


@_of_reference
def _swapped(pair):
    """The reference's trained pair, passed the wrong way round."""
    return pair[1], pair[0]


@_of_reference
def _with_probabilities(pair):
    """The reference's pair, its discriminator followed by a sigmoid (probabilities)."""
    keras = _keras()
    return pair[0], keras.Sequential([pair[1], keras.layers.Activation("sigmoid")])


def _context_1d() -> dict:
    keras = _keras()
    from dlbook.gan import train_gan

    return {"keras": keras, "layers": keras.layers, "train_gan": train_gan,
            "x_1d": load_1d_data(), "seed": TrainedGanExercise.seed}


q4 = OneDGanExercise(
    "q4", "A 1-D GAN toward N(4, 1.25)",
    points=2, context=_context_1d, solution=Q4_SOLUTION, answer_name="gan_1d",
    reference=Q4_SOLUTION,
    prompt=f"Build and train a generator (noise in, one number out) and a discriminator (one "
           f"number in, a logit out) on x_1d, draws of N(4, 1.25^2), with train_gan. Pass the "
           f"pair gan_1d = (generator, discriminator). The checker draws its own "
           f"{_Q4_DRAWS:,} noise vectors: the samples' mean must be within {MEAN_TOL} of 4 "
           f"and their standard deviation within {STD_TOL} of 1.25; on its own draws of the "
           f"data, the discriminator's loss must be within {LOSS_TOL} of 2 ln 2 and the "
           f"non-saturating generator loss within {LOSS_TOL} of ln 2.",
    hints=[
        "Networks of one small hidden layer find it hard to get the spread right: give "
        "both two hidden layers of 32, and train on batches of 256 (less noise in each "
        "step). Adam with beta_1 = 0.5 (the DCGAN setting) oscillates less than the "
        "default 0.9.",
        "A GAN does not converge to a point: it circles the equilibrium. Lowering both "
        "learning rates in the last part of training (a PiecewiseConstantDecay schedule) "
        "lets it settle near D = 1/2.",
    ],
    wrong_answers=[
        Wrong(Q4_LINEAR, "from 4"),
        Wrong(_swapped, "Did you pass (discriminator, generator)?"),
    ],
    right_answers=[Right(_with_probabilities, "the discriminator followed by a sigmoid: "
                                              "probabilities, read as such")],
)


# ---- q6: a design exercise on the ring of 8 Gaussians -------------------------------------

#: The ring of q6: 8 modes of std RING_STD on a circle of radius 2 (wider than the papers'
#: 0.02, so that a small GAN trained for seconds on a CPU can reach it).
RING_K, RING_RADIUS, RING_STD = 8, 2.0, 0.05
#: q6's targets, on every one of the checker's seeds: modes covered and high-quality
#: fraction (measured: MARGINS).
DESIGN_MODES, DESIGN_QUALITY = 7, 0.3
#: The most training steps and the largest batch a recipe may ask for (the checker
#: retrains it at each of its seeds).
MAX_STEPS, MAX_BATCH = 2000, 256
#: The checker's seeds: its weights, its data and its noise.
CHECK_SEEDS = (60_601, 60_602, 60_603)
_RING_N, _RING_SAMPLES = 5000, 2000


def load_ring(seed: int = 6):
    """The lab's ring of 8 Gaussians: 5,000 points, shape (5000, 2), float32."""
    return gan_mixture.ring_of_gaussians(_RING_N, RING_K, RING_RADIUS, RING_STD,
                                         seed=seed).astype("float32")


def baseline_ring_gan():
    """The lab's baseline recipe for q6: small networks, the saturating generator loss,
    Adam's defaults, batches of 64. It collapses."""
    import keras
    from keras import layers

    from dlbook.gan import g_loss_saturating

    def mlp(n_in, n_out):
        return keras.Sequential([keras.Input(shape=(n_in,)),
                                 layers.Dense(16, activation="relu"), layers.Dense(n_out)])

    return {"generator": mlp(2, 2), "discriminator": mlp(2, 1), "g_loss": g_loss_saturating,
            "steps": 2000, "batch_size": 64}


_RECIPE_KEYS = {"generator", "discriminator", "d_optimizer", "g_optimizer", "d_loss",
                "g_loss", "steps", "batch_size"}


def train_recipe(recipe: Callable, seed: int, data=None, fresh: list | None = None):
    """Train the GAN that ``recipe()`` describes at ``seed`` (its weights, batches and
    noise) on ``data`` (the checker's ring when None); return the generator."""
    keras = _keras()
    from dlbook.gan import train_gan

    keras.utils.set_random_seed(seed)
    config = call_student(recipe, when=" (your recipe function)")
    if not isinstance(config, dict):
        raise Incorrect(f"the recipe should return a dict (generator, discriminator, ...), "
                        f"not {type_name(config)}.")
    unknown = set(config) - _RECIPE_KEYS
    if unknown:
        raise Incorrect(f"the recipe's dict has keys the checker does not know: "
                        f"{sorted(unknown)}; it knows {sorted(_RECIPE_KEYS)}.")
    for key in ("generator", "discriminator"):
        if not _is_model(config.get(key)):
            raise Incorrect(f"the recipe's dict needs a Keras model under {key!r}.")
    steps = int(config.get("steps", MAX_STEPS))
    batch = int(config.get("batch_size", 64))
    if not 1 <= steps <= MAX_STEPS or not 1 <= batch <= MAX_BATCH:
        raise Incorrect(f"the recipe asks for {steps} steps of batches of {batch}; the "
                        f"checker allows at most {MAX_STEPS} steps and batches of {MAX_BATCH}.")
    if data is None:
        data = gan_mixture.ring_of_gaussians(_RING_N, RING_K, RING_RADIUS, RING_STD,
                                             seed=seed).astype("float32")
    generator, discriminator = config["generator"], config["discriminator"]
    for key, model in (("generator", generator), ("discriminator", discriminator)):
        if not model.trainable_variables:
            raise Incorrect(f"the recipe's {key} has no weights to train: train_gan has "
                            "nothing to update (build it from layers such as Dense).")
    g_out = _output_size(generator)
    if g_out != 2 or _input_size(discriminator) != 2:
        raise Incorrect(f"the generator gives points of {g_out} numbers and the "
                        f"discriminator takes {_input_size(discriminator)}: both work on "
                        "points of the plane, 2 numbers.")
    if fresh is not None:
        fresh.append(generator)
        # what the generator covers before any training: a recipe that arrives trained
        # (or hard-coded) is not a design that the checker trained
        fresh.append(ring_scores(generator, seed))
        fresh.append([np.copy(_keras().ops.convert_to_numpy(w)) for w in generator.weights])
    kwargs = {k: config[k] for k in ("d_optimizer", "g_optimizer", "d_loss", "g_loss")
              if k in config}
    try:
        train_gan(generator, discriminator, data, steps, batch_size=batch, seed=seed, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the student's models or losses
        raise Incorrect(describe_exception(exc, "Training your recipe")) from None
    return generator


def _output_size(model) -> int | None:
    return _last_axis(model, "outputs")


def ring_scores(generator, seed: int) -> tuple:
    """(modes covered, high-quality fraction) of 2,000 samples on the checker's noise."""
    from dlbook.gan import generate

    samples = generate(generator, _RING_SAMPLES, seed=seed + 1)
    if samples.shape != (_RING_SAMPLES, 2):
        raise Incorrect(f"the generator should give points of the plane, shape (n, 2); it "
                        f"gave {samples.shape}.")
    return gan_mixture.mode_coverage(samples, RING_K, RING_RADIUS, RING_STD)


class RingDesignExercise(Exercise):
    """A recipe function, retrained by the checker at each of its seeds on its own ring."""

    kind = "design"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._scores: dict = {}
        self._generators: dict = {}
        self._fresh: dict = {}
        self._defined: dict = {}

    def run(self, code: str) -> Callable:
        """The recipe that ``code`` (a notebook cell) defines as ``answer_name``, run in the
        names the notebook has, once per code: its trainings are cached by the function."""
        if code not in self._defined:
            self._defined[code] = self.run_in_notebook_names(code)[self.answer_name]
        return self._defined[code]

    def reference_answer(self) -> Callable:
        """The recipe solution() shows, defined from that code (so that running the displayed
        code again reuses the self-test's training)."""
        return self.run(self.solution_text())

    def scores(self, recipe: Callable, seeds=CHECK_SEEDS) -> list:
        """The (modes, quality) of ``recipe`` at each seed (cached by backend)."""
        backend = _keras().backend.backend()
        out = []
        for seed in seeds:
            key = (backend, recipe, seed)
            if key not in self._scores:
                fresh: list = []
                generator = train_recipe(recipe, seed, fresh=fresh)
                self._check_fresh(recipe, seed, fresh)
                self._generators[key] = generator
                self._scores[key] = ring_scores(generator, seed)
            out.append(self._scores[key])
        return out

    def _check_fresh(self, recipe, seed, fresh) -> None:
        """A recipe must build new, untrained models at each call, from the seed the checker
        sets: not the models of its last call, not the same weights at every seed, not a
        generator that covers the ring before training."""
        generator, (modes, quality), weights = fresh
        backend = _keras().backend.backend()
        for other in CHECK_SEEDS:
            key = (backend, recipe, other)
            if other == seed or key not in self._fresh:
                continue
            other_generator, other_weights = self._fresh[key]
            if other_generator is generator:
                raise Incorrect("the recipe returned the same generator at two of the "
                                "checker's seeds: it must build new models at each call "
                                "(create them inside the function).")
            if len(weights) == len(other_weights) and all(
                    np.array_equal(a, b) for a, b in zip(weights, other_weights)):
                raise Incorrect("the recipe's untrained generator has the same weights at two "
                                "of the checker's seeds: do not set the random seed inside the "
                                "recipe (the checker sets it, to try several initialisations).")
        self._fresh[(backend, recipe, seed)] = (generator, weights)
        if modes >= DESIGN_MODES and quality >= DESIGN_QUALITY:
            raise Incorrect(f"before any training the recipe's generator already covers "
                            f"{modes} modes: the design must be a GAN that train_gan trains "
                            "from fresh weights, not a generator that knows the ring.")

    def trained_generator(self, recipe: Callable):
        """The generator of ``recipe`` trained at the checker's first seed, on its ring (the
        one the check trained, when the recipe was checked)."""
        self.scores(recipe, seeds=CHECK_SEEDS[:1])
        return self._generators[(_keras().backend.backend(), recipe, CHECK_SEEDS[0])]

    def grade(self, answer: Any) -> str:
        if not callable(answer) or _is_model(answer):
            raise Incorrect("pass the recipe function itself (make_ring_gan, without "
                            "parentheses): the checker calls it once per seed, to build "
                            "fresh models.")
        results = self.scores(answer)
        for (modes, quality), seed in zip(results, CHECK_SEEDS):
            if modes < DESIGN_MODES or quality < DESIGN_QUALITY:
                summary = ", ".join(f"{m} modes and {q:.0%}" for m, q in results)
                raise Incorrect(f"trained at the checker's {len(CHECK_SEEDS)} seeds, your "
                                f"recipe covers {summary} of samples of high quality; each "
                                f"seed needs at least {DESIGN_MODES} of the {RING_K} modes "
                                f"and {DESIGN_QUALITY:.0%}.")
        return (f"at each of the checker's {len(CHECK_SEEDS)} seeds your recipe covers at "
                f"least {DESIGN_MODES} of the {RING_K} modes with at least "
                f"{DESIGN_QUALITY:.0%} of samples of high quality.")


def make_ring_gan():
    """A fresh GAN for the ring and how to train it, as a dict."""
    import keras
    from keras import layers

    def mlp(n_in, n_out):
        return keras.Sequential([keras.Input(shape=(n_in,))]
                                + [layers.Dense(128, activation="relu") for _ in range(3)]
                                + [layers.Dense(n_out)])

    return {"generator": mlp(2, 2), "discriminator": mlp(2, 1),
            "d_optimizer": keras.optimizers.Adam(5e-4, beta_1=0.5),
            "g_optimizer": keras.optimizers.Adam(5e-4, beta_1=0.5),
            "steps": 2000, "batch_size": 256}


def _functional_recipe():
    import keras
    from keras import layers

    def mlp(n_in, n_out):
        inputs = keras.Input(shape=(n_in,))
        h = inputs
        for _ in range(3):
            h = layers.Dense(128, activation="relu")(h)
        return keras.Model(inputs, layers.Dense(n_out)(h))

    config = make_ring_gan()
    config.update(generator=mlp(2, 2), discriminator=mlp(2, 1))
    return config


def _recipe_too_long():
    config = make_ring_gan()
    config["steps"] = 5000
    return config


q6 = RingDesignExercise(
    "q6", "Design: cover the ring's modes",
    points=4, reference=make_ring_gan, answer_name="make_ring_gan",
    solution=inspect.getsource(make_ring_gan),
    prompt=f"Write make_ring_gan(): a function without arguments that returns a dict with "
           f"a new 'generator' (2 noise numbers in, a point of the plane out) and a new "
           f"'discriminator' (a point in, a logit out), and optionally 'd_optimizer', "
           f"'g_optimizer', 'd_loss', 'g_loss' (keras.ops functions of logits, as in q3), "
           f"'steps' (at most {MAX_STEPS}) and 'batch_size' (at most {MAX_BATCH}). The checker "
           f"calls it at each of its {len(CHECK_SEEDS)} seeds, trains the GAN with train_gan "
           f"on its own ring of 8 Gaussians (std {RING_STD}, radius {RING_RADIUS}), and "
           f"draws 2,000 samples: each seed must cover at least {DESIGN_MODES} of the 8 "
           f"modes, with at least {DESIGN_QUALITY:.0%} of the samples of high quality "
           f"(within 3 std of a centre). The lab's baseline_ring_gan() collapses.",
    hints=[
        "Read the baseline's collapse as the chapter's ch6-failures section does: a "
        "generator that chases the discriminator from mode to mode. Which of its "
        "settings does the chapter list as remedies?",
        "Three changes together are enough: the non-saturating generator loss (the "
        "default of train_gan), larger networks (three hidden layers of 128), and Adam "
        "with a learning rate of 5e-4 and beta_1 = 0.5 on batches of 256.",
    ],
    wrong_answers=[
        Wrong(baseline_ring_gan, "each seed needs at least"),
        Wrong(_recipe_too_long, "at most 2000 steps"),
        Wrong({"generator": None}, "pass the recipe function itself"),
    ],
    right_answers=[Right(_functional_recipe, "the reference's networks in the functional API")],
)


# ---- q7 and q8: GANs of digits, scored by the checker's classifier --------------------------


def _context_digits() -> dict:
    keras = _keras()
    from dlbook.gan import train_gan

    X, y = lab06_digits.load_digit_images()
    return {"keras": keras, "layers": keras.layers, "np": np, "train_gan": train_gan,
            "X_digits": X, "y_digits": y, "seed": TrainedGanExercise.seed}


class DcganExercise(TrainedGanExercise):
    """q7: a trained generator of digits, scored on the checker's noise by its classifier."""

    def grade(self, answer: Any) -> str:
        s = lab06_digits.dcgan_scores(answer)
        conf, classes = s["confidence"], s["classes"]
        where = (f"on {lab06_digits.Q7_SAMPLES:,} samples from the checker's noise, its "
                 f"digits classifier")
        if classes < DCGAN_CLASSES:
            top = int(np.argmax(s["share"]))
            raise Incorrect(
                f"{where} reads only {classes} classes in at least "
                f"{lab06_digits.COVER_SHARE:.0%} of them (the most common, {top}, in "
                f"{s['share'][top]:.0%}); at least {DCGAN_CLASSES} are needed. Few classes "
                "mean mode collapse, or a generator that has not learnt digits yet.")
        if conf < DCGAN_CONFIDENCE:
            raise Incorrect(
                f"{where} is on average {conf:.2f} sure of its class, below "
                f"{DCGAN_CONFIDENCE}: the samples look like blurred blends of digits. A "
                "generator with a hidden layer (dense, then a transposed convolution) draws "
                "sharper strokes.")
        return (f"{where} reads at least {DCGAN_CLASSES} classes in at least "
                f"{lab06_digits.COVER_SHARE:.0%} of them each, and is on average at least "
                f"{DCGAN_CONFIDENCE} sure of its class.")


class CganExercise(TrainedGanExercise):
    """q8: a trained conditional generator; the checker requests each class."""

    def grade(self, answer: Any) -> str:
        s = lab06_digits.cgan_scores(answer)
        acc = s["accuracy"]
        n = lab06_digits.PER_CLASS
        if acc < CGAN_ACCURACY:
            worst = int(np.argmin(s["per_class"]))
            hint = (" That is chance: does the generator use its label input, and were the "
                    "labels passed to train_gan the digits' own?") if acc < 0.2 else ""
            raise Incorrect(
                f"the checker requested {n} digits of each class, each with its own noise; "
                f"its classifier reads {acc:.0%} of them as the class requested (the worst "
                f"class, {worst}: {s['per_class'][worst]:.0%}), below "
                f"{CGAN_ACCURACY:.0%}.{hint}")
        return (f"the checker requested {n} digits of each class, each with its own noise; "
                f"its classifier reads at least {CGAN_ACCURACY:.0%} of them as the class "
                "requested.")


@_of_reference
def _conditional_as_one_hot(generator):
    """The reference's conditional generator behind a one-hot label input (for q7, q8's)."""
    keras = _keras()
    if len(generator.inputs) != 2:  # q7's own reference: q8's is needed
        generator = q8.reference_answer()
    z = keras.Input(shape=(generator.inputs[0].shape[-1],))
    one_hot = keras.Input(shape=(10,))
    label = keras.layers.Lambda(
        lambda t: keras.ops.expand_dims(keras.ops.argmax(t, axis=-1), -1))(one_hot)
    return keras.Model([z, one_hot], generator([z, label]))


@_of_reference
def _flat_pixels(generator):
    """The reference's generator with its images flattened to rows of 64 pixels."""
    keras = _keras()
    return keras.Sequential([generator, keras.layers.Reshape((64,))])


@_of_reference
def _flat_pixels_of_q7(_generator):
    """q7's generator (one input), passed to q8."""
    return q7.reference_answer()


@_of_reference
def _tanh_range(generator):
    """The reference's generator rescaled to [-1, 1], as a tanh output would be."""
    keras = _keras()
    return keras.Sequential([generator, keras.layers.Rescaling(2.0, offset=-1.0)])


q7 = DcganExercise(
    "q7", "A DCGAN of digits",
    points=2, context=_context_digits, solution=lab06_digits.Q7_SOLUTION,
    answer_name="digit_generator", reference=lab06_digits.Q7_SOLUTION,
    prompt=f"Build a DCGAN-style generator (noise of any size in, an 8 x 8 x 1 image with "
           f"pixels in [0, 1] out: a dense layer, a reshape to a small grid and a transposed "
           f"convolution) and a convolutional discriminator (an image in, a logit out), and "
           f"train them on X_digits with train_gan. Pass the trained generator, "
           f"digit_generator. The checker fits its own digits classifier on 360 digits the "
           f"notebook never loads and draws {lab06_digits.Q7_SAMPLES:,} samples on its own "
           f"noise: at least {DCGAN_CLASSES} classes must each hold at least "
           f"{lab06_digits.COVER_SHARE:.0%} of the samples, and the classifier's confidence "
           f"(its largest class probability, averaged over the samples) must be at least "
           f"{DCGAN_CONFIDENCE}; samples that copy training digits do not count.",
    hints=[
        "The generator grows the image: Dense(4 * 4 * 32), Reshape((4, 4, 32)), then "
        "Conv2DTranspose(1, 4, strides=2, padding='same', activation='sigmoid') gives "
        "8 x 8 x 1 pixels in [0, 1]. The discriminator shrinks it: a Conv2D with "
        "strides=2, a LeakyReLU, Flatten, Dense(1).",
        "Batch normalisation after the generator's dense layer steadies training; Adam "
        "with learning rate 5e-4 and beta_1 = 0.5 (the DCGAN setting), batches of 64 and "
        "1,000 steps are enough for the 8 x 8 digits.",
    ],
    wrong_answers=[
        Wrong(lab06_digits.Q7_DENSE, "noise, its digits classifier"),
        Wrong(lab06_digits.Q7_UNTRAINED, "classes in at least"),
        Wrong(_tanh_range, "(a tanh gives [-1, 1]"),
        Wrong(_conditional_as_one_hot, "q8's"),
    ],
    right_answers=[Right(_flat_pixels, "the images as rows of 64 pixels")],
)

q8 = CganExercise(
    "q8", "A conditional GAN: the digit you ask for",
    points=2, context=_context_digits, solution=lab06_digits.Q8_SOLUTION,
    answer_name="conditional_generator", reference=lab06_digits.Q8_SOLUTION,
    prompt=f"Build a conditional generator with two inputs, [noise, label] (the label an "
           f"integer class 0-9 of shape (n, 1) or (n,), or a one-hot row of 10), that returns "
           f"an 8 x 8 x 1 image with pixels in [0, 1], and a discriminator with two inputs, "
           f"[image, label], that returns a logit; train them on X_digits with "
           f"labels=y_digits (train_gan's labels argument). Pass the trained generator, "
           f"conditional_generator. The checker requests {lab06_digits.PER_CLASS} digits of "
           f"each class, each with its own noise: its classifier (fitted on 360 digits the "
           f"notebook never loads) must read at least {CGAN_ACCURACY:.0%} of them as the "
           f"class requested, and the digits of one class must vary with the noise.",
    hints=[
        "Give each network the label as a learnt vector: Embedding(10, 16) then Flatten, "
        "concatenated with the noise in the generator; in the discriminator, an "
        "Embedding(10, 64) reshaped to an 8 x 8 x 1 map, concatenated with the image as a "
        "second channel.",
        "Then build the networks of Exercise 7 on top: keras.Model([z_in, label_in], image) "
        "and keras.Model([x_in, label_in], logit), and pass labels=y_digits.reshape(-1, 1) "
        "to train_gan with the settings of Exercise 7.",
    ],
    wrong_answers=[
        Wrong(lab06_digits.Q8_SHUFFLED, "That is chance"),
        Wrong(_flat_pixels_of_q7, "two inputs, [noise, label]"),
    ],
    right_answers=[Right(_conditional_as_one_hot, "a one-hot label input")],
)


# ---- the targets' margins ----------------------------------------------------------------

#: Every target of q4, q6, q7 and q8, and the numbers around it, measured on a CPU on
#: TensorFlow and on JAX (2026-12-07). On each backend the target lies beyond the
#: reference's worst and the baseline's best by at least twice that series' seed-to-seed
#: spread (max - min): tests/test_lab06.py checks these numbers. q4's baseline is
#: Q4_LINEAR (a generator without a hidden layer, which stalls near a mean of 1.3); no
#: baseline is meant to fail q4's spread target alone (it shuts out a collapsed
#: generator), nor the logit-range target (it shuts out a constant discriminator, whose
#: range is 0). q7's baseline is its networks untrained (one class, blurred noise); q8's
#: is its reference trained on shuffled labels.
MARGINS = [
    Margin("q4", "|mean - 4|", MEAN_TOL, False, Q4_SOLUTION, Q4_LINEAR, {
        "tensorflow": ((0.024, 0.030, 0.003), (2.695, 2.710, 2.637)),
        "jax": ((0.097, 0.015, 0.034), (2.683, 2.638, 2.652))}),
    Margin("q4", "|std - 1.25|", STD_TOL, False, Q4_SOLUTION, None, {
        "tensorflow": ((0.230, 0.198, 0.166), ()),
        "jax": ((0.083, 0.165, 0.095), ())}),
    Margin("q4", "|d_loss - 2 ln 2|", LOSS_TOL, False, Q4_SOLUTION, Q4_LINEAR, {
        "tensorflow": ((0.000, 0.001, 0.000), (0.871, 0.824, 0.815)),
        "jax": ((0.000, 0.000, 0.002), (0.826, 0.789, 0.839))}),
    Margin("q4", "|g_loss - ln 2|", LOSS_TOL, False, Q4_SOLUTION, Q4_LINEAR, {
        "tensorflow": ((0.002, 0.001, 0.001), (1.902, 1.832, 1.760)),
        "jax": ((0.012, 0.001, 0.003), (1.831, 1.777, 1.801))}),
    # the logit range varies by a factor of 10 from seed to seed: its margin is on a log scale
    Margin("q4", "log10 of D's logit range over [-6, 14]", math.log10(D_RANGE_MIN), True,
           Q4_SOLUTION, None, {
               "tensorflow": ((-0.119, 0.057, 0.179), ()),
               "jax": ((-0.046, -0.420, 0.697), ())}),
    Margin("q6", "modes covered (worst seed)", DESIGN_MODES, True, make_ring_gan,
           baseline_ring_gan, {
               "tensorflow": ((8, 8, 8), (1, 0, 0)),
               "jax": ((8, 8, 8), (0, 0, 0))}),
    Margin("q6", "high-quality fraction", DESIGN_QUALITY, True, make_ring_gan,
           baseline_ring_gan, {
               "tensorflow": ((0.918, 0.917, 0.928), (0.029, 0.0215, 0.018)),
               "jax": ((0.888, 0.797, 0.927), (0.019, 0.0255, 0.0205))}),
    Margin("q7", "classifier's mean confidence", DCGAN_CONFIDENCE, True,
           lab06_digits.Q7_SOLUTION, lab06_digits.Q7_UNTRAINED, {
               "tensorflow": ((0.554, 0.520, 0.533), (0.212, 0.239, 0.221)),
               "jax": ((0.525, 0.531, 0.536), (0.244, 0.232, 0.235))}),
    Margin("q7", "classes with >= 4 % of the samples", DCGAN_CLASSES, True,
           lab06_digits.Q7_SOLUTION, lab06_digits.Q7_UNTRAINED, {
               "tensorflow": ((8, 9, 9), (1, 1, 1)),
               "jax": ((9, 9, 9), (1, 1, 1))}),
    Margin("q8", "share read as the class requested", CGAN_ACCURACY, True,
           lab06_digits.Q8_SOLUTION, lab06_digits.Q8_SHUFFLED, {
               "tensorflow": ((0.921, 0.916, 0.834), (0.097, 0.106, 0.102)),
               "jax": ((0.913, 0.952, 0.908), (0.104, 0.103, 0.107))}),
]

EXERCISES = [q1, q2, q3, q4, q5, q6, q7, q8]
