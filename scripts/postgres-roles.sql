-- Production roles for casework on PostgreSQL (README, "Security", "Database roles").
--
--   owner  (casework_owner): owns the database and its tables. Only `casework init` (the
--          migrations), `casework backup` and `casework restore` connect as it.
--   app    (casework_app): what gunicorn and the worker connect as. It may read, insert and
--          update; it may not delete, truncate, alter, create or own anything, and the audit
--          log and the export log are insert-only for it. Not being the tables' owner, it
--          cannot disable their triggers.
--
-- Run it as a superuser, connected to the casework database, after the first `casework init`
-- and again after every `casework init` (upgrade) and `casework restore`; it is idempotent:
--
--   psql -v ON_ERROR_STOP=1 -d casework -f scripts/postgres-roles.sql
--
-- Other role names: add  -v owner=NAME -v app=NAME. Roles that do not exist yet are made
-- without a password; give them one with \password in psql.

\set ON_ERROR_STOP on
\if :{?owner}
\else
  \set owner casework_owner
\endif
\if :{?app}
\else
  \set app casework_app
\endif

SELECT format('CREATE ROLE %I LOGIN', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
-- The app's role holds no power beyond its grants.
SELECT format('ALTER ROLE %I NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS',
              :'app') \gexec

-- Only the owner creates objects.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('GRANT USAGE, CREATE ON SCHEMA public TO %I', :'owner') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app') \gexec
SELECT format('REVOKE CREATE ON SCHEMA public FROM %I', :'app') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'app') \gexec

-- Read, insert and update; never delete or truncate.
SELECT format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', :'app') \gexec
SELECT format('GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO %I', :'app') \gexec
SELECT format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', :'app') \gexec
-- Insert-only: the audit log and the export log (their trigger refuses UPDATE and DELETE
-- even to the owner, unless the owner disables it; the audit anchors show that).
SELECT format('REVOKE UPDATE ON %I FROM %I', t, :'app')
  FROM unnest(ARRAY['audit_entries', 'export_log']) AS t
 WHERE to_regclass(format('public.%I', t)) IS NOT NULL \gexec
-- The only rows the app deletes: a plan's removed target, the failure counts of unknown
-- usernames once forgotten, and a user's removed role assignment. Nothing else.
SELECT format('GRANT DELETE ON %I TO %I', t, :'app')
  FROM unnest(ARRAY['plan_targets', 'login_failures', 'role_assignments']) AS t
 WHERE to_regclass(format('public.%I', t)) IS NOT NULL \gexec
-- The job queue (Procrastinate, installed by `casework init`): the worker registers and
-- forgets itself, and forgets the periodic deferrals it no longer needs.
SELECT format('GRANT DELETE ON %I TO %I', t, :'app')
  FROM unnest(ARRAY['procrastinate_workers', 'procrastinate_periodic_defers']) AS t
 WHERE to_regclass(format('public.%I', t)) IS NOT NULL \gexec
-- The schema's version is the migrations' business.
SELECT format('REVOKE INSERT, UPDATE ON alembic_version FROM %I', :'app')
 WHERE to_regclass('public.alembic_version') IS NOT NULL \gexec

-- Tables a later migration adds get the same grants at once; run this script again after
-- `casework init` so that the insert-only tables lose UPDATE.
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
              'GRANT SELECT, INSERT, UPDATE ON TABLES TO %I', :'owner', :'app') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
              'GRANT USAGE, SELECT ON SEQUENCES TO %I', :'owner', :'app') \gexec
