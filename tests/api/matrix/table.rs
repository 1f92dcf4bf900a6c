//! The table: every operation of the OpenAPI document, with what each caller gets on each
//! kind of object. The rules the columns follow are in `mod.rs`; the objects behind the
//! placeholders are built in `fixtures.rs`.

use probity::domain::Role;

/// Expected statuses, one per role, in `Role::ALL` order: admin, supervisor, investigator,
/// intake, auditor.
pub type Statuses = [u16; 5];

/// The kinds of object every operation with an object is tried on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// One the caller may see (where their role may see anything of its sort).
    Visible,
    /// An ordinary one their role may not see: a case recorded by another intake officer and
    /// assigned to another investigator (supervisors see every unrestricted case, and the
    /// auditor every case's trail, so for them it is a second visible one).
    Invisible,
    /// One of a restricted case, whose only member is another supervisor.
    Restricted,
    /// One of a case that would be visible but has an allegation against a subject linked to
    /// the caller by their staff identity: the caller is the accused.
    Linked,
}

pub const KINDS: [Kind; 4] = [
    Kind::Visible,
    Kind::Invisible,
    Kind::Restricted,
    Kind::Linked,
];

/// What an operation acts on: which objects its placeholders name, per kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Objects {
    /// No object: the caller's own account, a new record, a public page, the whole log. The
    /// kinds do not apply; one column.
    None,
    /// A fresh session of a dedicated account (`{refresh_token}`). The kinds do not apply.
    Session,
    /// A user account (`{user}`). Need-to-know does not apply to accounts: admins manage all
    /// of them and nobody else any. One column.
    Account,
    /// A report's reference and receipt token (`{reference}`, `{receipt_token}`): what the
    /// reporter holds. Public, so the kinds do not apply. One column.
    Receipt,
    /// A case in `intake` and what it holds: `{case}`, `{party}`, `{allegation}`, `{note}`,
    /// `{decision}`, `{task}`, `{document}`, `{sensitive_document}`,
    /// `{withdrawn_document}`, `{case_subject}`. The visible one is recorded by the intake
    /// officer and assigned to the investigator.
    Case,
    /// A case in `proceedings`, past intake, with `{proceeding}` (scheduled), `{list_report}`, a hearing with
    /// `{outcome}` (dismissal) and a draft `{publication}` by another supervisor.
    CaseInProceedings,
    /// A case in `intake` (as [`Objects::Case`]), read for its audit trail.
    Trail,
    /// A subject (`{subject}`): of an allegation in a case of the kind (`{subject_case}`);
    /// for the linked kind, the caller's own subject record.
    Subject,
    /// A subject flagged by the early warning (`{subject}`) because of an APSP allegation in a
    /// case of the kind, and the visible case that raised the flag (`{flagged_case}`). Its
    /// twin (`{subject~}`, `{flagged_case~}`) was flagged by two other allegations in the
    /// same case instead: whoever may not see that case must not be able to tell them apart.
    Flagged,
    /// A report from the public (`{report}`): visible, one naming nobody, received; invisible
    /// and restricted, one accepted into such a case; linked, one naming the caller's staff
    /// identity. `{accepted_report}` and `{rejected_report}` are the same, accepted or
    /// rejected (visible: by the intake officer; linked: by another).
    Report,
    /// An open task assigned to the caller (`{my_task}`) in a case of the kind.
    MyTask,
    /// An investigator whose only open case is a case of the kind (`{workload_investigator}`).
    Workload,
    /// A calendar month whose only case is one of the kind (`{from}`, `{to}`, received in
    /// `{category}`); its twin month (`{from~}`, `{to~}`) holds one case of the same kind with
    /// another category and source.
    Month,
}

impl Objects {
    pub fn has_kinds(self) -> bool {
        !matches!(
            self,
            Objects::None | Objects::Session | Objects::Account | Objects::Receipt
        )
    }
}

/// Which rule a listing check follows.
#[derive(Clone, Copy, Debug)]
pub enum Sight {
    /// The row's objects' own rule.
    Object,
    /// The case's content rule (a subject's history lists only the cases the caller sees).
    CaseContent,
}

/// What is checked beyond the status, on a success.
#[derive(Clone, Copy, Debug)]
pub enum Check {
    Status,
    /// The values at `at` (a path such as `items[].id`) include `key`'s object exactly when
    /// the caller may see it.
    Lists {
        at: &'static str,
        key: &'static str,
        sight: Sight,
    },
    /// Verification of a log where the linked case's chain is broken: the report never names
    /// a case whose trail the caller may not read.
    FirstBroken {
        key: &'static str,
    },
    /// The flag reasons at `at` are never empty, and, where the caller may not see the case
    /// the flag comes from, they are the same as the twin's (names, numbers and times aside).
    Flags {
        at: &'static str,
    },
    /// The figures for a month: where the caller sees its case, it is counted in its
    /// category; where not, the month answers exactly as its twin does (dates aside).
    Stats,
    /// The workload: the investigator's open cases are counted exactly when the caller sees
    /// their case.
    Workload,
}

#[derive(Clone, Copy, Debug)]
pub enum Body {
    Empty,
    Json(&'static str),
    /// A multipart upload of a small text file.
    Upload,
}

/// One row: an operation, a request for it, and the statuses expected.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    pub method: &'static str,
    /// With placeholders for the objects, and `{n}` for a number new to every request.
    pub path: &'static str,
    pub body: Body,
    pub header: Option<(&'static str, &'static str)>,
    pub objects: Objects,
    /// The kinds tried; empty: all of them.
    pub kinds: &'static [Kind],
    /// Per role, on an object the role may see (and for operations without an object).
    pub seen: Statuses,
    /// Per role, on an object the role may not see.
    pub unseen: Statuses,
    /// Without a token.
    pub anonymous: u16,
    /// Statuses for one kind that the two rules above do not give.
    pub except: Option<(Kind, Statuses)>,
    pub check: Check,
}

impl Row {
    const fn new(
        method: &'static str,
        path: &'static str,
        body: Body,
        objects: Objects,
        seen: Statuses,
        unseen: Statuses,
    ) -> Self {
        Row {
            method,
            path,
            body,
            header: None,
            objects,
            kinds: &[],
            seen,
            unseen,
            anonymous: 401,
            except: None,
            check: Check::Status,
        }
    }

    /// Lists the objects at `key` the caller may see, and no other.
    const fn lists(self, at: &'static str, key: &'static str) -> Self {
        Row {
            check: Check::Lists {
                at,
                key,
                sight: Sight::Object,
            },
            ..self
        }
    }

    /// Lists the cases at `key` the caller may see, and no other.
    const fn lists_cases(self, at: &'static str, key: &'static str) -> Self {
        Row {
            check: Check::Lists {
                at,
                key,
                sight: Sight::CaseContent,
            },
            ..self
        }
    }

    const fn check(self, check: Check) -> Self {
        Row { check, ..self }
    }

    /// A public operation: this status without a token too.
    const fn public(self, status: u16) -> Self {
        Row {
            anonymous: status,
            ..self
        }
    }

    const fn only(self, kinds: &'static [Kind]) -> Self {
        Row { kinds, ..self }
    }

    const fn except(self, kind: Kind, statuses: Statuses) -> Self {
        Row {
            except: Some((kind, statuses)),
            ..self
        }
    }

    const fn header(self, name: &'static str, value: &'static str) -> Self {
        Row {
            header: Some((name, value)),
            ..self
        }
    }

    /// The kinds of object this row is tried on (`None`: it has no object).
    pub fn columns(&self) -> Vec<Option<Kind>> {
        if !self.objects.has_kinds() {
            return vec![None];
        }
        let kinds: &[Kind] = if self.kinds.is_empty() {
            &KINDS
        } else {
            self.kinds
        };
        kinds.iter().copied().map(Some).collect()
    }

    /// The status expected for `caller` (`None`: no token) on the object of `kind`, where
    /// `seen` says whether the caller's role may see it.
    pub fn expected(&self, caller: Option<Role>, kind: Option<Kind>, seen: bool) -> u16 {
        let Some(role) = caller else {
            return self.anonymous;
        };
        let i = super::index(role);
        match (self.except, kind) {
            (Some((k, statuses)), Some(kind)) if k == kind => statuses[i],
            _ if seen => self.seen[i],
            _ => self.unseen[i],
        }
    }
}

const fn get(path: &'static str, objects: Objects, seen: Statuses, unseen: Statuses) -> Row {
    Row::new("GET", path, Body::Empty, objects, seen, unseen)
}

/// A collection: the same status whatever the kind; what it lists is checked.
const fn list(path: &'static str, objects: Objects, statuses: Statuses) -> Row {
    Row::new("GET", path, Body::Empty, objects, statuses, statuses)
}

const fn post(
    path: &'static str,
    body: Body,
    objects: Objects,
    seen: Statuses,
    unseen: Statuses,
) -> Row {
    Row::new("POST", path, body, objects, seen, unseen)
}

const fn patch(
    path: &'static str,
    body: &'static str,
    objects: Objects,
    seen: Statuses,
    unseen: Statuses,
) -> Row {
    Row::new("PATCH", path, Body::Json(body), objects, seen, unseen)
}

const fn put(
    path: &'static str,
    body: &'static str,
    objects: Objects,
    seen: Statuses,
    unseen: Statuses,
) -> Row {
    Row::new("PUT", path, Body::Json(body), objects, seen, unseen)
}

const fn json(body: &'static str) -> Body {
    Body::Json(body)
}

const NEW_CASE: &str = r#"{"title": "Officer contacting a victim off duty", "summary": "Internal referral.",
    "source": "internal_referral", "category": "other", "received_at": "2026-11-01T09:00:00Z"}"#;
const NEW_RESTRICTED_CASE: &str = r#"{"title": "Counter-corruption intelligence", "summary": "Intelligence report.",
    "source": "intelligence", "category": "corruption", "received_at": "2026-11-01T09:00:00Z", "restricted": true}"#;
const PARTY: &str = r#"{"role": "witness", "name": "John Doe", "phone": "07700 900456"}"#;
const NEW_ALLEGATION: &str = r#"{"subject_id": "{spare_subject}", "standard": "discreditable_conduct",
    "category": "other", "description": "Visited the victim off duty."}"#;
const ALLEGATION: &str = r#"{"standard": "authority_respect_and_courtesy", "category": "other",
    "description": "Visited the victim off duty, twice."}"#;
const NOTE: &str = r#"{"body": "Called the witness; call back on Monday."}"#;
const TWELVE_MONTH_REPORT: &str = r#"{"kind": "twelve_month_report", "reported_at": "2026-11-10T09:00:00Z",
    "rationale": "Report sent to the PCC and the IOPC."}"#;
const SEVERITY: &str = r#"{"kind": "severity_assessment", "subject_id": "{case_subject}", "severity": "misconduct",
    "rationale": "Would be misconduct if proven."}"#;
const FINAL_REPORT: &str = r#"{"kind": "final_report", "summary": "The evidence supports the allegation.",
    "submitted_at": "2026-11-20T09:00:00Z", "rationale": "Investigation complete."}"#;
const TASK: &str = r#"{"title": "Take the witness statement"}"#;
const TASK_CHANGE: &str = r#"{"title": "Take the witness statement in person"}"#;
const REASON: &str = r#"{"reason": "Recorded in error."}"#;
const HEARING: &str = r#"{"kind": "misconduct_hearing", "subject_ids": ["{case_subject}"], "scheduled_for": "{hearing_at}",
    "venue": "Force HQ, Hearing Room 2", "chair": "Assistant Chief Constable"}"#;
const RESCHEDULE: &str =
    r#"{"scheduled_for": "{later_at}", "reason": "The chair is unavailable."}"#;
const OUTCOME: &str = r#"{"proceeding_id": "{proceeding}", "subject_id": "{case_subject}", "finding": "gross_misconduct_proven",
    "action": "dismissal_without_notice", "rationale": "The panel found the allegation proven."}"#;
const BARRED_LIST: &str =
    r#"{"subject_id": "{case_subject}", "list": "barred", "reported_on": "{today}"}"#;
const PUBLICATION: &str = r#"{"kind": "outcome", "officer_name": "PC Alex Smith", "force": "Wessex Police",
    "allegation_summary": "Abuse of position.", "outcome": "Dismissed without notice.", "publish_from": "{now}"}"#;
const NEW_SUBJECT: &str = r#"{"force": "Wessex Police", "collar_number": "{n}", "name": "PC New {n}", "rank": "Constable"}"#;
const NEW_USER: &str = r#"{"username": "matrix.new{n}", "display_name": "New user {n}", "role": "investigator",
    "password": "correct horse battery staple"}"#;
const LOGIN: &str = r#"{"username": "matrix.session", "password": "correct horse battery staple"}"#;
const REFRESH: &str = r#"{"refresh_token": "{refresh_token}"}"#;
const SAME_PASSWORD: &str = r#"{"current_password": "correct horse battery staple",
    "new_password": "correct horse battery staple"}"#;
const PUBLIC_REPORT: &str =
    r#"{"what_happened": "An officer keeps messaging me.", "reporter_is_affected": true}"#;
const ACCEPT: &str = r#"{"category": "other"}"#;

use Kind::{Invisible, Linked, Visible};
use Objects::{
    Account, Case, CaseInProceedings, Flagged, Month, MyTask, Receipt, Report, Session, Subject,
    Trail, Workload,
};

/// Every operation. Columns: admin, supervisor, investigator, intake, auditor.
#[rustfmt::skip]
pub const TABLE: &[Row] = &[
    // Health and public pages: no object, nobody needs a token.
    get("/healthz", Objects::None,                                                    [200, 200, 200, 200, 200], [0; 5]).public(200),
    get("/readyz", Objects::None,                                                     [200, 200, 200, 200, 200], [0; 5]).public(200),
    get("/public/hearings", Objects::None,                                            [200, 200, 200, 200, 200], [0; 5]).public(200),
    get("/public/outcomes", Objects::None,                                            [200, 200, 200, 200, 200], [0; 5]).public(200),
    get("/api/v1/public/hearings", Objects::None,                                     [200, 200, 200, 200, 200], [0; 5]).public(200),
    get("/api/v1/public/outcomes", Objects::None,                                     [200, 200, 200, 200, 200], [0; 5]).public(200),
    post("/api/v1/public/reports", json(PUBLIC_REPORT), Objects::None,                [201, 201, 201, 201, 201], [0; 5]).public(201),
    get("/api/v1/public/reports/{reference}", Receipt,                                [200, 200, 200, 200, 200], [0; 5]).public(200)
        .header("x-receipt-token", "{receipt_token}"),

    // Sessions and the caller's own account.
    post("/api/v1/auth/login", json(LOGIN), Objects::None,                            [200, 200, 200, 200, 200], [0; 5]).public(200),
    post("/api/v1/auth/refresh", json(REFRESH), Session,                              [200, 200, 200, 200, 200], [0; 5]).public(200),
    post("/api/v1/auth/logout", json(REFRESH), Session,                               [204, 204, 204, 204, 204], [0; 5]).public(204),
    get("/api/v1/me", Objects::None,                                                  [200, 200, 200, 200, 200], [0; 5]),
    put("/api/v1/me/password", SAME_PASSWORD, Objects::None,                          [204, 204, 204, 204, 204], [0; 5]),

    // Accounts: admins only.
    list("/api/v1/users?limit=500", Account,                                          [200, 403, 403, 403, 403]).lists("items[].id", "{user}"),
    post("/api/v1/users", json(NEW_USER), Objects::None,                              [201, 403, 403, 403, 403], [0; 5]),
    get("/api/v1/users/{user}", Account,                                              [200, 403, 403, 403, 403], [0; 5]),
    patch("/api/v1/users/{user}", r#"{"display_name": "Renamed by the matrix"}"#, Account,
                                                                                      [200, 403, 403, 403, 403], [0; 5]),

    // The audit log: auditors only, and never an event of a case whose trail they may not
    // read (the linked case's chain is broken for the verification row).
    list("/api/v1/audit?case_id={case}&limit=500", Trail,                             [403, 403, 403, 403, 200]).lists("items[].case_id", "{case}"),
    list("/api/v1/audit?action=case.created&limit=500", Trail,                        [403, 403, 403, 403, 200]).lists("items[].case_id", "{case}"),
    list("/api/v1/audit/verify", Trail,                                               [403, 403, 403, 403, 200]).check(Check::FirstBroken { key: "{case}" }),
    get("/api/v1/audit/checkpoint", Objects::None,                                    [403, 403, 403, 403, 200], [0; 5]),

    // Cases.
    list("/api/v1/cases?limit=500", Case,                                             [403, 200, 200, 200, 403]).lists("items[].id", "{case}"),
    post("/api/v1/cases", json(NEW_CASE), Objects::None,                              [403, 201, 403, 201, 403], [0; 5]),
    // Only supervisors restrict.
    post("/api/v1/cases", json(NEW_RESTRICTED_CASE), Objects::None,                   [403, 201, 403, 403, 403], [0; 5]),
    get("/api/v1/cases/{case}", Case,                                                 [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    patch("/api/v1/cases/{case}", r#"{"title": "Renamed by the matrix"}"#, Case,      [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    // Restricting needs `cases.manage`, checked before the case is looked up.
    patch("/api/v1/cases/{case}", r#"{"restricted": true}"#, Case,                    [403, 200, 403, 403, 403], [403, 404, 403, 403, 403]),
    // intake → assessment: intake or a supervisor.
    post("/api/v1/cases/{case}/transitions", json(r#"{"to": "assessment", "reason": "Ready for assessment."}"#), Case,
                                                                                      [403, 200, 403, 200, 403], [403, 404, 404, 404, 403]),
    // Suspending: a supervisor only.
    post("/api/v1/cases/{case}/transitions", json(r#"{"to": "suspended", "reason": "Criminal proceedings."}"#), Case,
                                                                                      [403, 200, 403, 403, 403], [403, 404, 404, 404, 403]),
    put("/api/v1/cases/{case}/assignment", r#"{"investigator_id": "{investigator}"}"#, Case,
                                                                                      [403, 200, 403, 403, 403], [403, 404, 403, 403, 403]),
    put("/api/v1/cases/{case}/members", r#"{"user_ids": ["{supervisor}"]}"#, Case,    [403, 200, 403, 403, 403], [403, 404, 403, 403, 403]),
    // The trail: no intake officer; the auditor reads every trail but those about them.
    get("/api/v1/cases/{case}/audit", Trail,                                          [403, 200, 200, 403, 200], [403, 404, 404, 403, 404]),

    // What a case holds.
    get("/api/v1/cases/{case}/parties", Case,                                         [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]).lists("items[].id", "{party}"),
    post("/api/v1/cases/{case}/parties", json(PARTY), Case,                           [403, 201, 201, 201, 403], [403, 404, 404, 404, 403]),
    patch("/api/v1/cases/{case}/parties/{party}", PARTY, Case,                        [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/parties/{party}", Case,                                 [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/allegations", Case,                                     [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]).lists("items[].id", "{allegation}"),
    post("/api/v1/cases/{case}/allegations", json(NEW_ALLEGATION), Case,              [403, 201, 201, 201, 403], [403, 404, 404, 404, 403]),
    patch("/api/v1/cases/{case}/allegations/{allegation}", ALLEGATION, Case,          [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/allegations/{allegation}", Case,                        [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/notes", Case,                                           [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]).lists("items[].id", "{note}"),
    post("/api/v1/cases/{case}/notes", json(NOTE), Case,                              [403, 201, 201, 201, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/notes/{note}", Case,                                    [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/decisions", Case,                                       [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]).lists("items[].id", "{decision}"),
    get("/api/v1/cases/{case}/decisions/{decision}", Case,                            [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    // The assigned investigator or a supervisor.
    post("/api/v1/cases/{case}/decisions", json(TWELVE_MONTH_REPORT), Case,           [403, 201, 201, 403, 403], [403, 404, 404, 403, 403]),
    // The appropriate authority: a supervisor.
    post("/api/v1/cases/{case}/decisions", json(SEVERITY), Case,                      [403, 201, 403, 403, 403], [403, 404, 404, 403, 403]),
    // The assigned investigator only.
    post("/api/v1/cases/{case}/decisions", json(FINAL_REPORT), Case,                  [403, 403, 201, 403, 403], [403, 404, 404, 403, 403]),
    get("/api/v1/cases/{case}/tasks", Case,                                           [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]).lists("items[].id", "{task}"),
    post("/api/v1/cases/{case}/tasks", json(TASK), Case,                              [403, 201, 201, 201, 403], [403, 404, 404, 404, 403]),
    patch("/api/v1/cases/{case}/tasks/{task}", TASK_CHANGE, Case,                     [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/tasks/{task}", Case,                                    [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/documents", Case,                                       [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]).lists("items[].id", "{document}"),
    post("/api/v1/cases/{case}/documents", Body::Upload, Case,                        [403, 201, 201, 201, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/documents/{document}", Case,                            [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    // A sensitive document: supervisors and the assigned investigator only.
    get("/api/v1/cases/{case}/documents/{sensitive_document}", Case,                  [403, 200, 200, 404, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/documents/{document}/content", Case,                    [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    // A withdrawn document's content: supervisors only.
    get("/api/v1/cases/{case}/documents/{withdrawn_document}/content", Case,          [403, 200, 404, 404, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/documents/{document}/custody", Case,                    [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    // Each record's history, content included: whoever sees the case (and the record).
    get("/api/v1/cases/{case}/parties/{party}/history", Case,                         [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/allegations/{allegation}/history", Case,                [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/tasks/{task}/history", Case,                            [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/documents/{document}/history", Case,                    [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/documents/{sensitive_document}/history", Case,          [403, 200, 200, 404, 403], [403, 404, 404, 404, 403]),
    post("/api/v1/cases/{case}/documents/{document}/withdraw", json(REASON), Case,    [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),

    // Proceedings, outcomes, list reports and publications: past intake, so the intake
    // officer no longer sees the case.
    get("/api/v1/cases/{case}/proceedings", CaseInProceedings,                        [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]).lists("items[].id", "{proceeding}"),
    get("/api/v1/cases/{case}/proceedings/{proceeding}", CaseInProceedings,           [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    post("/api/v1/cases/{case}/proceedings", json(HEARING), CaseInProceedings,        [403, 201, 403, 403, 403], [403, 404, 403, 403, 403]),
    post("/api/v1/cases/{case}/proceedings/{proceeding}/reschedule", json(RESCHEDULE), CaseInProceedings,
                                                                                      [403, 200, 403, 403, 403], [403, 404, 403, 403, 403]),
    post("/api/v1/cases/{case}/proceedings/{proceeding}/cancel", json(REASON), CaseInProceedings,
                                                                                      [403, 200, 403, 403, 403], [403, 404, 403, 403, 403]),
    get("/api/v1/cases/{case}/proceedings/{proceeding}/history", CaseInProceedings,   [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/publications/{publication}/history", CaseInProceedings, [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/outcomes", CaseInProceedings,                           [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]).lists("items[].id", "{outcome}"),
    get("/api/v1/cases/{case}/outcomes/{outcome}", CaseInProceedings,                 [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    post("/api/v1/cases/{case}/outcomes", json(OUTCOME), CaseInProceedings,           [403, 201, 403, 403, 403], [403, 404, 403, 403, 403]),
    post("/api/v1/cases/{case}/list-reports", json(BARRED_LIST), CaseInProceedings,   [403, 201, 403, 403, 403], [403, 404, 403, 403, 403]),
    get("/api/v1/cases/{case}/list-reports/{list_report}", CaseInProceedings,         [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/cases/{case}/publications", CaseInProceedings,                       [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]).lists("items[].id", "{publication}"),
    get("/api/v1/cases/{case}/publications/{publication}", CaseInProceedings,         [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    post("/api/v1/cases/{case}/publications", json(PUBLICATION), CaseInProceedings,   [403, 201, 403, 403, 403], [403, 404, 403, 403, 403]),
    // Drafted by another supervisor: the caller may approve it.
    post("/api/v1/cases/{case}/publications/{publication}/approve", Body::Empty, CaseInProceedings,
                                                                                      [403, 200, 403, 403, 403], [403, 404, 403, 403, 403]),
    post("/api/v1/cases/{case}/publications/{publication}/withdraw", json(REASON), CaseInProceedings,
                                                                                      [403, 200, 403, 403, 403], [403, 404, 403, 403, 403]),

    // Open tasks assigned to the caller, in the cases they see.
    list("/api/v1/tasks?assignee=me&limit=500", MyTask,                               [403, 200, 200, 200, 403]).lists("items[].id", "{my_task}"),

    // The subject registry: nobody reads their own record; a history lists only the cases
    // the caller sees.
    list("/api/v1/subjects?limit=500", Subject,                                       [403, 200, 200, 200, 403]).lists("items[].id", "{subject}"),
    post("/api/v1/subjects", json(NEW_SUBJECT), Objects::None,                        [403, 201, 201, 201, 403], [0; 5]),
    get("/api/v1/subjects/{subject}", Subject,                                        [403, 200, 200, 200, 403], [403, 404, 404, 404, 403]),
    get("/api/v1/subjects/{subject}/history", Subject,                                [403, 200, 200, 200, 403], [403, 404, 404, 404, 403])
        .lists_cases("cases[].case.id", "{subject_case}"),
    // Early-warning flags say nothing about cases the caller cannot see: not how many
    // allegations, nor that one was APSP.
    list("/api/v1/subjects?limit=500", Flagged,                                       [403, 200, 200, 200, 403]).check(Check::Flags { at: "items[{subject}].flag_reasons" }),
    get("/api/v1/subjects/{subject}", Flagged,                                        [403, 200, 200, 200, 403], [0; 5]).check(Check::Flags { at: "flag_reasons" }),
    get("/api/v1/subjects/{subject}/history", Flagged,                                [403, 200, 200, 200, 403], [0; 5]).check(Check::Flags { at: "subject.flag_reasons" }),
    get("/api/v1/cases/{flagged_case}", Flagged,                                      [403, 200, 200, 200, 403], [0; 5]).check(Check::Flags { at: "flag_reasons" }),

    // Oversight figures: only over cases the caller sees, plus one count of the others.
    list("/api/v1/workload", Workload,                                                [403, 200, 403, 403, 403]).check(Check::Workload),
    list("/api/v1/stats?from={from}&to={to}", Month,                                  [403, 200, 403, 403, 403]).check(Check::Stats),

    // The intake queue: a report naming the caller, or accepted into a case they cannot see,
    // is not there for them. Only received reports can be accepted or rejected (409).
    list("/api/v1/intake/reports?status=received&limit=500", Report,                  [403, 200, 403, 200, 403]).lists("items[].id", "{report}")
        .only(&[Visible, Linked]),
    list("/api/v1/intake/reports?status=accepted&limit=500", Report,                  [403, 200, 403, 200, 403]).lists("items[].id", "{accepted_report}"),
    list("/api/v1/intake/reports?status=rejected&limit=500", Report,                  [403, 200, 403, 200, 403]).lists("items[].id", "{rejected_report}")
        .only(&[Visible, Linked]),
    post("/api/v1/intake/reports/{report}/accept", json(ACCEPT), Report,              [403, 201, 403, 201, 403], [403, 404, 403, 404, 403])
        .except(Invisible, [403, 409, 403, 404, 403]),
    post("/api/v1/intake/reports/{report}/reject", json(r#"{"reason": "Not a police matter."}"#), Report,
                                                                                      [403, 204, 403, 204, 403], [403, 404, 403, 404, 403])
        .except(Invisible, [403, 409, 403, 404, 403]),
];
