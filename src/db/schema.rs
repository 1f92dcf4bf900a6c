// The diesel schema, kept by hand in step with `migrations/`. The test suite runs every
// query against a database built from the migrations, so a mismatch fails the tests.

diesel::table! {
    users (id) {
        id -> Uuid,
        username -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        failed_logins -> Int4,
        locked_until -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        rotated_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_chains (id) {
        id -> Text,
        case_id -> Nullable<Uuid>,
        head_seq -> Int8,
        head_hash -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (position) {
        position -> Int8,
        id -> Uuid,
        chain_id -> Text,
        seq -> Int8,
        occurred_at -> Timestamptz,
        actor_type -> Text,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        entity_type -> Nullable<Text>,
        entity_id -> Nullable<Text>,
        case_id -> Nullable<Uuid>,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        request_id -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    subjects (id) {
        id -> Uuid,
        force -> Text,
        collar_number -> Text,
        name -> Text,
        rank -> Nullable<Text>,
        user_id -> Nullable<Uuid>,
        flagged -> Bool,
        flag_reasons -> Jsonb,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    case_reference_counters (year) {
        year -> Int4,
        last_number -> Int4,
    }
}

diesel::table! {
    cases (id) {
        id -> Uuid,
        reference -> Text,
        title -> Text,
        summary -> Text,
        source -> Text,
        category -> Text,
        received_at -> Timestamptz,
        came_to_attention_at -> Timestamptz,
        state -> Text,
        suspended_from -> Nullable<Text>,
        closure_reason -> Nullable<Text>,
        restricted -> Bool,
        assigned_investigator_id -> Nullable<Uuid>,
        created_by -> Uuid,
        flagged -> Bool,
        flag_reasons -> Jsonb,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    case_members (case_id, user_id) {
        case_id -> Uuid,
        user_id -> Uuid,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    allegations (id) {
        id -> Uuid,
        case_id -> Uuid,
        subject_id -> Uuid,
        standard -> Text,
        category -> Text,
        description -> Text,
        conduct_from -> Nullable<Date>,
        conduct_to -> Nullable<Date>,
        warning_signs -> Array<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    parties (id) {
        id -> Uuid,
        case_id -> Uuid,
        role -> Text,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        date_of_birth -> Nullable<Date>,
        vulnerability_factors -> Array<Text>,
        notes -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notes (id) {
        id -> Uuid,
        case_id -> Uuid,
        author_id -> Uuid,
        body -> Text,
        corrects_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    decisions (id) {
        id -> Uuid,
        case_id -> Uuid,
        kind -> Text,
        subject_id -> Nullable<Uuid>,
        details -> Jsonb,
        rationale -> Text,
        author_id -> Uuid,
        supersedes_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(allegations -> cases (case_id));
diesel::joinable!(allegations -> subjects (subject_id));
diesel::joinable!(parties -> cases (case_id));
diesel::joinable!(notes -> cases (case_id));
diesel::joinable!(decisions -> cases (case_id));
diesel::joinable!(case_members -> cases (case_id));
diesel::joinable!(case_members -> users (user_id));
diesel::joinable!(subjects -> users (user_id));

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(audit_events -> audit_chains (chain_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    refresh_tokens,
    audit_chains,
    audit_events,
    subjects,
    case_reference_counters,
    cases,
    case_members,
    allegations,
    parties,
    notes,
    decisions,
);
