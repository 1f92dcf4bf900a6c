-- Evidence and documents. The bytes live in object storage under a key that carries no
-- personal data; the database holds the metadata and the SHA-256 taken on the way in.
-- Documents are immutable: a new version is a new document that supersedes the old one.
CREATE TABLE documents (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    title           text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('statement', 'message_capture', 'call_record', 'duty_record', 'notice', 'report', 'correspondence', 'media', 'other')),
    description     text,
    collected_at    timestamptz,
    collected_by    text,
    source          text,
    filename        text,
    content_type    text NOT NULL,
    size_bytes      bigint NOT NULL CHECK (size_bytes >= 0),
    sha256          text NOT NULL,
    object_key      text NOT NULL UNIQUE,
    sensitive       boolean NOT NULL DEFAULT false,
    supersedes_id   uuid REFERENCES documents (id),
    uploaded_by     uuid NOT NULL REFERENCES users (id),
    withdrawn_at    timestamptz,
    withdrawn_reason text,
    withdrawn_by    uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL
);
CREATE INDEX documents_case_idx ON documents (case_id, created_at);
