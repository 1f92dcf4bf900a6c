-- The overdue list counted each case's 12-month reports with a subquery for every case it
-- walked. Under row-level security each decision row that subquery read asked the policy on
-- `decisions` (a function call per row), which made the overdue list the slowest list under
-- the policies. The count is kept on the case row instead (decisions are only ever inserted),
-- as the search vectors are; it is left out of the diesel schema: only the list filter reads it.
ALTER TABLE cases ADD COLUMN twelve_month_reports integer NOT NULL DEFAULT 0;

CREATE FUNCTION cases_twelve_month_reports_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases SET twelve_month_reports = twelve_month_reports + 1 WHERE id = NEW.case_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER decisions_twelve_month_reports
    AFTER INSERT ON decisions
    FOR EACH ROW WHEN (NEW.kind = 'twelve_month_report')
    EXECUTE FUNCTION cases_twelve_month_reports_count();

UPDATE cases c SET twelve_month_reports = d.n
FROM (SELECT case_id, count(*)::int AS n FROM decisions
      WHERE kind = 'twelve_month_report' GROUP BY case_id) AS d
WHERE d.case_id = c.id;
