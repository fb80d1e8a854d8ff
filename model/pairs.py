"""Sample image pairs for Siamese training: positives within a class, random or hard negatives.

A hard negative is an image of another class in the same look-alike group (未/末, O/0/Q), which
is exactly the confusion the Siamese terms must learn to separate.
"""

from __future__ import annotations

from collections import Counter

import numpy as np


class PairSampler:
    """Draw one pair ``(anchor, partner)`` per training image and epoch.

    ``positive_fraction`` of the pairs share the anchor's class. Of the negatives,
    ``hard_negative_ratio`` come from the anchor's group where the group has another class with
    training images, the rest from any other class. An anchor alone in its class is paired with
    itself, so augmentation supplies the two views of that positive pair.
    """

    def __init__(
        self,
        labels: np.ndarray,
        class_to_group: np.ndarray,
        positive_fraction: float = 0.5,
        hard_negative_ratio: float = 0.5,
    ) -> None:
        for name, value in (
            ("positive_fraction", positive_fraction),
            ("hard_negative_ratio", hard_negative_ratio),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        self.labels = np.asarray(labels, dtype=np.int64)
        self.groups = np.asarray(class_to_group, dtype=np.int64)[self.labels]
        self.positive_fraction = positive_fraction
        self.hard_negative_ratio = hard_negative_ratio
        self.by_class = {c: np.flatnonzero(self.labels == c) for c in np.unique(self.labels)}
        self.counts: Counter[str] = Counter()

    def sample(self, anchors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Return ``[len(anchors), 2]`` index pairs into ``labels``."""
        partners = np.empty(len(anchors), dtype=np.int64)
        for i, anchor in enumerate(anchors):
            if rng.random() < self.positive_fraction:
                partners[i] = self.positive_for(anchor, rng)
            else:
                partners[i] = self.negative_for(anchor, rng)
        return np.stack([np.asarray(anchors, dtype=np.int64), partners], axis=1)

    def positive_for(self, anchor: int, rng: np.random.Generator) -> int:
        members = self.by_class[self.labels[anchor]]
        others = members[members != anchor]
        self.counts["positive"] += 1
        if len(others) == 0:
            self.counts["positive_self"] += 1
            return int(anchor)
        return int(rng.choice(others))

    def negative_for(self, anchor: int, rng: np.random.Generator) -> int:
        different = self.labels != self.labels[anchor]
        if rng.random() < self.hard_negative_ratio:
            hard = np.flatnonzero(different & (self.groups == self.groups[anchor]))
            if len(hard):
                self.counts["negative_hard"] += 1
                return int(rng.choice(hard))
            self.counts["negative_hard_unavailable"] += 1
        candidates = np.flatnonzero(different)
        if len(candidates) == 0:
            # Only one class has training images: a positive pair is all that can be formed.
            self.counts["negative_unavailable"] += 1
            return self.positive_for(anchor, rng)
        self.counts["negative_random"] += 1
        return int(rng.choice(candidates))
