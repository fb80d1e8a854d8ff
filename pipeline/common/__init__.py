"""Shared helpers for every pipeline stage: params, logging, progress bars, atomic I/O, images, fonts."""
