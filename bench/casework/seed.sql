-- Seeds the casework benchmark database with SQL only (no audit events: the audit chains
-- stay verifiable because nothing is written to audit_events by hand).
--
-- psql variables (all required):
--   total          cases (e.g. 100000)
--   supervisor_id  the supervisor who created the cases and made the decisions
--   inv1 .. inv4   investigators the later-stage cases are assigned to
--
-- Case g has id md5('case-' || g)::uuid, g = 1..total. The cases the transitions move are
-- added later by seed_pools.sql, after the reads are measured.
-- Random choices are reproducible (setseed), `now()` is the time of the run.
\set ON_ERROR_STOP 1

BEGIN;
SELECT setseed(0.4242);

-- Vocabularies: places, names, ranks, forces, categories, sources, standards, settings.
\ir vocabulary.sql

-- Subjects: about one per three cases.
INSERT INTO subjects (id, force, collar_number, name, rank, flagged, flag_reasons, version,
                      created_at, updated_at)
SELECT md5('subject-' || s)::uuid,
       w.forces[1 + floor(random() * array_length(w.forces, 1))::int],
       lpad(s::text, 6, '0'),
       w.forenames[1 + floor(random() * array_length(w.forenames, 1))::int] || ' ' ||
           w.surnames[1 + floor(random() * array_length(w.surnames, 1))::int],
       w.ranks[1 + floor(random() * array_length(w.ranks, 1))::int],
       false, '[]', 1, t, t
FROM w, generate_series(1, (:total + 2) / 3) AS s,
     LATERAL (SELECT now() - random() * interval '1461 days' AS t WHERE s IS NOT NULL) AS x;

-- One subject is also a member of staff with an account (the account's staff identity is
-- the subject's force and collar number): the need-to-know predicate has something to find
-- (that investigator must not see the cases about them).
UPDATE users SET force = s.force, collar_number = s.collar_number
FROM subjects s WHERE s.id = md5('subject-1')::uuid AND users.id = :'inv4';

-- The cases, first as a working table so references can be numbered per year.
CREATE TEMP TABLE sc ON COMMIT DROP AS
SELECT kind, n, id, received_at,
       received_at - CASE WHEN r_came < 0.7 THEN interval '0' ELSE random() * interval '20 days' END
           AS came_to_attention_at,
       -- before the audit log's signing began (migration 21's from_time): these cases were
       -- written past the application, like data from before it, and have no chain
       least(received_at + random() * interval '3 days', now() - interval '1 hour') AS created_at,
       age_frac, r_state, r_open
FROM (
    SELECT 'case' AS kind, g AS n, md5('case-' || g)::uuid AS id,
           now() - a * interval '1096 days' AS received_at, a AS age_frac,
           random() AS r_state, random() AS r_open, random() AS r_came
    FROM generate_series(1, :total) AS g,
         LATERAL (SELECT random() AS a WHERE g IS NOT NULL) AS x
) AS raw;

-- State: the older a case, the likelier it is closed; recent open cases are early in the
-- workflow.
ALTER TABLE sc ADD COLUMN state text, ADD COLUMN year int, ADD COLUMN number int;
UPDATE sc SET state = CASE
    WHEN r_state < 0.8 * age_frac THEN 'closed'
    WHEN age_frac < 0.03 THEN CASE WHEN r_open < 0.3 THEN 'intake'
                                   WHEN r_open < 0.7 THEN 'assessment'
                                   ELSE 'investigation' END
    ELSE CASE WHEN r_open < 0.02 THEN 'intake'
              WHEN r_open < 0.10 THEN 'assessment'
              WHEN r_open < 0.55 THEN 'investigation'
              WHEN r_open < 0.70 THEN 'decision'
              WHEN r_open < 0.80 THEN 'proceedings'
              WHEN r_open < 0.88 THEN 'outcome'
              ELSE 'suspended' END
    END,
    year = extract(year FROM created_at AT TIME ZONE 'UTC')::int;
UPDATE sc SET number = x.rn
FROM (SELECT id, row_number() OVER (PARTITION BY year ORDER BY created_at, id) AS rn FROM sc) AS x
WHERE x.id = sc.id;

INSERT INTO cases (id, reference, title, summary, source, category, received_at,
                   came_to_attention_at, state, suspended_from, closure_reason, restricted,
                   assigned_investigator_id, created_by, flagged, flag_reasons, version,
                   created_at, updated_at)
SELECT sc.id,
       format('PSD-%s-%s', lpad(sc.year::text, 4, '0'), lpad(sc.number::text, 6, '0')),
       t.category_title || ', ' || t.place,
       t.opening || ' ' || t.setting || ' in ' || t.place || '. The complainant, ' ||
           t.complainant || ', reported it on ' || to_char(sc.received_at, 'DD Mon YYYY') ||
           '. Officer ' || t.officer || ' is named.',
       w.sources[1 + floor(random() * array_length(w.sources, 1))::int],
       t.category,
       sc.received_at, sc.came_to_attention_at,
       sc.state,
       CASE WHEN sc.state = 'suspended'
            THEN (ARRAY['assessment','investigation','investigation','decision'])[1 + floor(random() * 4)::int]
       END,
       CASE WHEN sc.state = 'closed'
            THEN (ARRAY['no_further_action','no_further_action','rprp','withdrawn'])[1 + floor(random() * 4)::int]
       END,
       random() < 0.02,
       CASE WHEN sc.state IN ('intake', 'assessment') THEN NULL
            ELSE (ARRAY[:'inv1', :'inv2', :'inv3', :'inv4']::uuid[])[1 + floor(random() * 4)::int]
       END,
       :'supervisor_id', false, '[]', 1,
       sc.created_at, sc.created_at
FROM sc, w,
     LATERAL (SELECT
         w.categories[1 + floor(random() * array_length(w.categories, 1) + 0 * sc.n)::int] AS category,
         w.places[1 + floor(random() * array_length(w.places, 1) + 0 * sc.n)::int] AS place,
         w.settings[1 + floor(random() * array_length(w.settings, 1) + 0 * sc.n)::int] AS setting,
         w.openings[1 + floor(random() * array_length(w.openings, 1) + 0 * sc.n)::int] AS opening,
         w.forenames[1 + floor(random() * array_length(w.forenames, 1) + 0 * sc.n)::int] || ' ' ||
             w.surnames[1 + floor(random() * array_length(w.surnames, 1) + 0 * sc.n)::int] AS complainant,
         w.surnames[1 + floor(random() * array_length(w.surnames, 1) + 0 * sc.n)::int] AS officer
     ) AS t0,
     LATERAL (SELECT t0.*, CASE t0.category
         WHEN 'apsp' THEN 'Abuse of position for a sexual purpose'
         WHEN 'other_abuse_of_position' THEN 'Abuse of position'
         WHEN 'corruption' THEN 'Corruption concern'
         WHEN 'discrimination' THEN 'Discrimination complaint'
         WHEN 'use_of_force' THEN 'Use of force complaint'
         WHEN 'dishonesty' THEN 'Dishonesty allegation'
         ELSE 'Conduct matter' END AS category_title) AS t;

-- Reference counters: the app continues numbering after the seeded references.
INSERT INTO case_reference_counters (year, last_number)
SELECT year, max(number) FROM sc GROUP BY year
ON CONFLICT (year) DO UPDATE SET last_number = greatest(case_reference_counters.last_number, EXCLUDED.last_number);

-- Restricted cases: the supervisor is a named member of about half of them (the others are
-- out of the supervisor's sight).
INSERT INTO case_members (case_id, user_id, added_at)
SELECT id, :'supervisor_id', created_at FROM cases WHERE restricted AND random() < 0.5;

-- Allegations: one or two per case, each against a subject. The trigger that keeps each
-- case's allegation search vector is off while they are inserted in bulk; the vectors are
-- computed once at the end, as the trigger would have left them.
ALTER TABLE allegations DISABLE TRIGGER allegations_search_refresh;
INSERT INTO allegations (id, case_id, subject_id, standard, category, description,
                         conduct_from, conduct_to, warning_signs, version, created_at, updated_at)
SELECT md5('allegation-' || c.id || '-' || i)::uuid,
       c.id,
       md5('subject-' || (1 + floor(random() * ((:total + 2) / 3))::int))::uuid,
       w.standards[1 + floor(random() * array_length(w.standards, 1))::int],
       CASE WHEN random() < 0.85 THEN c.category
            ELSE w.categories[1 + floor(random() * array_length(w.categories, 1))::int] END,
       'It is alleged that the officer acted improperly ' ||
           w.settings[1 + floor(random() * array_length(w.settings, 1))::int] || ' near ' ||
           w.places[1 + floor(random() * array_length(w.places, 1))::int] || ', involving ' ||
           w.forenames[1 + floor(random() * array_length(w.forenames, 1))::int] || ' ' ||
           w.surnames[1 + floor(random() * array_length(w.surnames, 1))::int] || '.',
       (c.received_at - random() * interval '90 days')::date,
       NULL, '{}', 1, c.created_at, c.created_at
FROM cases c
CROSS JOIN w
CROSS JOIN LATERAL generate_series(1, CASE WHEN c.id IS NULL OR random() < 0.6 THEN 1 ELSE 2 END) AS i;

UPDATE cases c SET allegations_search = s.v
FROM (SELECT case_id, to_tsvector('english', string_agg(description, ' ' ORDER BY created_at, id)) AS v
      FROM allegations GROUP BY case_id) AS s
WHERE s.case_id = c.id;
ALTER TABLE allegations ENABLE TRIGGER allegations_search_refresh;

-- Decisions on cases past assessment: a severity assessment per subject, an IOPC referral
-- for APSP, a final report from `decision` on, and 12-month reports on old open cases.
INSERT INTO decisions (id, case_id, kind, subject_id, details, rationale, author_id, created_at)
SELECT md5('severity-' || a.case_id || '-' || a.subject_id)::uuid, a.case_id, 'severity_assessment',
       a.subject_id,
       jsonb_build_object('severity', (ARRAY['misconduct','misconduct','gross_misconduct',
           'practice_requiring_improvement','no_case'])[1 + floor(random() * 5)::int]),
       'Assessed on the available material.', :'supervisor_id',
       least(c.created_at + interval '14 days', now())
FROM (SELECT DISTINCT case_id, subject_id FROM allegations) AS a
JOIN cases c ON c.id = a.case_id
WHERE c.state IN ('investigation', 'decision', 'proceedings', 'outcome', 'suspended')
   OR (c.state = 'closed' AND random() < 0.5);

INSERT INTO decisions (id, case_id, kind, subject_id, details, rationale, author_id, created_at)
SELECT md5('iopc-' || c.id)::uuid, c.id, 'iopc_referral', NULL,
       jsonb_build_object('referred_at', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                          'mode', (ARRAY['local','local','directed','independent'])[1 + floor(random() * 4)::int]),
       'Mandatory referral.', :'supervisor_id', t
FROM cases c, LATERAL (SELECT least(c.created_at + interval '7 days', now()) AS t) AS x
WHERE c.category = 'apsp' AND c.state NOT IN ('intake', 'assessment');

INSERT INTO decisions (id, case_id, kind, subject_id, details, rationale, author_id, created_at)
SELECT md5('final-' || c.id)::uuid, c.id, 'final_report', NULL,
       jsonb_build_object('summary', 'Investigation complete.',
                          'submitted_at', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
       'Final report submitted.', :'supervisor_id', t
FROM cases c, LATERAL (SELECT least(c.created_at + interval '120 days', now()) AS t) AS x
WHERE c.state IN ('decision', 'proceedings', 'outcome');

INSERT INTO decisions (id, case_id, kind, subject_id, details, rationale, author_id, created_at)
SELECT md5('report-' || c.id || '-' || r)::uuid, c.id, 'twelve_month_report', NULL,
       jsonb_build_object('reported_at', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
       'Report sent to the PCC and the IOPC.', :'supervisor_id', t
FROM cases c
CROSS JOIN LATERAL generate_series(1, CASE WHEN c.id IS NULL THEN 0 ELSE floor(random() * 3)::int END) AS r
CROSS JOIN LATERAL (SELECT c.came_to_attention_at + make_interval(months => 12 + 6 * (r - 1)) AS t) AS x
WHERE c.state NOT IN ('closed', 'intake') AND t < now();

COMMIT;

-- VACUUM as well: the visibility map is set (index-only scans as on a settled database) and
-- autovacuum has no reason to start on these tables during the measurements.
VACUUM ANALYZE;
