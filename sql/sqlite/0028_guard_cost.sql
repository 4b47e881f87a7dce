-- 0028_guard_cost: PostgreSQL's record guard made cheaper (see
-- postgres/0028_guard_cost.sql); SQLite's guards are plain triggers and
-- stay as they are.
SELECT 1;
