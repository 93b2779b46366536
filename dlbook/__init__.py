"""Helpers shared by the chapters and labs of the dlbook course book.

The first code cell of every notebook calls :func:`setup`. Importing this
package is cheap: TensorFlow and Keras are imported only inside ``setup``,
after the environment variables that keep them deterministic and quiet.
"""

from dlbook._setup import Config, glue, in_colab, setup

__all__ = ["Config", "glue", "in_colab", "setup"]
__version__ = "0.1.0"
