"""Shared test set-up: the repository root on sys.path, the Keras backend, the markers."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dlbook._setup import configured_backend  # noqa: E402

# Tests that import keras without dlbook.setup() get the backend the book is
# configured for (DLBOOK_BACKEND), e.g. JAX where TensorFlow is not installed.
os.environ["KERAS_BACKEND"] = configured_backend()
