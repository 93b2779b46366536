"""NumPy reference code and generated data for Unit 7, applications of deep learning.

``dlbook.apps.vision``: boxes and masks (IoU, non-maximum suppression) and the synthetic
images, captions, canvases and clips that the chapter's demos and Lab 7a train on
(chapter sections ch7-segmentation to ch7-attention-vision).
``dlbook.apps.text``: the shipped corpora, BLEU and entity F1 (sections ch7-captioning and
ch7-ner to ch7-dialogue; Lab 7b).

Nothing here reads a file outside the package or the network.
"""
