#!/bin/sh
# Creates the two PostgreSQL roles of eportid and the schema they work in
# (idempotent; run as a superuser, e.g. postgres over trust auth):
#   eportid_owner  owns the schema "eportid" and everything in it; the
#                  server migrates through it (EPORTID_MIGRATE_DATABASE_URL)
#   eportid_app    the server's own connection (DATABASE_URL): owns nothing,
#                  and is granted at every start only SELECT/INSERT/UPDATE/
#                  DELETE where the application writes (no DDL, TRUNCATE,
#                  TRIGGER, nor session_replication_role)
# Neither is a superuser. EPORTID_OWNER_PASSWORD / EPORTID_APP_PASSWORD set
# their passwords where the server does not use trust or peer auth.
# Connection: the usual PGHOST, PGPORT, PGUSER, PGDATABASE (default
# 127.0.0.1, 5432, postgres, test).
set -eu
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}" PGDATABASE="${PGDATABASE:-test}"
psql -q -v ON_ERROR_STOP=1 -v owner_pw="${EPORTID_OWNER_PASSWORD:-}" -v app_pw="${EPORTID_APP_PASSWORD:-}" <<'SQL'
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eportid_owner') THEN
        CREATE ROLE eportid_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eportid_app') THEN
        CREATE ROLE eportid_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END $$;
CREATE SCHEMA IF NOT EXISTS eportid AUTHORIZATION eportid_owner;
SELECT :'owner_pw' <> '' AS set_owner_pw, :'app_pw' <> '' AS set_app_pw \gset
\if :set_owner_pw
ALTER ROLE eportid_owner PASSWORD :'owner_pw';
\endif
\if :set_app_pw
ALTER ROLE eportid_app PASSWORD :'app_pw';
\endif
SQL
echo "pg-roles: eportid_owner owns schema eportid of database $PGDATABASE; eportid_app is the server's role"
