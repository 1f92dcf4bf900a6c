-- One search as the server sends it for the supervisor (see explain_lists.sql), with the
-- psql variables term (the search term), state_filter (SQL, or TRUE) and page (the
-- search's limit: 51 when the text is the only filter, NULL otherwise).
SELECT "cases"."id", "cases"."reference", "cases"."title", "cases"."summary", "cases"."source", "cases"."category", "cases"."received_at", "cases"."came_to_attention_at", "cases"."state", "cases"."suspended_from", "cases"."closure_reason", "cases"."restricted", "cases"."assigned_investigator_id", "cases"."created_by", "cases"."flagged", "cases"."flag_reasons", "cases"."version", "cases"."created_at", "cases"."updated_at"
FROM "cases"
WHERE (((NOT cases.restricted OR cases.assigned_investigator_id = :'me' OR EXISTS (SELECT 1 FROM probity_caller_memberships vm WHERE vm.case_id = cases.id AND vm.user_id = :'me' OFFSET 0))
         AND NOT COALESCE(cases.id = ANY ((SELECT CASE WHEN :'me'::uuid = (SELECT current_setting('probity.user_id')::uuid) THEN (SELECT array_agg(case_id) FROM probity_caller_conflicts) ELSE probity_not_the_caller() END)::uuid[]), FALSE))
       AND :state_filter
       AND cases.id IN (SELECT probity_search_cases(websearch_to_tsquery('english', :'term'), 'received_at', true, NULL, NULL, :page)))
ORDER BY "cases"."received_at" DESC, "cases"."id" DESC LIMIT 51 \g /dev/null
