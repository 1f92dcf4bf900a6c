-- Back to messages: one per code (and subject, on a case), at the last time it fired. The
-- counts were never stored as facts, so the messages say only which code fired.
UPDATE subjects s
SET flag_reasons = (
    SELECT COALESCE(jsonb_agg(jsonb_build_object(
               'code', f.value->>'code',
               'message', s.name || ' (' || s.force || ' ' || s.collar_number
                   || ') was flagged by the early warning (' || (f.value->>'code') || ').',
               'flagged_at', f.value->'last_flagged_at') ORDER BY f.ordinality), '[]'::jsonb)
    FROM jsonb_array_elements(s.flag_reasons) WITH ORDINALITY f
)
WHERE s.flag_reasons <> '[]'::jsonb;

UPDATE cases c
SET flag_reasons = (
    SELECT COALESCE(jsonb_agg(jsonb_build_object(
               'code', f.value->>'code',
               'message', s.name || ' (' || s.force || ' ' || s.collar_number
                   || ') was flagged by the early warning (' || (f.value->>'code') || ').',
               'flagged_at', f.value->'last_flagged_at') ORDER BY f.ordinality), '[]'::jsonb)
    FROM jsonb_array_elements(c.flag_reasons) WITH ORDINALITY f
    JOIN subjects s ON s.id = (f.value->>'subject_id')::uuid
)
WHERE c.flag_reasons <> '[]'::jsonb;
