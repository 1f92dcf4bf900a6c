DROP INDEX cases_search_idx;
ALTER TABLE cases DROP COLUMN search;
CREATE INDEX cases_search_idx ON cases USING gin (to_tsvector('english', title || ' ' || summary));
