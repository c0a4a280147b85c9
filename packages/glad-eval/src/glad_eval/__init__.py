"""Cross-architecture evaluation of distilled datasets (GLaD protocol).

Submodules: ``models`` (architecture zoo by name), ``augment`` (DSA), ``data`` (datasets by name),
``artifacts`` (the distilled-set format: write, read, PNG ImageFolder export), ``protocol`` (training/testing
the zoo, the result table), ``cli`` (``glad-eval``). The foundation glad-distill builds on: ``images``
(generator output <-> [0, 1] <-> classifier input), ``seeding``, ``distributed`` (the torchrun process group),
``fileio`` (atomic writes), ``errors``.
"""

__version__ = "0.1.0"
