"""A tabletop exercise in play: the scenario played, injects delivered, facilitator's marks, the debrief.

Every row is written in a logged transaction like any other; exercise times come from the store's clock (the
exercise clock), the wall time is kept beside them for the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from contingency.rules.times import from_utc_iso, to_utc_iso

if TYPE_CHECKING:
    from contingency.store.store import Store


@dataclass(frozen=True)
class ExerciseRun:
    scenario_id: str
    version: str
    title: str
    file_name: str
    scenario_text: str
    scenario_sha256: str
    seed: int | None
    codeword: str
    roster_file: str | None
    true_copy: list[dict[str, Any]]
    started_at: datetime
    started_wall: datetime
    started_by: str


@dataclass(frozen=True)
class Delivery:
    inject_id: str
    planned: str
    delivered_at: datetime | None
    delivered_wall: datetime
    how: str  # on-time | by-hand | while-away | not-needed
    attachment: str | None

    @property
    def delivered(self) -> bool:
        return self.delivered_at is not None


@dataclass(frozen=True)
class Mark:
    id: int
    expectation_id: str
    kind: str  # met | excused
    note: str
    at: datetime
    wall_at: datetime
    by: str


@dataclass(frozen=True)
class DebriefNote:
    id: int
    kind: str  # went-well | did-not | change
    text: str
    at: datetime
    by: str


@dataclass(frozen=True)
class Improvement:
    id: int
    lesson: str
    action: str
    category: str
    owner_role: str
    due_date: str
    at: datetime
    by: str


class ExerciseRepo:
    def __init__(self, store: Store):
        self.store = store

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.store.conn.execute(sql, params or [])
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    # --- the run ---------------------------------------------------------------------------------------

    def run(self) -> ExerciseRun | None:
        rows = self._rows("SELECT * FROM exercise_runs WHERE id = 1")
        if not rows:
            return None
        row = rows[0]
        del row["id"]
        row["true_copy"] = json.loads(row["true_copy"])
        row["started_at"] = from_utc_iso(row["started_at"])
        row["started_wall"] = from_utc_iso(row["started_wall"])
        return ExerciseRun(**row)

    def start(self, run: ExerciseRun) -> None:
        row = {**run.__dict__, "id": 1, "true_copy": json.dumps(run.true_copy, sort_keys=True),
               "started_at": to_utc_iso(run.started_at), "started_wall": to_utc_iso(run.started_wall)}
        with self.store.write("exercise started") as tx:
            tx.insert("exercise-run", "exercise_runs", row)

    def set_roster_file(self, path: str) -> None:
        with self.store.write() as tx:
            tx.update("exercise-run", "exercise_runs", 1, {"roster_file": path}, action="roster-file")

    # --- injects ---------------------------------------------------------------------------------------

    def deliveries(self) -> list[Delivery]:
        return [Delivery(inject_id=r["inject_id"], planned=r["planned"],
                         delivered_at=from_utc_iso(r["delivered_at"]) if r["delivered_at"] else None,
                         delivered_wall=from_utc_iso(r["delivered_wall"]), how=r["how"], attachment=r["attachment"])
                for r in self._rows("SELECT * FROM exercise_deliveries ORDER BY coalesce(delivered_at, delivered_wall), "
                                    "inject_id")]

    def record_deliveries(self, deliveries: list[Delivery]) -> list[Delivery]:
        """Several at once (a jump over them, or a look at the clock after a while), all or none. Those another
        terminal recorded first are left as that terminal recorded them; what was recorded here is returned."""
        with self.store.write() as tx:
            already = {r[0] for r in tx.conn.execute("SELECT inject_id FROM exercise_deliveries")}
            fresh = [d for d in deliveries if d.inject_id not in already]
            for d in fresh:
                tx.insert("exercise-inject", "exercise_deliveries", {
                    "inject_id": d.inject_id, "planned": d.planned,
                    "delivered_at": to_utc_iso(d.delivered_at) if d.delivered_at else None,
                    "delivered_wall": to_utc_iso(d.delivered_wall), "how": d.how, "attachment": d.attachment,
                }, pk="inject_id")
        return fresh

    # --- the facilitator's marks, the debrief and the improvement plan ---------------------------------

    def marks(self) -> list[Mark]:
        return [Mark(id=r["id"], expectation_id=r["expectation_id"], kind=r["kind"], note=r["note"],
                     at=from_utc_iso(r["at"]), wall_at=from_utc_iso(r["wall_at"]), by=r["by"])
                for r in self._rows("SELECT * FROM exercise_marks ORDER BY id")]

    def add_mark(self, expectation_id: str, kind: str, note: str, *, at: datetime, wall_at: datetime) -> None:
        with self.store.write() as tx:
            tx.insert("exercise-mark", "exercise_marks", {
                "id": tx.next_id("exercise_marks"), "expectation_id": expectation_id, "kind": kind, "note": note,
                "at": to_utc_iso(at), "wall_at": to_utc_iso(wall_at), "by": self.store.officer})

    def debrief(self) -> list[DebriefNote]:
        return [DebriefNote(id=r["id"], kind=r["kind"], text=r["text"], at=from_utc_iso(r["at"]), by=r["by"])
                for r in self._rows("SELECT * FROM exercise_debrief ORDER BY id")]

    def add_debrief(self, kind: str, text: str, *, at: datetime) -> None:
        with self.store.write() as tx:
            tx.insert("exercise-debrief", "exercise_debrief", {
                "id": tx.next_id("exercise_debrief"), "kind": kind, "text": text, "at": to_utc_iso(at),
                "by": self.store.officer})

    def improvements(self) -> list[Improvement]:
        return [Improvement(id=r["id"], lesson=r["lesson"], action=r["action"], category=r["category"],
                            owner_role=r["owner_role"], due_date=r["due_date"], at=from_utc_iso(r["at"]), by=r["by"])
                for r in self._rows("SELECT * FROM exercise_improvements ORDER BY id")]

    def add_improvement(self, *, lesson: str, action: str, category: str, owner_role: str, due_date: str,
                        at: datetime) -> None:
        with self.store.write() as tx:
            tx.insert("exercise-improvement", "exercise_improvements", {
                "id": tx.next_id("exercise_improvements"), "lesson": lesson, "action": action,
                "category": category, "owner_role": owner_role, "due_date": due_date, "at": to_utc_iso(at),
                "by": self.store.officer})
