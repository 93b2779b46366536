"""dlbook.diagrams: the architecture figures of the chapters.

Each diagram has a title and labels, draws inside its figure (no label cut
off at an edge), states only numbers it computed from its arguments (a
convolution's output shape and parameter count agree with Keras), and says
clearly when it is asked for something it cannot draw.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dlbook import diagrams  # noqa: E402
from dlbook.nn import conv_output_size  # noqa: E402

DIAGRAMS = {
    "unrolled_rnn": lambda: diagrams.unrolled_rnn(steps=3),
    "lstm_cell": diagrams.lstm_cell,
    "gru_cell": diagrams.gru_cell,
    "encoder_decoder": diagrams.encoder_decoder,
    "encoder_decoder_attention": lambda: diagrams.encoder_decoder(
        weights=[0.1, 0.1, 0.2, 0.6], step=3),
    "conv_layer_shapes": diagrams.conv_layer_shapes,
    "residual_block": diagrams.residual_block,
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize("name", DIAGRAMS)
def test_a_diagram_has_a_title_and_labels_and_nothing_is_cut_off(name):
    fig = DIAGRAMS[name]()
    (ax,) = fig.axes
    assert len(ax.get_title()) > 15, "every figure has a title"
    assert len(texts(fig)) >= 5, "the boxes and arrows are labelled"
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    for artist in [ax.title, *ax.texts]:
        box = artist.get_window_extent(renderer)
        assert (box.x0 >= frame.x0 - 1 and box.x1 <= frame.x1 + 1
                and box.y0 >= frame.y0 - 1 and box.y1 <= frame.y1 + 1), (
            f"{name}: {artist.get_text()!r} is drawn outside the figure")
    fig.canvas.draw()  # every label is valid mathtext


def test_the_cells_name_every_gate_and_state():
    lstm = " ".join(texts(diagrams.lstm_cell()))
    for symbol in ("$c_{t-1}$", "$h_{t-1}$", "$x_t$", "forget $f_t$", "input $i_t$",
                   "output $o_t$", r"candidate $\tilde c_t$", "$c_t$"):
        assert symbol in lstm, symbol
    gru = " ".join(texts(diagrams.gru_cell()))
    for symbol in ("reset $r_t$", "update $z_t$", r"candidate $\tilde h_t$", "1−"):
        assert symbol in gru, symbol


def test_the_unrolled_rnn_has_one_state_per_step():
    labels = texts(diagrams.unrolled_rnn(steps=4))
    assert [f"$h_{t}$" in labels for t in range(5)] == [True] * 5
    assert "$h_5$" not in labels


@pytest.mark.parametrize("n, channels, f, filters, stride, padding", [
    (32, 3, 3, 12, 1, 0), (28, 1, 5, 6, 1, 0), (224, 3, 11, 96, 4, 2), (8, 16, 3, 4, 2, 1)])
def test_the_convolution_states_the_shape_and_parameters_keras_gives(
        n, channels, f, filters, stride, padding):
    import keras

    fig = diagrams.conv_layer_shapes(n, channels, f, filters, stride, padding)
    layer = keras.layers.Conv2D(filters, f, strides=stride)
    layer.build((None, n + 2 * padding, n + 2 * padding, channels))
    out = conv_output_size(n, f, stride, padding)
    words = " ".join(texts(fig)) + fig.axes[0].get_title()
    assert f"{out}×{out}×{filters}" in words
    assert f"= {layer.count_params():,}" in words


def test_attention_weights_are_drawn_as_given():
    labels = texts(diagrams.encoder_decoder(weights=[0.25, 0.25, 0.5], source=("a", "b", "c"),
                                            target=("x", "y"), step=2))
    assert [lab for lab in labels if lab.startswith(r"$\alpha")] == [
        r"$\alpha_{21} = 0.25$", r"$\alpha_{22} = 0.25$", r"$\alpha_{23} = 0.50$"]
    assert "$c_2$" in labels
    assert not any("alpha" in lab for lab in texts(diagrams.encoder_decoder()))


@pytest.mark.parametrize("call, message", [
    (lambda: diagrams.unrolled_rnn(steps=0), "between 1 and 6 steps"),
    (lambda: diagrams.encoder_decoder(weights=[0.5, 0.5]), "4 non-negative numbers that sum to 1"),
    (lambda: diagrams.encoder_decoder(weights=[0.2, 0.2, 0.2, 0.2]), "sum to 1"),
    (lambda: diagrams.encoder_decoder(weights=[0.25] * 4, step=5), "steps 1 to 4"),
    (lambda: diagrams.conv_layer_shapes(n=3, f=5), "no convolution of an 3×3×3 input"),
    (lambda: diagrams.residual_block(layers=()), "at least one layer"),
])
def test_what_cannot_be_drawn_is_explained(call, message):
    with pytest.raises(diagrams.DiagramError, match=message):
        call()


def test_the_encoder_decoder_stops_at_end_and_names_the_lstm_context():
    labels = texts(diagrams.encoder_decoder())
    assert "<end>" in labels and "$s_5$" in labels
    assert "($h_4$, $c_4$) for an LSTM" in labels
    with_attention = texts(diagrams.encoder_decoder(weights=[0.1, 0.1, 0.2, 0.6], step=3))
    assert "<end>" not in with_attention
    assert "query $s_2$" in with_attention  # Bahdanau: step i asks with s_(i-1)
