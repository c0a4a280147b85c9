"""The self-contained HTML report of one or more runs (`glad report`): identity, loss, accuracy, final table
with the random-real baseline, image grid, evolution strip, saturation curve, nearest real images."""

from .build import ReportOptions, build_report
from .html import SECTIONS
from .neighbours import Neighbours, nearest_real
from .rundata import RunData, load_run

__all__ = ["SECTIONS", "Neighbours", "ReportOptions", "RunData", "build_report", "load_run", "nearest_real"]
