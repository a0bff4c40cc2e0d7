"""The §7 schedule form with two years of Swedish public holidays (issue 3).

Method: a headless Textual app (80x24, `App.run_test`) holds the form of the
demo's "Kontorstid" schedule (Mon–Fri 08:00–17:00, 33 holidays as exceptions:
~110 inputs). Timed, each as the median of RUNS, variants alternating run by
run so a busy machine slows both alike:

- `open`: mounting the form until the screen has refreshed once;
- `add_range_block`: adding a range to Saturday the way the editor does it,
  rebuilding that day's rows only (`ScheduleForm.rebuild_ranges`);
- `add_range_recompose`: the same by recomposing the whole form (the
  editor's first version), the reference;
- `inputs_css` / `inputs_compact`: building 100 inputs made compact by the
  form's CSS, and with `Input(compact=True)`, which restyles each one as it is
  built.
"""
from __future__ import annotations

import asyncio
import json
import statistics
import time
from datetime import date
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Input

from backend.demo import demo_schedules
from tui.schedules import editable
from widgets.schedule_form import ScheduleForm

RUNS = 15
RESULTS = Path(__file__).resolve().parent / "results" / "schedule_form.json"


def office_hours() -> dict:
    doc = demo_schedules(date(2026, 11, 26).year)["Kontorstid"]
    return editable({"name": "Kontorstid", "timezone": "Europe/Stockholm", **doc})


class Holder(App[None]):
    def compose(self) -> ComposeResult:
        return iter(())


async def one_run(timings: dict[str, list[float]]) -> None:
    app = Holder()
    async with app.run_test(size=(80, 24)) as pilot:
        form = ScheduleForm(office_hours())
        start = time.perf_counter()
        await app.screen.mount(form)
        await pilot.pause()
        timings["open"].append(time.perf_counter() - start)

        for variant in ("block", "recompose") if len(timings["open"]) % 2 else ("recompose", "block"):
            form.doc["weekly"]["sat"].append({"start": "10:00", "end": "14:00"})
            start = time.perf_counter()
            if variant == "block":
                await form.rebuild_ranges("weekly.sat")
            else:
                await form.recompose()
            await pilot.pause()
            timings[f"add_range_{variant}"].append(time.perf_counter() - start)

        for variant in ("css", "compact") if len(timings["open"]) % 2 else ("compact", "css"):
            start = time.perf_counter()
            inputs = [Input("08:00", compact=variant == "compact") for _ in range(100)]
            timings[f"inputs_{variant}"].append(time.perf_counter() - start)
            del inputs


def main() -> None:
    names = ("open", "add_range_block", "add_range_recompose", "inputs_css", "inputs_compact")
    timings: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(RUNS):
        asyncio.run(one_run(timings))
    medians = {name: round(statistics.median(values) * 1000, 1) for name, values in timings.items()}
    result = {
        "runs": RUNS,
        "median_ms": medians,
        "ratio_add_range_recompose_over_block": round(medians["add_range_recompose"] / medians["add_range_block"], 1),
        "ratio_inputs_compact_over_css": round(medians["inputs_compact"] / max(medians["inputs_css"], 0.1), 1),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
