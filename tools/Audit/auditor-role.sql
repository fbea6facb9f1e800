-- The auditor's database role: can read every store and its chain, can change nothing.
-- psql -v role=monitoring_auditor -v password=... -v schemas="'ingest','drift','alerts'" -f auditor-role.sql
-- (run as the owner of the schemas or a superuser; the Audit tests create the same role with a unique name).
select format('create role %I login password %L nosuperuser nocreatedb nocreaterole noinherit', :'role', :'password')
where not exists (select 1 from pg_roles where rolname = :'role') \gexec
select format('alter role %I set default_transaction_read_only = on', :'role') \gexec
select format('grant usage on schema %I to %I', s, :'role') from unnest(array[:schemas]) s \gexec
select format('grant select on all tables in schema %I to %I', s, :'role') from unnest(array[:schemas]) s \gexec
select format('alter default privileges in schema %I grant select on tables to %I', s, :'role') from unnest(array[:schemas]) s \gexec
