"""Logistic regression as the two-class case of softmax regression: link functions, fits, networks, reports."""

__version__ = "0.1.0"
