"""From the phases' JSON to the figures README shows: medians over runs, and one table."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from benchmarks.meters import JsonDict
from benchmarks.phases import OPEN_LOOP, PACED, UNPACED

#: summary figure -> (the phase it comes from, the path to it in that phase's result)
FIGURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "updates_per_second_paced": (PACED, ("updates_per_second",)),
    "updates_per_second_unpaced": (UNPACED, ("updates_per_second",)),
    "bot_cpu_ms_per_update": (UNPACED, ("bot_cpu_ms_per_update",)),
    "db_server_cpu_ms_per_update": (UNPACED, ("db_server_cpu_ms_per_update",)),
    "driver_cpu_ms_per_update": (UNPACED, ("driver_cpu_ms_per_update",)),
    "sql_statements_per_update": (UNPACED, ("sql", "per_update", "statements")),
    "transactions_per_update": (UNPACED, ("sql", "per_update", "transactions")),
    "write_transactions_per_update": (UNPACED, ("sql", "per_update", "write_transactions")),
    "sessions_per_update": (UNPACED, ("sql", "per_update", "sessions")),
    "api_requests_per_update": (UNPACED, ("api_requests_per_update",)),
    "paced_requests_per_update": (UNPACED, ("paced_requests_per_update",)),
    "closed_loop_p99_ms_paced": (PACED, ("latency_ms", "p99")),
    "closed_loop_p99_ms_unpaced": (UNPACED, ("latency_ms", "p99")),
    "open_loop_p50_ms": (OPEN_LOOP, ("latency_ms", "p50")),
    "open_loop_p99_ms": (OPEN_LOOP, ("latency_ms", "p99")),
    "open_loop_missed_slots": (OPEN_LOOP, ("open_loop", "missed_slots")),
}


def dig(result: JsonDict, path: Sequence[str]) -> Any:
    value: Any = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def spread(values: Sequence[float]) -> JsonDict | None:
    """Median, lowest and highest of the runs (None when no run had the figure)."""
    if not values:
        return None
    return {
        "median": round(statistics.median(values), 2),
        "min": min(values),
        "max": max(values),
        "runs": len(values),
    }


def summarise(runs: dict[str, list[JsonDict]]) -> JsonDict:
    summary: JsonDict = {}
    for figure, (mode, path) in FIGURES.items():
        values = [dig(run, path) for run in runs.get(mode, [])]
        summary[figure] = spread([v for v in values if isinstance(v, int | float)])
    return summary


def median_of(summary: JsonDict, figure: str) -> float | None:
    entry = summary.get(figure)
    return None if entry is None else float(entry["median"])


def ratios(configurations: dict[str, JsonDict], echo_key: str = "echo_ptb") -> JsonDict:
    """Our bot's CPU per update over an echo bot's (`echo_key`), measured in the same run."""
    echo = configurations.get(echo_key, {}).get("summary", {})
    echo_cpu = median_of(echo, "bot_cpu_ms_per_update")
    found: JsonDict = {}
    for key, entry in configurations.items():
        ours = median_of(entry.get("summary", {}), "bot_cpu_ms_per_update")
        if key.startswith("ours") and ours is not None and echo_cpu:
            found[f"{key}_cpu_over_{echo_key}"] = round(ours / echo_cpu, 2)
    return found


def paired_ratios(configurations: dict[str, JsonDict], echo_key: str = "echo_ptb") -> JsonDict:
    """Our bot's CPU per update over an echo bot's, repeat by repeat: the k-th unpaced run of
    each configuration, taken within a minute of each other. The spread of these is what the
    machine's noise does to one ratio; `ratios` gives the ratio of the medians."""
    echo_runs = configurations.get(echo_key, {}).get("runs", {}).get("unpaced", [])
    found: JsonDict = {}
    for key, entry in configurations.items():
        if not key.startswith("ours"):
            continue
        runs = entry.get("runs", {}).get("unpaced", [])
        pairs = [
            round(ours["bot_cpu_ms_per_update"] / echo["bot_cpu_ms_per_update"], 2)
            for ours, echo in zip(runs, echo_runs, strict=False)
            if ours.get("bot_cpu_ms_per_update") and echo.get("bot_cpu_ms_per_update")
        ]
        if pairs:
            found[f"{key}_cpu_over_{echo_key}_by_repeat"] = pairs
    return found


def _cell(summary: JsonDict, figure: str, digits: int = 1) -> str:
    value = median_of(summary, figure)
    return "—" if value is None else f"{value:.{digits}f}"


def table(labels: dict[str, str], configurations: dict[str, JsonDict], *, rate: float) -> str:
    """The README table: medians over the runs of each configuration."""
    header = (
        "| bot | upd/s paced | upd/s unpaced | CPU ms/upd | SQL stmts/upd | transactions/upd "
        "(writes) | sessions/upd | API requests/upd (paced) | p50 / p99 ms at "
        f"{rate:g} upd/s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for key, entry in configurations.items():
        if "summary" not in entry:
            rows.append(f"| {labels[key]} | skipped: {entry.get('skipped', '?')} |")
            continue
        s = entry["summary"]
        cpu = _cell(s, "bot_cpu_ms_per_update", 2)
        if median_of(s, "db_server_cpu_ms_per_update") is not None:
            cpu += f" (+{_cell(s, 'db_server_cpu_ms_per_update', 2)} server)"
        rows.append(
            f"| {labels[key]} | {_cell(s, 'updates_per_second_paced')} "
            f"| {_cell(s, 'updates_per_second_unpaced')} | {cpu} "
            f"| {_cell(s, 'sql_statements_per_update', 2)} "
            f"| {_cell(s, 'transactions_per_update', 2)} "
            f"({_cell(s, 'write_transactions_per_update', 2)}) "
            f"| {_cell(s, 'sessions_per_update', 2)} "
            f"| {_cell(s, 'api_requests_per_update', 2)} "
            f"({_cell(s, 'paced_requests_per_update', 2)}) "
            f"| {_cell(s, 'open_loop_p50_ms', 0)} / {_cell(s, 'open_loop_p99_ms', 0)} |"
        )
    return header + "\n".join(rows) + "\n"


def problems(configurations: dict[str, JsonDict]) -> list[str]:
    """Rejected requests, replies that never came, and phases that broke."""
    found: list[str] = []
    for key, entry in configurations.items():
        found += [f"{key}: {error}" for error in entry.get("errors", [])]
        for mode, runs in entry.get("runs", {}).items():
            for run in runs:
                found += [f"{key} {mode}: rejected {r}" for r in run.get("rejections", [])]
                found += [f"{key} {mode}: {f}" for f in run.get("failures", [])]
    return found
