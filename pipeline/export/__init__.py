"""Assemble look-alike glyph datasets and export them as Hugging Face parquet datasets.

``python -m pipeline.export`` runs the stage; ``python -m pipeline.export.stats`` prints counts.
"""
