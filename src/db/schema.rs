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
        force -> Nullable<Text>,
        collar_number -> Nullable<Text>,
        /// Generated: the normalised force and collar number a subject is matched on.
        staff_key -> Nullable<Text>,
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
        created_at -> Timestamptz,
        head_seq -> Int8,
        head_hash -> Text,
        data_key -> Nullable<Bytea>,
        data_key_erased_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_signing (one) {
        one -> Bool,
        from_position -> Int8,
        from_time -> Timestamptz,
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
        sealed -> Nullable<Bytea>,
        request_id -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
        signature -> Nullable<Bytea>,
    }
}

diesel::table! {
    subjects (id) {
        id -> Uuid,
        force -> Text,
        collar_number -> Text,
        name -> Text,
        rank -> Nullable<Text>,
        flagged -> Bool,
        flag_reasons -> Jsonb,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        /// Generated: the normalised force and collar number (see `users.staff_key`).
        staff_key -> Text,
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

diesel::table! {
    proceedings (id) {
        id -> Uuid,
        case_id -> Uuid,
        kind -> Text,
        subject_ids -> Array<Uuid>,
        scheduled_for -> Timestamptz,
        venue -> Text,
        chair -> Text,
        panel -> Array<Text>,
        public -> Bool,
        status -> Text,
        cancelled_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    outcomes (id) {
        id -> Uuid,
        case_id -> Uuid,
        proceeding_id -> Uuid,
        subject_id -> Uuid,
        finding -> Text,
        action -> Text,
        rationale -> Text,
        recorded_by -> Uuid,
        decided_on -> Date,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    list_reports (id) {
        id -> Uuid,
        case_id -> Uuid,
        subject_id -> Uuid,
        list -> Text,
        reported_on -> Date,
        due_by -> Nullable<Date>,
        recorded_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    publications (id) {
        id -> Uuid,
        case_id -> Uuid,
        proceeding_id -> Nullable<Uuid>,
        kind -> Text,
        officer_name -> Text,
        officer_rank -> Nullable<Text>,
        force -> Text,
        hearing_date -> Nullable<Timestamptz>,
        venue -> Nullable<Text>,
        allegation_summary -> Text,
        outcome -> Nullable<Text>,
        publish_from -> Timestamptz,
        publish_until -> Timestamptz,
        status -> Text,
        drafted_by -> Uuid,
        approved_by -> Nullable<Uuid>,
        approved_at -> Nullable<Timestamptz>,
        withdrawn_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    public_reports (id) {
        id -> Uuid,
        reference -> Text,
        receipt_token_hash -> Bytea,
        what_happened -> Text,
        happened_when -> Nullable<Text>,
        happened_where -> Nullable<Text>,
        officer_name -> Nullable<Text>,
        officer_collar_number -> Nullable<Text>,
        officer_force -> Nullable<Text>,
        reporter_is_affected -> Bool,
        warning_signs -> Array<Text>,
        contact_name -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        consent_to_contact -> Bool,
        status -> Text,
        case_id -> Nullable<Uuid>,
        rejected_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    rate_limit_buckets (key, window_start) {
        key -> Text,
        window_start -> Timestamptz,
        count -> Int4,
    }
}

diesel::table! {
    /// Failed logins of an account from one client address, and its lock for that address.
    login_lockouts (user_id, client_addr) {
        user_id -> Uuid,
        client_addr -> Text,
        failures -> Int4,
        first_failure_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Bytea,
        response_status -> Int4,
        response_body -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    tasks (id) {
        id -> Uuid,
        case_id -> Uuid,
        title -> Text,
        detail -> Nullable<Text>,
        assignee_id -> Nullable<Uuid>,
        due_on -> Nullable<Date>,
        status -> Text,
        outcome_note -> Nullable<Text>,
        created_by -> Uuid,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    documents (id) {
        id -> Uuid,
        case_id -> Uuid,
        title -> Text,
        kind -> Text,
        description -> Nullable<Text>,
        collected_at -> Nullable<Timestamptz>,
        collected_by -> Nullable<Text>,
        source -> Nullable<Text>,
        filename -> Nullable<Text>,
        content_type -> Text,
        size_bytes -> Int8,
        sha256 -> Text,
        object_key -> Text,
        sensitive -> Bool,
        supersedes_id -> Nullable<Uuid>,
        uploaded_by -> Uuid,
        withdrawn_at -> Nullable<Timestamptz>,
        withdrawn_reason -> Nullable<Text>,
        withdrawn_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(documents -> cases (case_id));
diesel::joinable!(tasks -> cases (case_id));
diesel::joinable!(proceedings -> cases (case_id));
diesel::joinable!(outcomes -> proceedings (proceeding_id));
diesel::joinable!(publications -> cases (case_id));
diesel::joinable!(public_reports -> cases (case_id));

diesel::joinable!(allegations -> cases (case_id));
diesel::joinable!(allegations -> subjects (subject_id));
diesel::joinable!(parties -> cases (case_id));
diesel::joinable!(notes -> cases (case_id));
diesel::joinable!(decisions -> cases (case_id));
diesel::joinable!(case_members -> cases (case_id));
diesel::joinable!(case_members -> users (user_id));

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
    proceedings,
    outcomes,
    list_reports,
    publications,
    public_reports,
    rate_limit_buckets,
    login_lockouts,
    idempotency_keys,
    tasks,
    documents,
);
