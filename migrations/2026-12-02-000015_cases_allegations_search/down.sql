CREATE INDEX allegations_search_idx ON allegations USING gin (to_tsvector('english', description));
DROP TRIGGER allegations_search_refresh ON allegations;
DROP FUNCTION cases_allegations_search_refresh();
ALTER TABLE cases DROP COLUMN allegations_search;
