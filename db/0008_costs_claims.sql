-- contingency schema, migration 0008: the cost ledger, claims and ordinary-residence disputes.
-- Money is integer pence (brief rule 30). Cost lines are never edited or deleted: a wrong line is
-- reversed by a correcting line that cites it, whose negative allocations a later claim carries as a
-- credit. An allocation's route changes only through a logged decision. No allocation is ever
-- claimed twice (claim_lines.allocation_id is UNIQUE).

CREATE TABLE cost_lines (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    supplier TEXT NOT NULL CHECK (length(trim(supplier)) > 0),
    category TEXT NOT NULL CHECK (category IN ('care-home-placement', 'home-care-hours', 'agency-staff', 'transport',
                                               'equipment', 'bridging-payment', 'information-advice', 'other')),
    description TEXT NOT NULL DEFAULT '',
    period_start TEXT NOT NULL,  -- ISO date; a one-off has start = end
    period_end TEXT NOT NULL,  -- inclusive
    unit TEXT NOT NULL CHECK (unit IN ('per-week', 'per-day', 'per-hour', 'per-visit', 'one-off')),
    rate_pence INTEGER NOT NULL CHECK (rate_pence >= 0),
    quantity_milli INTEGER NOT NULL CHECK (quantity_milli > 0),  -- exact thousandths: 12.5 hours is 12500
    total_pence INTEGER NOT NULL,
    decision_id INTEGER NOT NULL REFERENCES decisions(id),  -- the decision that authorised it
    corrects INTEGER UNIQUE REFERENCES cost_lines(id),  -- a line is reversed at most once
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (period_end >= period_start),
    CHECK (unit != 'one-off' OR period_start = period_end),
    CHECK ((corrects IS NULL AND total_pence >= 0) OR (corrects IS NOT NULL AND total_pence <= 0))
) STRICT;
CREATE INDEX cost_lines_incident ON cost_lines(incident_id);

CREATE TRIGGER cost_lines_are_immutable BEFORE UPDATE ON cost_lines
BEGIN SELECT RAISE(ABORT, 'cost lines are never edited; reverse the line and add the right one'); END;
CREATE TRIGGER cost_lines_are_kept BEFORE DELETE ON cost_lines
BEGIN SELECT RAISE(ABORT, 'cost lines are never deleted; reverse the line instead'); END;
-- A reversal cancels an original line exactly, never another reversal.
CREATE TRIGGER cost_line_reversal_is_exact BEFORE INSERT ON cost_lines WHEN NEW.corrects IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a reversal must cancel an original line for exactly its total')
    WHERE NOT EXISTS (SELECT 1 FROM cost_lines o WHERE o.id = NEW.corrects AND o.corrects IS NULL
                      AND o.total_pence = -NEW.total_pence AND o.incident_id = NEW.incident_id);
END;

CREATE TABLE cost_allocations (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES cost_lines(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    amount_pence INTEGER NOT NULL,
    route TEXT NOT NULL CHECK (route IN ('s48(7)', 's49(3)', 's48(5)', 's49(3)(d)', 's14', 'nhs', 'absorbed')),
    recover_from TEXT,  -- la:... for recovery routes; icb:... for NHS
    needs_not_arranged INTEGER NOT NULL DEFAULT 0 CHECK (needs_not_arranged IN (0, 1)),
    route_reason TEXT NOT NULL CHECK (length(trim(route_reason)) > 0),
    route_decision_id INTEGER REFERENCES decisions(id),  -- the decision that last changed the route
    reverses INTEGER UNIQUE REFERENCES cost_allocations(id),
    CHECK (route NOT IN ('s48(7)', 's49(3)') OR recover_from LIKE 'la:%'),
    CHECK (route NOT IN ('s48(5)', 's49(3)(d)', 's14', 'absorbed') OR recover_from IS NULL),
    -- s.49(3)(d) only for needs the cross-border body did not arrange (brief rule 17).
    CHECK ((route = 's49(3)(d)') = (needs_not_arranged = 1))
) STRICT;
CREATE INDEX cost_allocations_line ON cost_allocations(line_id);
CREATE INDEX cost_allocations_person ON cost_allocations(person_id);

CREATE TRIGGER cost_allocations_are_kept BEFORE DELETE ON cost_allocations
BEGIN SELECT RAISE(ABORT, 'allocations are never deleted; reverse the line instead'); END;
-- Only the route changes, and only with the decision that changed it.
CREATE TRIGGER cost_allocation_route_needs_decision BEFORE UPDATE ON cost_allocations
BEGIN
    SELECT RAISE(ABORT, 'only an allocation''s route changes, and only through a logged decision')
    WHERE NEW.line_id IS NOT OLD.line_id OR NEW.person_id IS NOT OLD.person_id
       OR NEW.amount_pence IS NOT OLD.amount_pence OR NEW.reverses IS NOT OLD.reverses
       OR NEW.route_decision_id IS NULL OR NEW.route_decision_id IS OLD.route_decision_id;
    SELECT RAISE(ABORT, 'this share is already on a claim: reverse the line and add it again instead')
    WHERE EXISTS (SELECT 1 FROM claim_lines WHERE allocation_id = OLD.id);
END;
-- Information and advice are never charged to the person (Care Act 2014 s.48(5); brief rule 16).
CREATE TRIGGER cost_advice_is_never_charged BEFORE INSERT ON cost_allocations
WHEN NEW.route IN ('s48(5)', 's49(3)(d)', 's14')
 AND (SELECT category FROM cost_lines WHERE id = NEW.line_id) = 'information-advice'
BEGIN SELECT RAISE(ABORT, 'information and advice are never charged (s.48(5); brief rule 16)'); END;
CREATE TRIGGER cost_advice_is_never_charged_later BEFORE UPDATE OF route ON cost_allocations
WHEN NEW.route IN ('s48(5)', 's49(3)(d)', 's14')
 AND (SELECT category FROM cost_lines WHERE id = NEW.line_id) = 'information-advice'
BEGIN SELECT RAISE(ABORT, 'information and advice are never charged (s.48(5); brief rule 16)'); END;

CREATE TABLE claims (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    reference TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('reimbursement', 'charge')),
    recipient_ref TEXT NOT NULL,  -- la:<GSS> or person:<id>
    recipient_name TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    total_pence INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'acknowledged', 'disputed', 'part-paid', 'paid',
                                           'written-off')),
    excluded_count INTEGER NOT NULL DEFAULT 0 CHECK (excluded_count >= 0),
    excluded_note TEXT NOT NULL DEFAULT '',
    exercise INTEGER NOT NULL CHECK (exercise IN (0, 1)),  -- an exercise claim is never a live invoice (rule 29)
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    submitted_on TEXT,
    submitted_to TEXT NOT NULL DEFAULT '',
    acknowledged_on TEXT,
    dispute_reason TEXT NOT NULL DEFAULT '',
    written_off_pence INTEGER NOT NULL DEFAULT 0,
    writeoff_decision_id INTEGER REFERENCES decisions(id),
    CHECK (period_end >= period_start),
    CHECK ((kind = 'charge') = (recipient_ref LIKE 'person:%')),
    CHECK (status = 'draft' OR status = 'written-off' OR submitted_on IS NOT NULL),
    CHECK (status != 'written-off' OR writeoff_decision_id IS NOT NULL)
) STRICT;
CREATE INDEX claims_incident ON claims(incident_id, recipient_ref);

CREATE TRIGGER claims_are_kept BEFORE DELETE ON claims
BEGIN SELECT RAISE(ABORT, 'claims are never deleted; write them off with a reason and a decision'); END;
CREATE TRIGGER claims_keep_what_was_claimed BEFORE UPDATE ON claims
BEGIN
    SELECT RAISE(ABORT, 'what a claim claims never changes; only its status and dates move on')
    WHERE NEW.reference IS NOT OLD.reference OR NEW.kind IS NOT OLD.kind
       OR NEW.recipient_ref IS NOT OLD.recipient_ref OR NEW.total_pence IS NOT OLD.total_pence
       OR NEW.period_start IS NOT OLD.period_start OR NEW.period_end IS NOT OLD.period_end
       OR NEW.exercise IS NOT OLD.exercise OR NEW.incident_id IS NOT OLD.incident_id;
END;

CREATE TABLE claim_lines (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims(id),
    allocation_id INTEGER NOT NULL UNIQUE REFERENCES cost_allocations(id),  -- never claimed twice
    route TEXT NOT NULL,
    amount_pence INTEGER NOT NULL
) STRICT;
CREATE INDEX claim_lines_claim ON claim_lines(claim_id);

CREATE TRIGGER claim_lines_are_immutable BEFORE UPDATE ON claim_lines
BEGIN SELECT RAISE(ABORT, 'claim lines are never edited'); END;
CREATE TRIGGER claim_lines_are_kept BEFORE DELETE ON claim_lines
BEGIN SELECT RAISE(ABORT, 'claim lines are never deleted'); END;
-- A claim line claims exactly the recorded share, under its recorded route, of the right kind:
-- so no charge can exceed the recorded cost (brief rule 16) and nothing NHS or absorbed is invoiced.
CREATE TRIGGER claim_line_matches_allocation BEFORE INSERT ON claim_lines
BEGIN
    SELECT RAISE(ABORT, 'a claim line must claim exactly the recorded share under its recorded route')
    WHERE NOT EXISTS (
        SELECT 1 FROM cost_allocations a JOIN claims c ON c.id = NEW.claim_id
        WHERE a.id = NEW.allocation_id AND a.amount_pence = NEW.amount_pence AND a.route = NEW.route
          AND ((c.kind = 'charge' AND a.route IN ('s48(5)', 's49(3)(d)', 's14')
                AND c.recipient_ref = 'person:' || a.person_id)
            OR (c.kind = 'reimbursement' AND a.route IN ('s48(7)', 's49(3)') AND c.recipient_ref = a.recover_from)));
END;

CREATE TABLE claim_payments (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims(id),
    amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
    paid_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX claim_payments_claim ON claim_payments(claim_id);

CREATE TRIGGER claim_payments_are_immutable BEFORE UPDATE ON claim_payments
BEGIN SELECT RAISE(ABORT, 'payments are never edited'); END;
CREATE TRIGGER claim_payments_are_kept BEFORE DELETE ON claim_payments
BEGIN SELECT RAISE(ABORT, 'payments are never deleted'); END;

-- Every step in a claim's life, with its reason: the story a finance officer reads months later.
CREATE TABLE claim_events (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims(id),
    at TEXT NOT NULL,
    officer TEXT NOT NULL,
    action TEXT NOT NULL,
    status_from TEXT,
    status_to TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    on_date TEXT,
    amount_pence INTEGER,
    decision_id INTEGER REFERENCES decisions(id)
) STRICT;
CREATE INDEX claim_events_claim ON claim_events(claim_id);

CREATE TRIGGER claim_events_are_immutable BEFORE UPDATE ON claim_events
BEGIN SELECT RAISE(ABORT, 'claim events are never edited'); END;
CREATE TRIGGER claim_events_are_kept BEFORE DELETE ON claim_events
BEGIN SELECT RAISE(ABORT, 'claim events are never deleted'); END;

-- Ordinary-residence disputes: care never waits; refer to the Secretary of State if unresolved
-- 4 calendar months after the dispute arose (brief rule 22).
CREATE TABLE or_disputes (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    authority_ref TEXT NOT NULL,
    authority_name TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    raised_on TEXT NOT NULL,
    refer_by TEXT NOT NULL,
    resolved_on TEXT,
    resolution TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (refer_by > raised_on),
    CHECK (resolved_on IS NULL OR length(trim(resolution)) > 0)
) STRICT;
CREATE INDEX or_disputes_incident ON or_disputes(incident_id, person_id);

CREATE TRIGGER or_disputes_are_kept BEFORE DELETE ON or_disputes
BEGIN SELECT RAISE(ABORT, 'disputes are never deleted; record how they were resolved'); END;
CREATE TRIGGER or_disputes_only_resolve BEFORE UPDATE ON or_disputes
BEGIN
    SELECT RAISE(ABORT, 'a dispute record changes only when it is resolved')
    WHERE NEW.person_id IS NOT OLD.person_id OR NEW.authority_ref IS NOT OLD.authority_ref
       OR NEW.reason IS NOT OLD.reason OR NEW.raised_on IS NOT OLD.raised_on OR NEW.refer_by IS NOT OLD.refer_by
       OR OLD.resolved_on IS NOT NULL;
END;
