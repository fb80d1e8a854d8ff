"""Crop stage: character boxes in crawl photos (from annotations or OCR) to single-glyph crops.

Modules, in the order a row passes through them:

- ``stage``: reads ``data/crawl`` sorted by sha256, spreads rows over worker processes, writes
  ``data/crops`` shards and ``metrics/crop.json`` (``tally`` keeps the counts).
- ``worker``: one crawl row to crop rows. Glyph rows pass through whole; photos get their
  boxes from ``annotations`` or from the OCR engine (``ocr``, cached per image by ``cache``).
- ``engines``: the OCR backends (RapidOCR, EasyOCR) behind ``OcrEngine.detect_characters``.
- ``annotations`` and ``candidates``: labelled boxes, word and line splitting, engine agreement.
- ``geometry``, ``crops``, ``quality``, ``labels``, ``dedup``: box maths, rectified crops,
  quality filters, label checks and confidence, and near-duplicate detection by pHash.
"""
