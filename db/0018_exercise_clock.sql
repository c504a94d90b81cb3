-- contingency schema, migration 0018: the exercise clock (exercises.md §3).
-- One row: an anchor pair (a wall instant and the exercise instant it stood for), the time scale as a fraction,
-- and whether it runs. Every process on the store computes "now" from this row (contingency.rules.exercise_clock),
-- so the facilitator's pause freezes the players' screens too. A live store can never hold one: its log must
-- never carry story time.
CREATE TABLE exercise_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    startex TEXT NOT NULL,
    wall_anchor TEXT NOT NULL,
    exercise_anchor TEXT NOT NULL,
    scale_numerator INTEGER NOT NULL CHECK (scale_numerator > 0),
    scale_denominator INTEGER NOT NULL CHECK (scale_denominator > 0),
    run TEXT NOT NULL CHECK (run IN ('running', 'paused', 'stopped', 'ended'))
);

CREATE TRIGGER exercise_clock_only_on_exercise_stores
BEFORE INSERT ON exercise_clock
WHEN coalesce((SELECT value FROM store_meta WHERE key = 'kind'), '') != 'exercise'
BEGIN
    SELECT RAISE(ABORT, 'an exercise clock can only be set on an exercise store');
END;
