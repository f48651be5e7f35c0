"""Index layer: paragraphs -> vectors (FAISS) + BM25 on disk -> ranked hits."""
