"""A small CNN glyph encoder trained on the project's font renderings with a metric-learning loss."""

from __future__ import annotations

import logging

import numpy as np
import torch
from pytorch_metric_learning import losses
from torch import nn
from torchvision.transforms import v2

from pipeline.common.logs import progress

logger = logging.getLogger(__name__)


class GlyphEncoder(nn.Module):
    """Four conv blocks and global average pooling, then a linear projection to the embedding.

    ``input_size`` is the side the glyph images are resized to before the first conv. A 32 px
    input needs about a quarter of the convolution work of a 64 px one.
    """

    def __init__(self, embedding_size: int = 128, width: int = 32, input_size: int = 32) -> None:
        super().__init__()
        self.input_size = input_size
        blocks, channels = [], 1
        for out_channels in (width, width * 2, width * 4, width * 4):
            blocks += [
                nn.Conv2d(channels, out_channels, 3, padding=1, bias=False),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            channels = out_channels
        self.features = nn.Sequential(*blocks)
        self.num_features = channels
        self.head = nn.Linear(channels, embedding_size)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.forward_features(x))


def _distortions() -> v2.Compose:
    # Light distortions only: the encoder must keep the one-stroke differences it is meant to find.
    return v2.Compose(
        [
            v2.RandomAffine(degrees=4, translate=(0.04, 0.04), scale=(0.92, 1.05), shear=3),
            v2.RandomApply([v2.GaussianBlur(3, sigma=(0.1, 1.0))], p=0.3),
        ]
    )


def _to_tensor(images: list[np.ndarray], size: int) -> torch.Tensor:
    x = torch.from_numpy(np.stack(images)).float().div(255.0).unsqueeze(1)
    if x.shape[-1] != size:
        x = nn.functional.interpolate(x, size=(size, size), mode="area")
    return x


def train_encoder(
    renderings: dict[str, list[np.ndarray]],
    embedding_size: int = 128,
    epochs: int = 2,
    batch_size: int = 256,
    learning_rate: float = 1e-3,
    temperature: float = 0.05,
    seed: int = 0,
    input_size: int = 32,
) -> GlyphEncoder:
    """Train the encoder to tell characters apart across fonts with a normalized-softmax loss.

    Each character is a class and each font rendering one sample. pytorch-metric-learning's
    NormalizedSoftmaxLoss learns one proxy per class, so a batch needs no positive pairs, which
    suits 4-6 fonts per class.
    """
    torch.manual_seed(seed)
    chars = list(renderings)
    images = [image for char in chars for image in renderings[char]]
    labels = torch.tensor([c for c, char in enumerate(chars) for _ in renderings[char]])
    x = _to_tensor(images, input_size)
    model = GlyphEncoder(embedding_size, input_size=input_size)
    loss_fn = losses.NormalizedSoftmaxLoss(len(chars), embedding_size, temperature=temperature)
    optimizer = torch.optim.Adam(
        list(model.parameters()) + list(loss_fn.parameters()), lr=learning_rate
    )
    distort = _distortions()
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        total = 0.0
        for start in progress(range(0, len(x), batch_size), desc=f"encoder epoch {epoch + 1}"):
            batch = order[start : start + batch_size]
            loss = loss_fn(model(distort(x[batch])), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        logger.info("encoder epoch %d/%d: loss %.4f", epoch + 1, epochs, total / len(x))
    return model.eval()


@torch.no_grad()
def encode(model: GlyphEncoder, images: list[np.ndarray], batch_size: int = 512) -> np.ndarray:
    """Return the (n, embedding_size) float32 embeddings of glyph images."""
    x = _to_tensor(images, model.input_size)
    rows = [model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    return torch.cat(rows).numpy().astype(np.float32)
