DROP TRIGGER decisions_twelve_month_reports ON decisions;
DROP FUNCTION cases_twelve_month_reports_count();
ALTER TABLE cases DROP COLUMN twelve_month_reports;
