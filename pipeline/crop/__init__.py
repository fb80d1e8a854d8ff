"""Crop stage: OCR or annotation character boxes in crawl photos -> single-glyph crops."""
