-- The investigation plan: tasks on a case, each with an assignee who can see the case.
CREATE TABLE tasks (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    title           text NOT NULL,
    detail          text,
    assignee_id     uuid REFERENCES users (id),
    due_on          date,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    outcome_note    text,
    created_by      uuid NOT NULL REFERENCES users (id),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX tasks_case_idx ON tasks (case_id, created_at);
CREATE INDEX tasks_assignee_open_idx ON tasks (assignee_id, due_on) WHERE status = 'open';
