-- contingency schema, migration 0009: money never follows a record merged into another, and an s.14
-- share is never drafted as a charge at cost. The services refuse both first and say why; these
-- triggers make the store refuse them too, whatever code path writes.

-- A merged-away record keeps its history but takes no new cost: the kept record carries it (brief rule 30:
-- every penny traceable to one person). A negative share (a merge transfer or a reversal) may still be
-- recorded against it, so what was spent on it can be moved or credited.
CREATE TRIGGER cost_allocation_not_to_merged_record BEFORE INSERT ON cost_allocations WHEN NEW.amount_pence > 0
BEGIN
    SELECT RAISE(ABORT, 'this person was merged into another record: record the cost against the kept record')
    WHERE (SELECT merged_into FROM people WHERE id = NEW.person_id) IS NOT NULL;
END;

-- A charge is never drafted to a record merged into another: the person has one account, the kept one.
CREATE TRIGGER claim_not_to_merged_record BEFORE INSERT ON claims WHEN NEW.recipient_ref LIKE 'person:%'
BEGIN
    SELECT RAISE(ABORT, 'this person was merged into another record: charge the kept record')
    WHERE EXISTS (SELECT 1 FROM people WHERE 'person:' || id = NEW.recipient_ref AND merged_into IS NOT NULL);
END;

-- A claim never carries a merged-away record's cost; only a credit for what was claimed under it before.
CREATE TRIGGER claim_line_not_for_merged_record BEFORE INSERT ON claim_lines WHEN NEW.amount_pence > 0
BEGIN
    SELECT RAISE(ABORT, 'this share belongs to a record merged into another: it was moved to the kept record')
    WHERE EXISTS (SELECT 1 FROM cost_allocations a JOIN people p ON p.id = a.person_id
                  WHERE a.id = NEW.allocation_id AND p.merged_into IS NOT NULL);
END;

-- Our own clients (and urgent help) are charged per their financial assessment under Care Act 2014 ss.14
-- and 17 and the Care and Support (Charging and Assessment of Resources) Regulations 2014, never at the
-- incident's cost; only s.48(5) and s.49(3)(d) shares become charges at cost (brief rules 16-17, 25).
CREATE TRIGGER claim_line_never_s14 BEFORE INSERT ON claim_lines WHEN NEW.route = 's14'
BEGIN
    SELECT RAISE(ABORT, 'an s.14 share is charged per financial assessment (s.14/s.17), never drafted at cost');
END;
