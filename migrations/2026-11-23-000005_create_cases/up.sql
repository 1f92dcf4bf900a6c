-- Cases and their per-year reference numbers (PSD-2026-000123).
CREATE TABLE case_reference_counters (
    year            integer PRIMARY KEY,
    last_number     integer NOT NULL
);

CREATE TABLE cases (
    id                      uuid PRIMARY KEY,
    reference               text NOT NULL UNIQUE,
    title                   text NOT NULL,
    summary                 text NOT NULL,
    source                  text NOT NULL CHECK (source IN ('public_report', 'internal_referral', 'intelligence', 'anonymous', 'iopc', 'other_force', 'other')),
    category                text NOT NULL CHECK (category IN ('apsp', 'other_abuse_of_position', 'corruption', 'discrimination', 'use_of_force', 'dishonesty', 'other')),
    received_at             timestamptz NOT NULL,
    came_to_attention_at    timestamptz NOT NULL,
    state                   text NOT NULL CHECK (state IN ('intake', 'assessment', 'investigation', 'decision', 'proceedings', 'outcome', 'closed', 'suspended')),
    -- The state a suspended case returns to when it resumes.
    suspended_from          text CHECK (suspended_from IN ('intake', 'assessment', 'investigation', 'decision', 'proceedings', 'outcome')),
    closure_reason          text CHECK (closure_reason IN ('no_further_action', 'rprp', 'withdrawn')),
    restricted              boolean NOT NULL DEFAULT false,
    assigned_investigator_id uuid REFERENCES users (id),
    created_by              uuid NOT NULL REFERENCES users (id),
    flagged                 boolean NOT NULL DEFAULT false,
    flag_reasons            jsonb NOT NULL DEFAULT '[]',
    version                 integer NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    CHECK ((state = 'suspended') = (suspended_from IS NOT NULL))
);
CREATE INDEX cases_state_idx ON cases (state, received_at DESC, id);
CREATE INDEX cases_received_idx ON cases (received_at DESC, id);
CREATE INDEX cases_assigned_idx ON cases (assigned_investigator_id, state) WHERE assigned_investigator_id IS NOT NULL;
CREATE INDEX cases_created_by_idx ON cases (created_by) WHERE state = 'intake';
CREATE INDEX cases_search_idx ON cases USING gin (to_tsvector('english', title || ' ' || summary));

-- Named members of a case: for restricted cases the only people (with the assigned
-- investigator) who see it; for others, investigators who help on it.
CREATE TABLE case_members (
    case_id     uuid NOT NULL REFERENCES cases (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    added_at    timestamptz NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_members_user_idx ON case_members (user_id);
