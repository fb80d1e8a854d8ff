"""The columns of ``data/crops`` shards (see docs/architecture.md)."""

from __future__ import annotations

import pyarrow as pa

CROP_SCHEMA = pa.schema(
    [
        ("crop_id", pa.string()),
        ("image", pa.binary()),
        ("label", pa.string()),
        ("script", pa.string()),
        ("label_source", pa.string()),
        ("ocr_score", pa.float32()),
        ("confidence", pa.float32()),
        ("engines_agree", pa.bool_()),
        ("box", pa.list_(pa.float32())),
        ("source_sha256", pa.string()),
        ("source", pa.string()),
        ("source_type", pa.string()),
        ("uri", pa.string()),
        ("licence", pa.string()),
        ("synthetic", pa.bool_()),
        ("phash", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
    ]
)

# Provenance columns copied unchanged from the crawl row.
PROVENANCE_COLUMNS = ("source", "source_type", "uri", "licence", "synthetic")
