"""Synthetic glyph rendering: installed fonts onto real background photos, with camera-like distortions."""

from pipeline.synth.render import SynthGlyph, render_glyphs

__all__ = ["SynthGlyph", "render_glyphs"]
