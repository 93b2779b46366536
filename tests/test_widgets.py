"""dlbook.widgets: one demo, live in Jupyter and precomputed for the web book.

The JavaScript that switches frames is tested in the built book, in Chromium
(tests/test_browser.py); here: the value grids, the frames, the HTML and its
data, and the messages an author gets for a demo the web book cannot show.
"""

from __future__ import annotations

import json
import re

import ipywidgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dlbook import widgets  # noqa: E402
from dlbook.widgets import DemoError, demo, render_frame, web_html  # noqa: E402


def control(name, abbrev, web=None):
    made, _ = widgets._widgets({name: abbrev})
    return widgets._control(name, made[name], web)


def payload(page: str) -> dict:
    data = re.search(r'<script type="application/json" class="dlbook-demo-data">(.*?)</script>',
                     page, re.S).group(1)
    return json.loads(data.replace("<\\/", "</"))


def printer(a=1, b="x"):
    print(f"a is {a}, b is {b}")


def drawer(a=1.0):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, a])
    ax.set(title=f"slope {a}", xlabel="x", ylabel="y")
    plt.show()


# ---- value grids ---------------------------------------------------------------------

def test_a_long_slider_gets_evenly_spaced_values_that_include_its_start():
    c = control("a", ipywidgets.FloatSlider(value=1.0, min=0.1, max=10.0, step=0.1))
    assert 2 <= len(c.values) <= widgets.MAX_VALUES
    assert c.values[c.start] == 1.0 and c.labels[c.start] == "1.00"
    gaps = {round(b - a, 6) for a, b in zip(c.values, c.values[1:])}
    assert len(gaps) == 1, c.values
    assert min(c.values) >= 0.1 and max(c.values) <= 10.0


def test_a_short_int_slider_keeps_every_value():
    c = control("n", ipywidgets.IntSlider(value=5, min=3, max=12))
    assert c.values == list(range(3, 13)) and c.values[c.start] == 5 and c.kind == "range"


def test_options_checkboxes_and_web_values():
    c = control("act", ["sigmoid", "relu", "tanh"])
    assert c.kind == "select" and c.values == ["sigmoid", "relu", "tanh"] and c.start == 0
    assert control("act", ["sigmoid", "relu", "tanh"], web=["tanh", "relu"]).values == ["tanh", "relu"]
    assert control("on", ipywidgets.Checkbox(value=True)).values == [False, True]
    c = control("x", ipywidgets.FloatSlider(value=0.3, min=0, max=1, step=0.1), web=[0.0, 0.5])
    assert c.values == [0.0, 0.5] and c.values[c.start] == 0.5  # the nearest to 0.3


@pytest.mark.parametrize("abbrev, web, message", [
    (["a", "b"], ["c"], "must be options"),
    (ipywidgets.IntSlider(value=1, min=0, max=3), [], "at least one value"),
    (ipywidgets.Text(value="hi"), None, "has no values the web book can list"),
])
def test_controls_the_web_book_cannot_list_are_explained(abbrev, web, message):
    with pytest.raises(DemoError, match=message):
        control("c", abbrev, web)


# ---- frames --------------------------------------------------------------------------

def test_a_frame_keeps_printed_text_escaped():
    assert render_frame(printer, {"a": 2, "b": "<i>"}, None) == "<pre>a is 2, b is &lt;i&gt;\n</pre>"


def test_a_frame_keeps_each_figure_as_an_image_with_alt_text():
    frame = render_frame(drawer, {"a": 0.5}, "A line")
    assert frame.startswith('<img alt="A line (a = 0.5)" src="data:image/png;base64,')
    assert not plt.get_fignums(), "the demo's figures must be closed"
    assert plt.show is not None and plt.show.__module__ == "matplotlib.pyplot"


def test_a_frame_shows_only_the_figures_the_demo_drew():
    other = plt.figure()  # left open by someone else (another test, an earlier cell)
    try:
        assert render_frame(printer, {"a": 2, "b": "x"}, None) == "<pre>a is 2, b is x\n</pre>"
        frame = render_frame(drawer, {"a": 0.5}, "A line")
        assert frame.count("<img") == 1 and plt.get_fignums() == [other.number]
    finally:
        plt.close(other)


def test_a_figure_without_alt_text_is_refused():
    with pytest.raises(DemoError, match="alt="):
        render_frame(drawer, {"a": 1.0}, None)
    assert not plt.get_fignums()


def test_a_demo_that_fails_names_the_values_that_broke_it():
    def broken(a=1):
        raise ZeroDivisionError("division by zero")

    with pytest.raises(DemoError, match=r"broken\(a = 0\) raised ZeroDivisionError"):
        render_frame(broken, {"a": 0}, None)
    assert plt.show.__module__ == "matplotlib.pyplot", "plt.show must be restored after an error"


# ---- the web version ---------------------------------------------------------------------

def test_each_frame_says_its_settings_as_the_controls_label_them():
    def drawn(second_write=1.0, gate="in"):
        plt.figure()
        plt.plot([0, second_write])
    a = control("second_write", ipywidgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=1.0,
                                                        description="second write"))
    b = control("gate", ipywidgets.Dropdown(options=[("input gate", "in"), ("forget gate", "f")]))
    data = payload(web_html(drawn, [a, b], {}, "A line"))
    alts = [re.search(r'alt="([^"]*)"', frame).group(1) for frame in data["frames"]]
    assert "A line (second write = 2.00, gate = forget gate)" in alts
    assert not any("second_write" in alt or "= f)" in alt for alt in alts)


def test_every_combination_has_a_frame_and_equal_frames_are_stored_once():
    a = control("a", ipywidgets.IntSlider(value=2, min=1, max=3))
    b = control("b", ["x", "y"])
    page = web_html(printer, [a, b], {}, None)
    data = payload(page)
    assert data["sizes"] == [3, 2] and len(data["index"]) == 6
    assert data["frames"][data["index"][2 * 1 + 1]] == "<pre>a is 2, b is y\n</pre>"
    start = int(re.search(r'data-frame="(\d+)"', page).group(1))
    assert start == 1 * 2 + 0  # a = 2, b = "x"
    assert "a is 2, b is x" in page.split('class="dlbook-demo-frame">')[1].split("</div>")[0]

    def only_a(a=1, b="x"):
        print(a)

    data = payload(web_html(only_a, [a, b], {}, None))
    assert len(data["frames"]) == 3 and data["index"] == [0, 0, 1, 1, 2, 2]


def test_a_control_with_one_web_value_is_fixed_and_the_demo_says_so():
    a = control("a", ipywidgets.IntSlider(value=2, min=1, max=3, description="alpha"), web=[3])
    b = control("b", ["x", "y"])
    page = web_html(printer, [a, b], {}, None)
    assert payload(page)["sizes"] == [2]
    assert "alpha <output>3</output> <span" in page and "alpha is fixed here" in page
    assert "a is 3, b is y" in json.dumps(payload(page)["frames"])


def test_the_demo_says_whether_the_web_book_has_every_value_and_offers_colab_if_not():
    every = [control("a", ipywidgets.IntSlider(value=2, min=1, max=3)), control("b", ["x", "y"])]
    page = web_html(printer, every, {}, None, note="A note <b>.")
    assert "All 6 combinations" in page and 'class="dlbook-demo-colab"' not in page
    assert "A note &lt;b&gt;." in page
    some = [control("a", ipywidgets.FloatSlider(value=1.0, min=0.1, max=10.0, step=0.1))]
    page = web_html(printer, some, {}, None)
    assert f"{len(some[0].values)} combinations" in page and "any other value" in page
    assert 'class="dlbook-demo-colab"' in page
    assert "starting values (a = 1.00)" in page


def test_too_many_frames_are_refused_with_the_way_out():
    big = [control(n, ipywidgets.IntSlider(value=0, min=0, max=20)) for n in "ab"]
    with pytest.raises(DemoError, match=r"441 frames \(a: 21 x b: 21\).*web=\{name: \[values\]\}"):
        web_html(printer, big, {}, None)


def test_script_end_tags_in_frames_cannot_close_the_data_block():
    def sneaky(a=1):
        print("</script><script>alert(1)</script>")

    page = web_html(sneaky, [control("a", ipywidgets.IntSlider(value=1, min=1, max=2))], {}, None)
    block = page.split('class="dlbook-demo-data">')[1]
    assert block.index("</script>") > block.index("&lt;/script&gt;")
    assert payload(page)["frames"][0].startswith("<pre>&lt;/script&gt;")


# ---- demo(): one call, two views ---------------------------------------------------------

@pytest.fixture
def shown(monkeypatch):
    out = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: out.append(obj))
    return out


def test_demo_shows_the_live_widget_and_the_web_version_only_for_the_book(shown, monkeypatch):
    monkeypatch.delenv(widgets.ENV, raising=False)
    demo(printer, a=ipywidgets.IntSlider(value=1, min=1, max=2), b=ipywidgets.fixed("z"))
    assert set(shown[-1]) == {"text/plain", "application/vnd.jupyter.widget-view+json"}
    monkeypatch.setenv(widgets.ENV, "1")
    demo(printer, a=ipywidgets.IntSlider(value=1, min=1, max=2), b=ipywidgets.fixed("z"))
    bundle = shown[-1]
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert payload(bundle["text/html"])["frames"] == ["<pre>a is 1, b is z\n</pre>",
                                                     "<pre>a is 2, b is z\n</pre>"]


def test_demo_refuses_web_values_for_a_control_it_does_not_have(shown):
    with pytest.raises(DemoError, match=r"web names \['c'\]"):
        demo(printer, a=ipywidgets.IntSlider(value=1, min=1, max=2), web={"c": [1]})
