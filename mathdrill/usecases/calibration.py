"""Use-cases behind ``mathdrill stats --calibration`` and ``mathdrill fsrs fit``.

Both read the whole review log, grouped by card (``storage.aggregates.answer_log``); the
calibration only reads, the fit stores its parameters in the database's ``meta`` table under
:data:`FSRS_PARAMETERS_KEY` (docs/data.md, "Database"), where the drill's ``--scheduler fsrs``
finds them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import TYPE_CHECKING, Any

from mathdrill.errors import InputError
from mathdrill.scheduling import fsrs_scheduler
from mathdrill.scheduling.calibration import Calibration, calibrate
from mathdrill.scheduling.fsrs_scheduler import LogEntry
from mathdrill.scheduling.queue import SchedulingSettings
from mathdrill.vocabulary import DEFAULT_LEARNER

if TYPE_CHECKING:
    from mathdrill.config import Environment
    from mathdrill.storage import Database

#: The ``meta`` key of the learner's fitted FSRS parameters (a JSON object).
FSRS_PARAMETERS_KEY = "fsrs_parameters"


def _parameters_key(db: Database) -> str:
    """The ``meta`` key of the open learner's fitted parameters (each learner fits their own)."""
    name = db.learner.name
    return FSRS_PARAMETERS_KEY if name == DEFAULT_LEARNER else f"{FSRS_PARAMETERS_KEY}.{name}"


def settings_of(environment: Environment) -> SchedulingSettings:
    """Return the scheduling settings (zone, rollover hour) of an environment."""
    return SchedulingSettings(tz=environment.zone, rollover_hour=environment.rollover_hour)


def card_logs(db: Database) -> list[list[LogEntry]]:
    """Return every card's log, oldest answer first, one list per card."""
    from mathdrill.storage import aggregates

    rows = aggregates.answer_log(db)
    return [
        [LogEntry(at, kind, quality) for _card, at, kind, quality in group]
        for _id, group in groupby(rows, key=lambda row: row[0])
    ]


def fitted_parameters(db: Database) -> tuple[float, ...] | None:
    """Return the learner's fitted FSRS parameters, or None when none were fitted.

    Raises:
        InputError: When the stored value is not a valid parameter set.
    """
    raw = db.setting(_parameters_key(db))
    if raw is None:
        return None
    try:
        value = json.loads(raw)
        return fsrs_scheduler.check_parameters(value["parameters"])
    except (ValueError, TypeError, KeyError, InputError):
        raise InputError(
            f"The fitted FSRS parameters stored in {db.path} (meta.{_parameters_key(db)}) are "
            "not valid; run `mathdrill fsrs fit` to fit them again."
        ) from None


@dataclass(frozen=True)
class CalibrationReport:
    """What ``stats --calibration`` shows.

    Attributes:
        rows: One :class:`Calibration` per predictor (``sm2``, ``fsrs``, maybe ``fsrs-fitted``).
        answers: Graded learn/review answers replayed.
    """

    rows: tuple[Calibration, ...]
    answers: int


def calibration_report(db: Database, settings: SchedulingSettings) -> CalibrationReport:
    """Replay the log and score each scheduler's predictions (never writes)."""
    logs = card_logs(db)
    rows = calibrate(logs, settings, fitted_parameters(db))
    return CalibrationReport(tuple(rows), fsrs_scheduler.count_graded(logs))


def report_to_json(report: CalibrationReport) -> dict[str, Any]:
    """Return the report as the JSON object docs/data.md documents."""
    return {
        "answers": report.answers,
        "schedulers": [
            {
                "scheduler": row.scheduler,
                "predictions": row.predictions,
                "log_loss": row.log_loss,
                "rmse_bins": row.rmse_bins,
            }
            for row in report.rows
        ],
    }


@dataclass(frozen=True)
class FitResult:
    """What ``fsrs fit`` did.

    Attributes:
        fitted: Parameters were fitted and stored.
        answers: Graded learn/review answers in the log.
        needed: Answers the fit needs (:data:`~fsrs_scheduler.MIN_FIT_REVIEWS`).
        parameters: The stored parameters (None when not fitted).
    """

    fitted: bool
    answers: int
    needed: int
    parameters: tuple[float, ...] | None


def fit_fsrs(db: Database, settings: SchedulingSettings, now: datetime) -> FitResult:
    """Fit FSRS parameters to the learner's log and store them, given enough history.

    Raises:
        UsageError: When the optimizer is not installed (the message names the extra).
    """
    logs = card_logs(db)
    answers = fsrs_scheduler.count_graded(logs)
    needed = fsrs_scheduler.MIN_FIT_REVIEWS
    if answers < needed:
        return FitResult(False, answers, needed, None)
    parameters = fsrs_scheduler.fit_parameters(fsrs_scheduler.training_histories(logs, settings))
    stored = {"parameters": list(parameters), "answers": answers, "fitted_at": now.isoformat()}
    db.put_setting(_parameters_key(db), json.dumps(stored))
    return FitResult(True, answers, needed, parameters)


def fit_to_json(result: FitResult) -> dict[str, Any]:
    """Return a fit's result as the JSON object docs/data.md documents."""
    parameters: Sequence[float] | None = result.parameters
    return {
        "fitted": result.fitted,
        "answers": result.answers,
        "needed": result.needed,
        "parameters": None if parameters is None else list(parameters),
    }
