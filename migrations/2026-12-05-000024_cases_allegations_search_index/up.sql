-- The allegation vector kept on each case row is indexed like the title and summary vector:
-- a search for a rare word finds its cases through the indexes instead of reading every case
-- in the list's order. The search function that uses both (installed with the access policy,
-- `probity_search_cases`) reads them past the row-level policies, where an index can serve a
-- text match; under the policies none can (`@@` is not leakproof).
CREATE INDEX cases_allegations_search_idx ON cases USING gin (allegations_search);
