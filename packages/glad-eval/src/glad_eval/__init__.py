"""Cross-architecture evaluation of distilled datasets: architecture zoo, DSA, datasets, protocol, torchrun sharding."""

__version__ = "0.1.0"
