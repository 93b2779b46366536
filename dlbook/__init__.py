"""Helpers shared by the chapters and labs of the dlbook course book.

The first code cell of every notebook calls :func:`setup`. Importing this
package is cheap: TensorFlow and Keras are imported only inside ``setup``,
after the environment variables that keep them deterministic and quiet.
"""

from dlbook._setup import Config, glue, in_colab, setup

__all__ = ["Config", "glue", "in_colab", "quiz", "setup"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """``dlbook.quiz`` (and ``from dlbook import quiz``), imported on first use.

    The module :mod:`dlbook.quiz` is callable: ``quiz("ch2-momentum")``.
    """
    if name == "quiz":
        import importlib

        return importlib.import_module("dlbook.quiz")
    raise AttributeError(f"module 'dlbook' has no attribute {name!r}")
