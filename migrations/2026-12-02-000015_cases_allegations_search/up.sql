-- Case lists filtered by `q` also match the descriptions of a case's allegations. They are
-- matched against a tsvector kept on the case row (maintained by a trigger whenever an
-- allegation is written), not by a subquery on `allegations` for every case a list walks:
-- under row-level security no index can serve such a subquery (a text-search match is not
-- leakproof, so PostgreSQL must check the allegation's policy first), and the list would
-- read every allegation. A case row the list reads anyway carries both vectors.
ALTER TABLE cases ADD COLUMN allegations_search tsvector NOT NULL DEFAULT ''::tsvector;

CREATE FUNCTION cases_allegations_search_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases SET allegations_search = (
        SELECT to_tsvector('english', coalesce(string_agg(a.description, ' ' ORDER BY a.created_at, a.id), ''))
        FROM allegations a WHERE a.case_id = NEW.case_id)
    WHERE id = NEW.case_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER allegations_search_refresh
    AFTER INSERT OR UPDATE OF description ON allegations
    FOR EACH ROW EXECUTE FUNCTION cases_allegations_search_refresh();

UPDATE cases c SET allegations_search = s.v
FROM (SELECT case_id, to_tsvector('english', string_agg(description, ' ' ORDER BY created_at, id)) AS v
      FROM allegations GROUP BY case_id) AS s
WHERE s.case_id = c.id;

-- Nothing searches allegations on their own any more.
DROP INDEX allegations_search_idx;
