-- The registry of officers and staff who are, or have been, the subject of an allegation.
-- One person is one row across all cases: that is what makes repeated allegations visible.
CREATE TABLE subjects (
    id              uuid PRIMARY KEY,
    force           text NOT NULL,
    collar_number   text NOT NULL,
    name            text NOT NULL,
    rank            text,
    user_id         uuid REFERENCES users (id),
    flagged         boolean NOT NULL DEFAULT false,
    flag_reasons    jsonb NOT NULL DEFAULT '[]',
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
-- Collar and payroll numbers are compared without regard to case or surrounding space.
CREATE UNIQUE INDEX subjects_force_collar_key ON subjects (lower(force), lower(collar_number));
CREATE UNIQUE INDEX subjects_user_id_key ON subjects (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX subjects_flagged_idx ON subjects (id) WHERE flagged;
