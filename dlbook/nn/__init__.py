"""Tiny NumPy neural networks, one module per topic, written to be read.

The chapters derive each function before using it, and the labs import them
so that students can check their own versions against the same code. Each
module's docstring names the chapter section that derives it:

* :mod:`dlbook.nn.activations`: activation functions and their derivatives
  (Unit 1);
* :mod:`dlbook.nn.perceptron`: the perceptron learning rule (Unit 1);
* :mod:`dlbook.nn.mlp`: forward pass, backpropagation and one SGD step of a
  two-layer sigmoid network (Unit 1);
* :mod:`dlbook.nn.optim`: gradient descent, momentum, Nesterov, AdaGrad,
  RMSprop and Adam update rules, one step at a time (Unit 2);
* :mod:`dlbook.nn.training`: a deep network's forward and backward pass,
  initialisation, clipping, dropout and batch normalisation (Unit 2);
* :mod:`dlbook.nn.conv`: padding arithmetic, 2-D convolution and pooling as
  Keras computes them (Unit 3);
* :mod:`dlbook.nn.rnn`: one time step of SimpleRNN, LSTM and GRU cells with
  Keras's weight layout (Unit 4);
* :mod:`dlbook.nn.attention`: dot-product and additive attention as
  ``keras.layers.Attention`` and ``AdditiveAttention`` compute them (Unit 4);
* :mod:`dlbook.nn.autoencoders`: the linear autoencoder and PCA, PSNR and
  SSIM, sparsity and contractive penalties, noise, and the VAE's Gaussian KL
  and reparameterisation (Unit 5);
* :mod:`dlbook.nn.rbm`: a restricted Boltzmann machine trained by
  contrastive divergence, CD-1 (Unit 5);
* :mod:`dlbook.nn.gans`: the GAN's value function, the optimal discriminator,
  the Jensen-Shannon divergence, the saturating and non-saturating losses
  with their gradients, and a small GAN trained by hand (Unit 6);
* :mod:`dlbook.nn.apps`: greedy and beam-search decoding, detections matched
  to true boxes and average precision, and a Keras model's layer table
  (Unit 7; IoU and NMS are :mod:`dlbook.apps.vision`'s).

Later units add their own modules (``optim``, ``conv``, ``rnn``...) and
nothing else: every module of this package is imported here and its
``__all__`` re-exported, so ``from dlbook import nn; nn.sigmoid`` works for
every topic. Two modules may not export the same name.

Conventions (the same as Keras):

* inputs are row vectors and a layer computes ``z = x @ W + b``;
* ``W[i, j]`` is the weight *from* unit ``i`` of the previous layer *to*
  unit ``j`` of this layer, so ``W`` has shape ``(n_in, n_out)``, like the
  kernel of ``keras.layers.Dense``;
* the loss of the backprop examples is ``E = 1/2 * sum((t - o)**2)``.
"""

from __future__ import annotations

import importlib
import pkgutil

_MODULES = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))

__all__: list[str] = []
for _name in _MODULES:
    _module = importlib.import_module(f"{__name__}.{_name}")
    for _public in _module.__all__:
        if _public in globals():
            raise ImportError(f"dlbook.nn.{_name}.{_public} clashes with another module's name")
        globals()[_public] = getattr(_module, _public)
    __all__ += _module.__all__
del _name, _module, _public
