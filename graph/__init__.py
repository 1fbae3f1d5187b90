"""trialgraph: a knowledge graph of clinical trials, drugs, targets, conditions and sponsors.

The package is imported as ``graph``; the distribution and the command are ``trialgraph``.
Data flows one way: sources -> readers -> records -> quads -> store -> reports / export / network.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
