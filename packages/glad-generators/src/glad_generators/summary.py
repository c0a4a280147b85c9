"""Human-readable description of a generator: its layer table, the split shapes F_n and parameter counts."""

from __future__ import annotations

from .nn import StyleGANXL

COLUMNS = ("n", "name", "Cin->Cout", "size", "sr (tmp)", "up/down", "taps", "padding", "fp16", "F_n [C,H,W]")


def _fmt(value: float) -> str:
    return f"{value:g}"


def layer_rows(generator: StyleGANXL) -> list[tuple[str, ...]]:
    """One row per synthesis layer n (position in layer_names); F_n is the feature map entering layer n."""
    rows = []
    for n, cfg in enumerate(generator.config.layers):
        rows.append(
            (
                str(n),
                cfg.name,
                f"{cfg.in_channels}->{cfg.out_channels}",
                f"{cfg.in_size}->{cfg.out_size}",
                f"{_fmt(cfg.in_sampling_rate)}->{_fmt(cfg.out_sampling_rate)} "
                f"({_fmt(cfg.tmp_sampling_rate)})",
                f"{cfg.up_factor}/{cfg.down_factor}",
                f"{cfg.up_taps}/{cfg.down_taps}",
                "[" + ", ".join(str(p) for p in cfg.padding) + "]",
                "Y" if cfg.use_fp16 else "-",
                str(list(generator.synthesis.feature_shape(n))),
            )
        )
    return rows


def format_summary(generator: StyleGANXL, title: str = "") -> str:
    """A text table of every layer plus the generator's key numbers."""
    rows = [COLUMNS, *layer_rows(generator)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [title] if title else []
    mapping = sum(p.numel() for p in generator.mapping.parameters())
    synthesis = sum(p.numel() for p in generator.synthesis.parameters())
    inp = generator.synthesis.input
    lines += [
        f"resolution {generator.resolution}, img_channels {generator.img_channels}, num_classes "
        f"{generator.num_classes}, z_dim {generator.z_dim}, w_dim {generator.w_dim}",
        f"num_ws {generator.num_ws}, synthesis layers {len(generator.layer_names)} (split n in "
        f"[0, {len(generator.layer_names) - 1}])",
        f"input: {inp.channels} channels, size {inp.size}, sampling rate {_fmt(inp.sampling_rate)}, "
        f"bandwidth {_fmt(inp.bandwidth)}",
        f"parameters: {mapping + synthesis:,} (mapping {mapping:,}, synthesis {synthesis:,})",
        "",
    ]
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)
