"""CCFG-Net and baselines for look-alike glyph recognition: the train, evaluate and predict entries.

Layout: ``backbones`` (timm by name), ``networks/`` (heads and networks), ``losses/`` (one loss per
file), ``methods/`` (network plus training phases per model), ``pairs`` (Siamese pair sampling),
``data`` and ``transforms`` (exported dataset to tensors), ``engine`` (epochs, checkpoints, resume,
model selection), ``metrics`` and ``plots``.
"""
