-- Reports from the public, the intake queue's input. The receipt token is kept only as a hash.
CREATE TABLE public_reports (
    id                      uuid PRIMARY KEY,
    reference               text NOT NULL UNIQUE,
    receipt_token_hash      bytea NOT NULL,
    what_happened           text NOT NULL,
    happened_when           text,
    happened_where          text,
    officer_name            text,
    officer_collar_number   text,
    officer_force           text,
    reporter_is_affected    boolean NOT NULL,
    warning_signs           text[] NOT NULL DEFAULT '{}',
    contact_name            text,
    contact_email           text,
    contact_phone           text,
    consent_to_contact      boolean NOT NULL DEFAULT false,
    status                  text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'accepted', 'rejected')),
    case_id                 uuid REFERENCES cases (id),
    rejected_reason         text,
    version                 integer NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL
);
CREATE INDEX public_reports_status_idx ON public_reports (status, created_at);

-- Fixed-window request counters per client address, shared by every instance.
CREATE TABLE rate_limit_buckets (
    key             text NOT NULL,
    window_start    timestamptz NOT NULL,
    count           integer NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- Idempotency-Key: the first response to a key is replayed for the same body.
CREATE TABLE idempotency_keys (
    scope           text NOT NULL,
    key             text NOT NULL,
    request_hash    bytea NOT NULL,
    response_status integer NOT NULL,
    response_body   jsonb NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
