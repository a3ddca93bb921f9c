"""Redaction: policy, recognizers, analyzers and the engine that applies them."""
