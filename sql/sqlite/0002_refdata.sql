-- 0002_refdata: reference data, read-only to the application and upserted
-- from backend/refdata on every start (store.LoadRefData). Rows of an older
-- revision are kept (old filings may name them) but marked inactive, and
-- lists show active rows only.

-- One row per loaded set: what was loaded, from where, which revision.
CREATE TABLE refdata_sets (
    name      TEXT PRIMARY KEY,
    revision  TEXT NOT NULL,
    source    TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);

-- GB/T 2260 administrative divisions. level: 1 province, 2 prefecture,
-- 3 county. is_city: offered in the city list of its province.
CREATE TABLE divisions (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    level    INTEGER NOT NULL,
    province TEXT NOT NULL,
    is_city  BOOLEAN NOT NULL,
    revision TEXT NOT NULL,
    active   BOOLEAN NOT NULL
);
CREATE INDEX divisions_province_idx ON divisions (province, code);

-- 关区 customs districts.
CREATE TABLE customs_districts (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    revision TEXT NOT NULL,
    active   BOOLEAN NOT NULL
);

-- Market-supervision and tax departments, derived from the divisions.
CREATE TABLE departments (
    code     TEXT PRIMARY KEY,
    kind     TEXT NOT NULL CHECK (kind IN ('market', 'tax')),
    name     TEXT NOT NULL,
    division TEXT NOT NULL,
    province TEXT NOT NULL,
    revision TEXT NOT NULL,
    active   BOOLEAN NOT NULL
);
CREATE INDEX departments_kind_idx ON departments (kind, code);

-- Card agent points (制卡代理点) with their contact details.
CREATE TABLE agent_points (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    province TEXT NOT NULL,
    address  TEXT NOT NULL,
    phone    TEXT NOT NULL,
    hours    TEXT NOT NULL,
    position INTEGER NOT NULL,
    revision TEXT NOT NULL,
    active   BOOLEAN NOT NULL
);

-- The preset departments of an agent point; none of a kind = choose from all.
CREATE TABLE agent_point_departments (
    agent_point TEXT NOT NULL REFERENCES agent_points (code) ON DELETE CASCADE,
    department  TEXT NOT NULL REFERENCES departments (code) ON DELETE CASCADE,
    PRIMARY KEY (agent_point, department)
);
