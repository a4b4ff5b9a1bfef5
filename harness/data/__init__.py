"""Offline data: tokenizers selected by name, the converted SmolLM2 model, and the corpora real-data tasks read."""
