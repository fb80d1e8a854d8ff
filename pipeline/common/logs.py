"""Logging and progress-bar set-up shared by the stage entry points."""

from __future__ import annotations

import logging
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

# Set GLYPH_PROGRESS=0 (or TQDM_DISABLE=1) to silence every progress bar, e.g. in CI logs.
PROGRESS_ENV = "GLYPH_PROGRESS"


def setup_logging(level: str | int = "INFO") -> None:
    """Configure the root logger once for a command-line entry point."""
    level = os.environ.get("GLYPH_LOG_LEVEL", level)
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    if not progress_enabled():
        # `datasets` draws its own bars ("Generating train split") unless they are disabled.
        os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
        datasets_logging = sys.modules.get("datasets.utils.logging")
        if datasets_logging is not None:
            datasets_logging.disable_progress_bar()


def progress_enabled() -> bool:
    """Return whether progress bars should be drawn."""
    if os.environ.get("TQDM_DISABLE", "") not in ("", "0"):
        return False
    return os.environ.get(PROGRESS_ENV, "1") not in ("0", "false", "no")


def progress(
    iterable: Iterable[T], desc: str, total: int | None = None, unit: str = "it"
) -> Iterator[T]:
    """Wrap a long loop in a tqdm bar that the environment can switch off."""
    return iter(tqdm(iterable, desc=desc, total=total, unit=unit, disable=not progress_enabled()))


class SkipCounter:
    """Count skipped items by reason, log each one, and log a summary at the end."""

    WARN_PER_REASON = 20

    def __init__(
        self, logger: logging.Logger, what: str = "items", routine: Iterable[str] = ()
    ) -> None:
        self.logger = logger
        self.what = what
        # Reasons that are expected in normal input (a space read by OCR); logged at DEBUG.
        self.routine = frozenset(routine)
        self.counts: Counter[str] = Counter()
        self.notes: Counter[str] = Counter()

    def note(self, reason: str, item: object, detail: str = "") -> None:
        """Record one item that was kept after a correction (a normalised label, a re-decoded file)."""
        self.notes[reason] += 1
        message = f"{item}: {reason}" + (f" ({detail})" if detail else "")
        if self.notes[reason] == 1:
            self.logger.info(message)
        else:
            self.logger.debug(message)

    def skip(self, reason: str, item: object, detail: str = "") -> None:
        """Record one skipped item, logged at WARNING for the first ``WARN_PER_REASON`` of a reason.

        Later skips of the same reason go to DEBUG (set GLYPH_LOG_LEVEL=DEBUG to see them all), so
        a folder of thousands of bad files does not flood the log.
        """
        self.counts[reason] += 1
        message = f"skipped {item}: {reason}" + (f" ({detail})" if detail else "")
        if reason in self.routine:
            self.logger.debug(message)
        elif self.counts[reason] <= self.WARN_PER_REASON:
            self.logger.warning(message)
        elif self.counts[reason] == self.WARN_PER_REASON + 1:
            self.logger.warning(
                "more items skipped as %s; further ones are logged at DEBUG (GLYPH_LOG_LEVEL=DEBUG)",
                reason,
            )
            self.logger.debug(message)
        else:
            self.logger.debug(message)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))

    def log_summary(self) -> None:
        """Log the skip counts per reason (or that nothing was skipped)."""
        if not self.counts:
            self.logger.info("no %s skipped", self.what)
            return
        details = ", ".join(f"{reason}: {n}" for reason, n in sorted(self.counts.items()))
        level = logging.INFO if set(self.counts) <= self.routine else logging.WARNING
        self.logger.log(level, "skipped %d %s (%s)", self.total, self.what, details)
