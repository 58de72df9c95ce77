"""``exante-tui merge``: a template times the rows of a CSV or JSON Lines file.

Dry run by default (renders every row, creates nothing, exits 2 if any row fails);
``--create`` makes one draft per row, keyed by (template, key); ``--send`` also sends them
now through the paced scheduler, ``--schedule-at WHEN`` leaves them to the worker.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from exante_tui.cli.output import iso, print_json

if TYPE_CHECKING:
    from datetime import datetime

    from exante_tui.core.merge import MergePlan, MergeRow, Progress
    from exante_tui.core.merge_send import SendOutcome
    from exante_tui.services import Services

BAR_WIDTH = 30


def parse_when(value: str) -> datetime:
    """``--schedule-at``: an ISO 8601 time with its time zone."""
    from datetime import datetime

    from exante_tui.cli.inputs import UsageError
    from exante_tui.errors import ErrorDetail

    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise UsageError(
            f"{value!r} is not a time to schedule at.",
            [ErrorDetail("schedule_at", "give ISO 8601 with a zone, e.g. 2026-12-03T09:00:00Z")],
        )
    return when


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) == 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {value!r}")
    return int(value)


def row_json(row: MergeRow) -> dict[str, Any]:
    """A row as a dry run lists it: number, key, recipients, subject and errors."""
    from exante_tui.cli.public import MergeRowPublic

    return MergeRowPublic.dump(row, to=row.draft.get("to", []), subject=row.draft.get("subject"))


def _print_rows(plan: MergePlan) -> None:
    for row in plan.rows:
        if row.errors:
            for detail in row.errors:
                print(f"row {row.number}  error  {detail.field}: {detail.message}")
        else:
            print(f"row {row.number}  {', '.join(row.draft['to'])}  {row.draft['subject']}")


class ProgressBar:
    """``[#####-----] 120/200 sent`` redrawn on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.shown = sys.stderr.isatty()

    def __call__(self, progress: Progress) -> None:
        if not self.shown or not progress.total:
            return
        done = BAR_WIDTH * progress.sent // progress.total
        bar = "#" * done + "-" * (BAR_WIDTH - done)
        print(f"\r[{bar}] {progress.sent}/{progress.total} sent", end="", file=sys.stderr)
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            print(file=sys.stderr, flush=True)


def cmd_merge(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.inputs import UsageError
    from exante_tui.core.merge import MergeOptions
    from exante_tui.core.merge_rows import read_rows
    from exante_tui.errors import ErrorDetail

    options = MergeOptions(
        template=args.template,
        key_column=args.key_column,
        to_column=args.to_column,
        context_type=args.context_type,
        context_id_column=args.context_id_column,
        reply_to_last=args.reply_to_last,
        limit=args.limit,
    )
    if args.reply_to_last and not (args.context_type and args.context_id_column):
        raise UsageError(
            "--reply-to-last needs each row's context.",
            [ErrorDetail("context_id_column", "give --context-type and --context-id-column")],
        )
    when = parse_when(args.schedule_at) if args.schedule_at else None
    plan = services.merge.plan(options, read_rows(args.rows, args.limit))
    report: dict[str, Any] = {"template_uid": str(plan.template.id), "rows": len(plan.rows)}
    if not args.as_json:
        _print_rows(plan)
    if plan.failed:
        report["failed"] = len(plan.failed)
        report["errors"] = [row_json(r) for r in plan.failed]
        _finish(args, report, f"{len(plan.failed)} of {len(plan.rows)} rows have errors; "
                "nothing was created.")  # fmt: skip
        return 2
    create = args.create or args.send or when is not None
    if not create:
        report["drafts"] = [row_json(r) for r in plan.rows]
        _finish(args, report, f"{len(plan.rows)} rows ready. Dry run: nothing was created "
                "(--create makes the drafts).")  # fmt: skip
        return 0
    created = services.merge.create(plan)
    report.update(created=created.created, already_there=created.existing)
    lines = [f"{created.created} created, {created.existing} already there."]
    code = 0
    if args.send or when is not None:
        queued = services.merge.queue(plan.template.id, plan.keys, when or services.core.clock())
        report["queued"] = queued
        if when is not None:
            report["planned_send_at"] = iso(when)
            lines.append(f"{queued} scheduled for {iso(when)}; `exante-tui worker` sends them.")
        else:
            outcome = _send(services, plan)
            code = _report_sending(outcome, report, lines)
    _finish(args, report, "\n".join(lines))
    return code


def _send(services: Services, plan: MergePlan) -> SendOutcome:
    from exante_tui.core.merge_send import send_merge

    bar = ProgressBar()
    try:
        return send_merge(
            services.merge,
            services.core,
            services.pace,
            plan.template.id,
            plan.keys,
            wait=time.sleep,
            on_progress=bar,
        )
    finally:
        bar.close()


def _report_sending(outcome: SendOutcome, report: dict[str, Any], lines: list[str]) -> int:
    progress = outcome.progress
    report.update(sent=progress.sent, scheduled=progress.scheduled, failed=len(outcome.failures))
    lines.append(f"{progress.sent} of {progress.total} sent.")
    if outcome.capped is not None:
        report["stopped"] = outcome.capped.describe()
        lines.append(
            f"Stopped: {outcome.capped.describe()}. {progress.scheduled} stay scheduled; "
            "`exante-tui worker` (or this command again) sends them then."
        )
    for failure in outcome.failures:
        assert failure.error is not None
        lines.append(f"failed: draft {failure.draft_uid}: {failure.error.message}")
    return 1 if outcome.failures else 0


def _finish(args: argparse.Namespace, report: dict[str, Any], line: str) -> None:
    if args.as_json:
        print_json(report)
    else:
        print(line, flush=True)


def register(commands: Any) -> None:
    merge = commands.add_parser(
        "merge", help="mail merge: one draft per row of a CSV or JSON Lines file (dry run first)"
    )
    merge.add_argument("--template", required=True, metavar="NAME", help="the template")
    merge.add_argument(
        "--rows", required=True, metavar="FILE", help="CSV with a header row, or JSON Lines"
    )
    merge.add_argument(
        "--key-column",
        required=True,
        metavar="COL",
        help="the column that identifies a row (one draft per template and key, ever)",
    )
    merge.add_argument(
        "--to-column", default="email", metavar="COL", help="the recipients (default email)"
    )
    merge.add_argument("--context-type", help="link every message to this kind of record")
    merge.add_argument(
        "--context-id-column", metavar="COL", help="the column holding each row's record uuid"
    )
    merge.add_argument("--create", action="store_true", help="make the drafts (not a dry run)")
    when = merge.add_mutually_exclusive_group()
    when.add_argument("--send", action="store_true", help="create and send now, paced")
    when.add_argument(
        "--schedule-at", metavar="WHEN", help="create and schedule for WHEN (ISO 8601 with zone)"
    )
    merge.add_argument(
        "--reply-to-last",
        action="store_true",
        help="thread each row as a reply to the last message of its context, when there is one",
    )
    merge.add_argument("--limit", type=_positive, metavar="N", help="only the first N rows")
    merge.add_argument("--json", dest="as_json", action="store_true", help="print JSON")
    merge.set_defaults(handler=cmd_merge)
