"""Mining stage: find groups of resembling characters with glyph embeddings and FAISS."""
