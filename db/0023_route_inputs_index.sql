-- contingency schema, migration 0023: the costs section's CHECK at 50,000 shares (issue 12).
-- A share is marked CHECK when its person's determination would now route it otherwise. Asking that of a
-- line shared by everyone joins every share to its person for the four columns the route rule reads; this
-- index holds exactly those, so the join reads a few megabytes of index instead of each person's whole record.
CREATE INDEX people_route_inputs ON people(id, basis, recover_from, charge_route, notify);
