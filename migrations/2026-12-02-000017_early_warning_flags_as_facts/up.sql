-- The early warning stores facts, not messages. The messages it stored counted allegations and
-- named their category in cases a reader might not see, and, compared by their text, grew by
-- one on every allegation that changed a count. `flag_reasons` now holds, one entry per code
-- (moved on in place), what does not depend on the reader:
--   on a subject: [{"code", "first_flagged_at", "last_flagged_at"}]
--   on a case:    [{"subject_id", "code", "first_flagged_at", "last_flagged_at"}]
-- and the reasons a reader is given are written for them when they read.

UPDATE subjects s
SET flag_reasons = (
    SELECT COALESCE(jsonb_agg(jsonb_build_object(
               'code', e.code,
               'first_flagged_at', e.first_at,
               'last_flagged_at', e.last_at) ORDER BY e.pos), '[]'::jsonb)
    FROM (SELECT r.value->>'code' AS code,
                 min((r.value->>'flagged_at')::timestamptz) AS first_at,
                 max((r.value->>'flagged_at')::timestamptz) AS last_at,
                 min(r.ordinality) AS pos
          FROM jsonb_array_elements(s.flag_reasons) WITH ORDINALITY r
          GROUP BY r.value->>'code') e
)
WHERE s.flag_reasons <> '[]'::jsonb;

-- A case's messages named the subject ("<name> (<force> <collar number>) has ..."): each is
-- given to the subject of the case it names, or, if it names none of them, to each subject
-- with an allegation on the case.
UPDATE cases c
SET flag_reasons = (
    SELECT COALESCE(jsonb_agg(jsonb_build_object(
               'subject_id', e.subject_id,
               'code', e.code,
               'first_flagged_at', e.first_at,
               'last_flagged_at', e.last_at) ORDER BY e.pos, e.subject_id), '[]'::jsonb)
    FROM (SELECT s.id AS subject_id,
                 r.value->>'code' AS code,
                 min((r.value->>'flagged_at')::timestamptz) AS first_at,
                 max((r.value->>'flagged_at')::timestamptz) AS last_at,
                 min(r.ordinality) AS pos
          FROM jsonb_array_elements(c.flag_reasons) WITH ORDINALITY r
          JOIN subjects s
            ON s.id IN (SELECT a.subject_id FROM allegations a WHERE a.case_id = c.id)
           AND (starts_with(r.value->>'message', s.name || ' (' || s.force || ' ' || s.collar_number || ') ')
                OR NOT EXISTS (
                    SELECT 1 FROM allegations a2 JOIN subjects s2 ON s2.id = a2.subject_id
                    WHERE a2.case_id = c.id
                      AND starts_with(r.value->>'message',
                                      s2.name || ' (' || s2.force || ' ' || s2.collar_number || ') ')))
          GROUP BY s.id, r.value->>'code') e
)
WHERE c.flag_reasons <> '[]'::jsonb;
