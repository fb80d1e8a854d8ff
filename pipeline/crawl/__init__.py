"""Crawl stage: gather photos and pre-cropped glyphs from every configured source."""
