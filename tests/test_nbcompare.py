"""tests/nbcompare.py: nbval's comparison, for notebooks a test has run already."""

from nbformat.v4 import new_output

from tests.nbcompare import differences


def stream(text):
    return new_output("stream", name="stdout", text=text)


def test_the_same_outputs_match_and_pieces_of_one_stream_are_joined():
    stored = [stream("x (4000, 1)\nloss ≈1.386 (book range 1.2 to 1.5)\n")]
    assert differences([stream("x (4000, 1)\n"), stream("loss ≈1.391 (book range 1.2 to 1.5)\n")],
                       stored) == ""


def test_a_changed_digit_a_missing_output_and_another_figure_are_reported():
    stored = [stream("x (4000, 1)\n")]
    assert "x (4001, 1)" in differences([stream("x (4001, 1)\n")], stored)
    assert "Missing output fields" in differences([], stored)
    figure = new_output("display_data", data={"text/plain": "<Figure size 900x360 with 2 Axes>",
                                               "image/png": "AAAA"})
    other = new_output("display_data", data={"text/plain": "<Figure size 900x360 with 1 Axes>",
                                              "image/png": "BBBB"})
    assert "1 Axes" in differences([other], [figure])
    same_text = new_output("display_data", data={"text/plain": figure.data["text/plain"],
                                                  "image/png": "BBBB"})
    assert differences([same_text], [figure]) == ""  # pixels are not compared, as in nbval


def test_keras_timings_are_masked_by_the_sanitize_file():
    assert differences([stream("32/32 - 0s - 3ms/step\n")], [stream("32/32 - 1s - 12ms/step\n")]) == ""
