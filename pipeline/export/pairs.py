"""Sample anchor/other crop pairs within look-alike groups for Siamese and contrastive training."""

from __future__ import annotations

import numpy as np
import pandas as pd


def sample_pairs(rows: pd.DataFrame, pairs_per_anchor: int, seed: int) -> pd.DataFrame:
    """Return same-label and different-label pairs drawn inside each split and group.

    For every anchor crop, ``pairs_per_anchor`` positives (another crop of its class) and as
    many negatives (a crop of another class in its group) are drawn. Both crops of a pair come
    from the same split, so pairs never leak across splits. The draw depends only on the rows
    and the seed, because anchors are visited in crop-id order.
    """
    rng = np.random.default_rng(seed)
    pairs = []
    rows = rows.sort_values(["split", "group", "crop_id"], kind="stable")
    for (split, group), members in rows.groupby(["split", "group"], sort=True):
        crop_ids = members["crop_id"].to_numpy()
        labels = members["label"].to_numpy()
        for anchor in range(len(members)):
            same = np.flatnonzero((labels == labels[anchor]) & (np.arange(len(labels)) != anchor))
            different = np.flatnonzero(labels != labels[anchor])
            for candidates, is_same in ((same, True), (different, False)):
                if len(candidates) == 0:
                    continue
                chosen = rng.choice(
                    candidates, size=min(pairs_per_anchor, len(candidates)), replace=False
                )
                for other in sorted(chosen):
                    pairs.append(
                        {
                            "split": split,
                            "anchor_crop_id": crop_ids[anchor],
                            "other_crop_id": crop_ids[other],
                            "anchor_label": labels[anchor],
                            "other_label": labels[other],
                            "group": group,
                            "same": is_same,
                        }
                    )
    return pd.DataFrame(
        pairs,
        columns=[
            "split",
            "anchor_crop_id",
            "other_crop_id",
            "anchor_label",
            "other_label",
            "group",
            "same",
        ],
    )
