"""Cross-architecture evaluation of distilled datasets (GLaD protocol).

Submodules: ``models`` (architecture zoo by name), ``augment`` (DSA), ``data`` (datasets by name),
``artifacts`` (the distilled-set format), ``protocol`` (training/testing the zoo, the result table), ``cli``
(``glad-eval``).
"""

__version__ = "0.1.0"
