"""dlbook.exercises.renamed: the renaming moves every word of a group, and a model read
back through it answers in the real words."""

import numpy as np

from dlbook.exercises.renamed import read_back, renaming


def test_renaming_moves_every_word_of_each_group_and_no_other():
    r = renaming(8, [[1, 2, 3], range(5, 8)])
    assert sorted(r) == list(range(8))  # a permutation
    assert [r[i] for i in (1, 2, 3)] == [2, 3, 1]
    assert all(r[i] != i for i in (1, 2, 3, 5, 6, 7))
    assert r[0] == 0 and r[4] == 4


def _echo(n_words):
    """[images, tokens] -> one-hot scores of each token (a model that repeats its input)."""
    import keras

    image = keras.Input(shape=(2,))
    tokens = keras.Input(shape=(None,), dtype="int32")
    scores = keras.layers.Lambda(lambda t: keras.ops.one_hot(t, n_words),
                                 output_shape=lambda s: (*s, n_words))(tokens)
    return keras.Model([image, tokens], scores)


def test_a_model_read_back_answers_in_the_real_words():
    # the echo model "trained" on renamed words repeats the renamed index; read back, the
    # real word comes out again, whatever the renaming
    table = renaming(6, [range(1, 6)])
    view = read_back(_echo(6), table, [((2,), "float32", False), ((None,), "int32", True)])
    tokens = np.array([[1, 2, 3, 0], [5, 4, 0, 0]], "int32")
    out = np.asarray(view([np.zeros((2, 2), "float32"), tokens]))
    np.testing.assert_array_equal(out.argmax(-1), tokens)
    # the raw model on the real words answers in the checker's renamed indices
    raw = np.asarray(_echo(6)([np.zeros((2, 2), "float32"), table[tokens]]))
    assert (raw.argmax(-1) != tokens)[tokens > 0].all()
