-- The roles stay: they belong to the cluster, and other databases may use them.
DO $$
DECLARE
    t text;
    p record;
BEGIN
    -- The policies and functions `probity migrate` installed (src/auth/access/wall.rs).
    FOR p IN SELECT policyname, tablename FROM pg_policies WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP POLICY %I ON %I', p.policyname, p.tablename);
    END LOOP;
    FOR p IN SELECT oid::regprocedure AS f FROM pg_proc
             WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'probity\_%' LOOP
        EXECUTE format('DROP FUNCTION %s CASCADE', p.f); -- with its triggers
    END LOOP;
    FOREACH t IN ARRAY ARRAY['cases', 'parties', 'allegations', 'notes', 'decisions',
        'case_members', 'tasks', 'documents', 'proceedings', 'outcomes', 'list_reports',
        'publications', 'public_reports', 'audit_events']
    LOOP
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END;
$$;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM probity_tables, probity_runtime;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM probity_tables, probity_runtime;
REVOKE USAGE ON SCHEMA public FROM probity_tables, probity_runtime;
DROP TABLE access_policy_installed;
