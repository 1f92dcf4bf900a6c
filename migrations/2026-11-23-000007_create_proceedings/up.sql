-- Misconduct meetings and hearings, their outcomes per subject, and the reports of
-- dismissed (barred list) or departed (advisory list) officers to the College of Policing.
CREATE TABLE proceedings (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    kind            text NOT NULL CHECK (kind IN ('misconduct_meeting', 'misconduct_hearing', 'accelerated_hearing')),
    subject_ids     uuid[] NOT NULL CHECK (cardinality(subject_ids) > 0),
    scheduled_for   timestamptz NOT NULL,
    venue           text NOT NULL,
    chair           text NOT NULL,
    panel           text[] NOT NULL DEFAULT '{}',
    public          boolean NOT NULL,
    status          text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    cancelled_reason text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX proceedings_case_idx ON proceedings (case_id);

CREATE TABLE outcomes (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    proceeding_id   uuid NOT NULL REFERENCES proceedings (id),
    subject_id      uuid NOT NULL REFERENCES subjects (id),
    finding         text NOT NULL CHECK (finding IN ('misconduct_proven', 'gross_misconduct_proven', 'not_proven')),
    action          text NOT NULL CHECK (action IN ('no_further_action', 'written_warning', 'final_written_warning', 'reduction_in_rank', 'dismissal_without_notice', 'referred_to_rprp')),
    rationale       text NOT NULL,
    recorded_by     uuid NOT NULL REFERENCES users (id),
    decided_on      date NOT NULL,
    created_at      timestamptz NOT NULL,
    UNIQUE (proceeding_id, subject_id)
);
CREATE INDEX outcomes_case_idx ON outcomes (case_id);
CREATE INDEX outcomes_subject_idx ON outcomes (subject_id, action, decided_on);

CREATE TABLE list_reports (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    subject_id      uuid NOT NULL REFERENCES subjects (id),
    list            text NOT NULL CHECK (list IN ('barred', 'advisory')),
    reported_on     date NOT NULL,
    due_by          date,
    recorded_by     uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    UNIQUE (case_id, subject_id, list)
);

-- Outcomes and list reports are the record of what was decided and reported: never rewritten.
CREATE TRIGGER outcomes_append_only BEFORE UPDATE OR DELETE ON outcomes
    FOR EACH ROW EXECUTE FUNCTION case_record_reject_change();
CREATE TRIGGER list_reports_append_only BEFORE UPDATE OR DELETE ON list_reports
    FOR EACH ROW EXECUTE FUNCTION case_record_reject_change();
