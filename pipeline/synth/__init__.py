"""Synthetic glyphs: installed fonts drawn onto real background photos, with camera distortions."""

from pipeline.synth.render import SynthGlyph, render_glyphs

__all__ = ["SynthGlyph", "render_glyphs"]
