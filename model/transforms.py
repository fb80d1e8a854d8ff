"""Augmentation and normalisation of uint8 glyph batches.

No flips: mirroring turns some glyphs into other glyphs or into no glyph at all (b/d, 己/巳 strokes).
"""

from __future__ import annotations

import torch
from torchvision.transforms import v2

MEAN = (0.5, 0.5, 0.5)
STD = (0.5, 0.5, 0.5)


def build_augment(strength: float = 1.0, invert_probability: float = 0.0) -> v2.Compose:
    """Return a per-image augmentation for ``[3, S, S]`` uint8 tensors (geometry, light, colour).

    ``invert_probability`` swaps ink and paper, since signs print light text on dark as often as
    dark text on light.
    """
    return v2.Compose(
        [
            v2.RandomAffine(
                degrees=8 * strength,
                translate=(0.08 * strength, 0.08 * strength),
                scale=(1 - 0.1 * strength, 1 + 0.1 * strength),
                shear=5 * strength,
            ),
            v2.ColorJitter(
                brightness=0.3 * strength, contrast=0.3 * strength, saturation=0.3 * strength
            ),
            v2.RandomGrayscale(p=0.2),
            v2.RandomInvert(p=invert_probability),
        ]
    )


def augment_batch(images: torch.Tensor, augment: v2.Compose) -> torch.Tensor:
    """Augment each image of a uint8 batch independently (draws from torch's global generator)."""
    return torch.stack([augment(image) for image in images])


def normalize(images: torch.Tensor) -> torch.Tensor:
    """Convert a uint8 batch ``[B, 3, S, S]`` to normalised float32."""
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (images.float() / 255.0 - mean) / std
