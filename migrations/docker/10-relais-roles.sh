#!/bin/sh
# Run once by the postgres image when its data volume is created
# (docker-entrypoint-initdb.d): two roles, so that the running app is not
# the database superuser and cannot rewrite the evidence log's triggers.
#   relais_owner  owns the schema: `relais migrate up` runs as it.
#   relais_app    what `relais serve` runs as: reads and writes rows, and
#                 nothing else (no TRUNCATE, no DDL, no triggers, no
#                 superuser), so the append-only triggers of the events
#                 table hold against the app itself.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_pw="$RELAIS_OWNER_PASSWORD" -v app_pw="$RELAIS_APP_PASSWORD" <<'SQL'
CREATE ROLE relais_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE relais_app LOGIN PASSWORD :'app_pw';
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT ALL ON SCHEMA public TO relais_owner;
GRANT USAGE ON SCHEMA public TO relais_app;
GRANT CONNECT ON DATABASE :"DBNAME" TO relais_owner, relais_app;
ALTER DEFAULT PRIVILEGES FOR ROLE relais_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO relais_app;
ALTER DEFAULT PRIVILEGES FOR ROLE relais_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO relais_app;
SQL
