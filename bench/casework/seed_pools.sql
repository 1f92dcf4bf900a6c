-- Adds the cases the transition phases move, after the reads have been measured on the
-- seeded cases alone (so these extra intake cases do not change what the reads find).
--
-- psql variables: api_pool, pg_pool, supervisor_id.
--   md5('api-' || k)::uuid, k = 1..api_pool: moved through the API
--   md5('pg-'  || k)::uuid, k = 1..pg_pool:  moved by pgbench
-- Each is in `intake`, received in the last 60 days, unrestricted and unassigned, with exactly
-- one allegation against an existing subject, so `intake -> assessment` is allowed. Their
-- references continue this year's numbering and the counter is advanced past them.
\set ON_ERROR_STOP 1

BEGIN;
SELECT setseed(0.1717);

CREATE TEMP TABLE pool ON COMMIT DROP AS
SELECT p.id, p.received_at, least(p.received_at + interval '2 hours', now() - interval '1 hour') AS created_at,
       row_number() OVER (ORDER BY p.received_at, p.id) AS rn
FROM (
    SELECT md5('api-' || k)::uuid AS id, now() - random() * interval '60 days' AS received_at
    FROM generate_series(1, :api_pool) AS k
    UNION ALL
    SELECT md5('pg-' || k)::uuid, now() - random() * interval '60 days'
    FROM generate_series(1, :pg_pool) AS k
) AS p;

INSERT INTO case_reference_counters (year, last_number)
VALUES (extract(year FROM now() AT TIME ZONE 'UTC')::int, 0)
ON CONFLICT (year) DO NOTHING;

INSERT INTO cases (id, reference, title, summary, source, category, received_at,
                   came_to_attention_at, state, restricted, created_by, flagged, flag_reasons,
                   version, created_at, updated_at)
SELECT pool.id,
       format('PSD-%s-%s', c.year, lpad((c.last_number + pool.rn)::text, 6, '0')),
       'Complaint received, awaiting assessment',
       'Complaint that the officer was rude and dismissive during a roads policing stop in Dover.',
       'public_report',
       (ARRAY['use_of_force','discrimination','dishonesty','other'])[1 + floor(random() * 4)::int],
       pool.received_at, pool.received_at, 'intake', false, :'supervisor_id', false, '[]', 1,
       pool.created_at, pool.created_at
FROM pool
JOIN case_reference_counters c ON c.year = extract(year FROM now() AT TIME ZONE 'UTC')::int;

UPDATE case_reference_counters SET last_number = last_number + (SELECT count(*) FROM pool)
WHERE year = extract(year FROM now() AT TIME ZONE 'UTC')::int;

-- The allegation search vectors are set in bulk afterwards (as in seed.sql).
ALTER TABLE allegations DISABLE TRIGGER allegations_search_refresh;
INSERT INTO allegations (id, case_id, subject_id, standard, category, description,
                         conduct_from, warning_signs, version, created_at, updated_at)
SELECT md5('allegation-' || pool.id)::uuid, pool.id,
       md5('subject-' || (1 + floor(random() * s.n))::int)::uuid,
       'authority_respect_and_courtesy', 'other',
       'It is alleged that the officer was rude to the driver.',
       pool.received_at::date, '{}', 1, pool.created_at, pool.created_at
FROM pool, (SELECT count(*) AS n FROM subjects) AS s;
UPDATE cases c SET allegations_search = to_tsvector('english', a.description)
FROM allegations a, pool WHERE a.case_id = pool.id AND c.id = pool.id;
ALTER TABLE allegations ENABLE TRIGGER allegations_search_refresh;

-- A real case has its audit chain from the moment it is recorded (`case.created`): give these
-- cases theirs, so an append finds the chain as it would in use. Chains without events verify.
INSERT INTO audit_chains (id, case_id) SELECT id::text, id FROM pool;

COMMIT;

-- VACUUM as well, so autovacuum does not start on these tables during the transitions.
VACUUM ANALYZE cases;
VACUUM ANALYZE allegations;
VACUUM ANALYZE audit_chains;
