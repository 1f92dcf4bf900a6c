-- Public texts: hearing notices and outcomes. Authored explicitly (never assembled from case
-- fields), drafted by one supervisor and approved by another; only approval publishes.
CREATE TABLE publications (
    id                  uuid PRIMARY KEY,
    case_id             uuid NOT NULL REFERENCES cases (id),
    proceeding_id       uuid REFERENCES proceedings (id),
    kind                text NOT NULL CHECK (kind IN ('hearing_notice', 'outcome')),
    officer_name        text NOT NULL,
    officer_rank        text,
    force               text NOT NULL,
    hearing_date        timestamptz,
    venue               text,
    allegation_summary  text NOT NULL,
    outcome             text,
    publish_from        timestamptz NOT NULL,
    publish_until       timestamptz NOT NULL CHECK (publish_until > publish_from),
    status              text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'withdrawn')),
    drafted_by          uuid NOT NULL REFERENCES users (id),
    approved_by         uuid REFERENCES users (id),
    approved_at         timestamptz,
    withdrawn_reason    text,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CHECK (approved_by IS NULL OR approved_by <> drafted_by),
    CHECK ((status = 'draft') = (approved_by IS NULL) OR status = 'withdrawn')
);
CREATE INDEX publications_case_idx ON publications (case_id);
CREATE INDEX publications_public_idx ON publications (kind, publish_from, publish_until) WHERE status = 'published';
