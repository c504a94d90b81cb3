-- contingency schema, migration 0011: where people live, and which ICBs cover each council.
-- For care at home the council whose area the person lives in holds the s.48 duty (brief rule 5, worked
-- case 3); a CHC or FNC person with no ICB recorded is given the main ICB of that council as an assumption
-- to confirm (rule 11). The rows are loaded from db/postcode_sectors.csv and db/la_icb_2026.csv by the
-- reference-data step that follows this one (sources and licences in db/REFERENCE.md).

-- One row per sector and council: a sector split between councils has a row for each, one of them main.
CREATE TABLE postcode_sectors (
    sector TEXT NOT NULL,
    la_gss_code TEXT NOT NULL,
    la_name TEXT NOT NULL,
    share REAL NOT NULL CHECK (share > 0 AND share <= 1),
    main INTEGER NOT NULL CHECK (main IN (0, 1)),
    PRIMARY KEY (sector, la_gss_code)
) WITHOUT ROWID;

CREATE UNIQUE INDEX postcode_sectors_one_main ON postcode_sectors (sector) WHERE main = 1;

-- One row per English council and ICB whose areas overlap, by share of the council's residents.
CREATE TABLE council_icb_areas (
    la_gss_code TEXT NOT NULL,
    la_name TEXT NOT NULL,
    icb_code TEXT NOT NULL,
    icb_gss_code TEXT NOT NULL,
    icb_name TEXT NOT NULL,
    share REAL NOT NULL CHECK (share > 0 AND share <= 1),
    main INTEGER NOT NULL CHECK (main IN (0, 1)),
    confirmed INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    source TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (la_gss_code, icb_gss_code)
) WITHOUT ROWID;

CREATE UNIQUE INDEX council_icb_areas_one_main ON council_icb_areas (la_gss_code) WHERE main = 1;
