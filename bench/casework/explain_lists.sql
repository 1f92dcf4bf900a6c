-- EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) of the list queries the benchmark measures, as the
-- server sends them for the supervisor (src/db/cases.rs `list` with the access predicate of
-- src/auth/access/sql.rs; parameters written in, `now()` for the request time), in a
-- transaction that names its caller as the server does, so the plans include the row-level
-- policies (unless bench/casework/run turned them off). Run by load.py after the read phases;
-- the output goes to bench/out/casework-explain.txt. TIMING OFF: per-node timing costs a clock
-- read per row and loop, which on a virtual machine can triple the run time of a plan with
-- tens of thousands of subplan loops; row counts and loops are what the plans are read for.
--
-- A search takes its ids from `probity_search_cases` (src/auth/access/wall.rs), whose own
-- statement is dynamic SQL inside the function: EXPLAIN cannot show it, so the searches run
-- under auto_explain (nested statements included; the bench connects as a superuser), which
-- sends each plan to this client as a LOG message: the list's plan, then the search's.
-- psql variables: me (the supervisor's user id), q and q_rare (the search terms).
\set ON_ERROR_STOP 1
SET TIME ZONE 'UTC';
SET jit = off;
\pset pager off
LOAD 'auto_explain';
SET auto_explain.log_min_duration = -1;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_buffers = on;
SET client_min_messages = log;
BEGIN;
SELECT set_config('role', 'probity_supervisor', true), set_config('probity.user_id', :'me', true) \g /dev/null

\echo '==== GET /api/v1/cases?state=investigation&category=apsp&limit=50'
EXPLAIN (ANALYZE, BUFFERS, TIMING OFF)
SELECT "cases"."id", "cases"."reference", "cases"."title", "cases"."summary", "cases"."source", "cases"."category", "cases"."received_at", "cases"."came_to_attention_at", "cases"."state", "cases"."suspended_from", "cases"."closure_reason", "cases"."restricted", "cases"."assigned_investigator_id", "cases"."created_by", "cases"."flagged", "cases"."flag_reasons", "cases"."version", "cases"."created_at", "cases"."updated_at"
FROM "cases"
WHERE ((((NOT cases.restricted OR cases.assigned_investigator_id = :'me' OR EXISTS (SELECT 1 FROM probity_caller_memberships vm WHERE vm.case_id = cases.id AND vm.user_id = :'me' OFFSET 0))
          AND NOT COALESCE(cases.id = ANY ((SELECT CASE WHEN :'me'::uuid = (SELECT current_setting('probity.user_id')::uuid) THEN (SELECT array_agg(case_id) FROM probity_caller_conflicts) ELSE probity_not_the_caller() END)::uuid[]), FALSE))
        AND ("cases"."state" = 'investigation')) AND ("cases"."category" = 'apsp'))
ORDER BY "cases"."received_at" DESC, "cases"."id" DESC LIMIT 51;

\echo '==== GET /api/v1/cases?overdue=true&limit=50'
EXPLAIN (ANALYZE, BUFFERS, TIMING OFF)
SELECT "cases"."id", "cases"."reference", "cases"."title", "cases"."summary", "cases"."source", "cases"."category", "cases"."received_at", "cases"."came_to_attention_at", "cases"."state", "cases"."suspended_from", "cases"."closure_reason", "cases"."restricted", "cases"."assigned_investigator_id", "cases"."created_by", "cases"."flagged", "cases"."flag_reasons", "cases"."version", "cases"."created_at", "cases"."updated_at"
FROM "cases"
WHERE (((NOT cases.restricted OR cases.assigned_investigator_id = :'me' OR EXISTS (SELECT 1 FROM probity_caller_memberships vm WHERE vm.case_id = cases.id AND vm.user_id = :'me' OFFSET 0))
         AND NOT COALESCE(cases.id = ANY ((SELECT CASE WHEN :'me'::uuid = (SELECT current_setting('probity.user_id')::uuid) THEN (SELECT array_agg(case_id) FROM probity_caller_conflicts) ELSE probity_not_the_caller() END)::uuid[]), FALSE))
       AND (cases.state <> 'closed' AND cases.came_to_attention_at < now() - make_interval(months => 12) AND now() > cases.came_to_attention_at + make_interval(months => 12 + 6 * cases.twelve_month_reports)))
ORDER BY "cases"."received_at" DESC, "cases"."id" DESC LIMIT 51;
ROLLBACK;

-- The searches, each statement's plan logged (set outside the caller's transaction: only a
-- superuser may).
SET auto_explain.log_min_duration = 0;
BEGIN;
SELECT set_config('role', 'probity_supervisor', true), set_config('probity.user_id', :'me', true) \g /dev/null

\set title '==== GET /api/v1/cases?q=' :q '&limit=50 (the text alone: the search stops at the page)'
\echo :title
\set term :q
\set state_filter TRUE
\set page 51
\ir explain_search.sql

\set title '==== GET /api/v1/cases?q=' :q_rare '&limit=50'
\echo :title
\set term :q_rare
\ir explain_search.sql

\set title '==== GET /api/v1/cases?q=' :q '&state=investigation&limit=50 (not timed: with another filter the search finds every match)'
\echo :title
\set term :q
\set state_filter '("cases"."state" = \'investigation\')'
\set page NULL
\ir explain_search.sql
ROLLBACK;
