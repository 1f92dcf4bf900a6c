-- What a case holds: allegations against subjects, parties, notes and decisions.
CREATE TABLE allegations (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    subject_id      uuid NOT NULL REFERENCES subjects (id),
    standard        text NOT NULL CHECK (standard IN ('honesty_and_integrity', 'authority_respect_and_courtesy', 'equality_and_diversity', 'use_of_force', 'orders_and_instructions', 'duties_and_responsibilities', 'confidentiality', 'fitness_for_work', 'discreditable_conduct', 'challenging_and_reporting_improper_conduct')),
    category        text NOT NULL CHECK (category IN ('apsp', 'other_abuse_of_position', 'corruption', 'discrimination', 'use_of_force', 'dishonesty', 'other')),
    description     text NOT NULL,
    conduct_from    date,
    conduct_to      date,
    warning_signs   text[] NOT NULL DEFAULT '{}',
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CHECK (conduct_to IS NULL OR conduct_from IS NULL OR conduct_to >= conduct_from)
);
CREATE INDEX allegations_case_idx ON allegations (case_id);
CREATE INDEX allegations_subject_idx ON allegations (subject_id, created_at);
CREATE INDEX allegations_search_idx ON allegations USING gin (to_tsvector('english', description));

-- Complainants, victims, witnesses: the most sensitive data held.
CREATE TABLE parties (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    role            text NOT NULL CHECK (role IN ('complainant', 'victim', 'witness', 'other')),
    name            text NOT NULL,
    email           text,
    phone           text,
    address         text,
    date_of_birth   date,
    vulnerability_factors text[] NOT NULL DEFAULT '{}',
    notes           text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX parties_case_idx ON parties (case_id);

-- The case log: append-only; a correction is a new note pointing at the one it corrects.
CREATE TABLE notes (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    author_id       uuid NOT NULL REFERENCES users (id),
    body            text NOT NULL,
    corrects_id     uuid REFERENCES notes (id),
    created_at      timestamptz NOT NULL
);
CREATE INDEX notes_case_idx ON notes (case_id, created_at);

-- Decisions with their rationale: append-only. A later decision of the same kind for the
-- same subject supersedes the earlier one; both stay.
CREATE TABLE decisions (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    kind            text NOT NULL CHECK (kind IN ('severity_assessment', 'iopc_referral', 'reg17_notice', 'final_report', 'case_to_answer', 'twelve_month_report')),
    subject_id      uuid REFERENCES subjects (id),
    details         jsonb NOT NULL,
    rationale       text NOT NULL,
    author_id       uuid NOT NULL REFERENCES users (id),
    supersedes_id   uuid REFERENCES decisions (id),
    created_at      timestamptz NOT NULL
);
CREATE INDEX decisions_case_idx ON decisions (case_id, kind, subject_id, created_at);

-- Notes and decisions are the record of what was known and decided: never rewritten.
CREATE FUNCTION case_record_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % rejected', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER notes_append_only BEFORE UPDATE OR DELETE ON notes
    FOR EACH ROW EXECUTE FUNCTION case_record_reject_change();
CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION case_record_reject_change();
