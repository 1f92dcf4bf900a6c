//! The world a group of rows runs in: the staff, and the objects of every kind, built through
//! the API as their users would, except where the API rightly refuses: tasks for someone who
//! cannot see the case are inserted by SQL, and the audit chain that must be broken is
//! altered behind the application's back.
//!
//! Objects are built once per world and shared by every cell that should change nothing; a
//! cell that should change something gets objects of its own, built for it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::http::Method;
use chrono::{Duration, Utc};
use diesel::PgConnection;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use probity::domain::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use super::index;
use super::table::{Kind, Objects};
use crate::support::create_subject;
use crate::support::{PASSWORD, Resp, TestApp};

/// Placeholders and the values they stand for.
pub type Vars = Vec<(&'static str, String)>;

/// The objects of one kind: the same for every caller, or one set per role.
pub enum Built {
    Same(Vars),
    ByRole(Vec<Vars>),
}

impl Built {
    pub fn for_role(&self, i: usize) -> &Vars {
        match self {
            Built::Same(v) => v,
            Built::ByRole(v) => &v[i],
        }
    }
}

/// Which of a case's records to build: all, or those a request names.
pub struct Need<'a>(Option<&'a [&'a str]>);

/// Every record.
pub const EVERYTHING: Need<'static> = Need(None);

impl<'a> Need<'a> {
    pub fn named_in(texts: &'a [&'a str]) -> Self {
        Need(Some(texts))
    }

    fn has(&self, key: &str) -> bool {
        self.0
            .is_none_or(|texts| texts.iter().any(|t| t.contains(key)))
    }
}

pub const BOUNDARY: &str = "probity-matrix-boundary-3kq8TzX1";

/// A multipart upload of a small text file.
pub fn upload_form(sensitive: bool) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [
        ("title", "Witness statement"),
        ("kind", "statement"),
        ("sensitive", if sensitive { "true" } else { "false" }),
    ] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"statement.txt\"\r\nContent-Type: text/plain\r\n\r\nI saw the officer at the door.\r\n").as_bytes(),
    );
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

type SharedKey = (Objects, Option<Kind>);

pub struct World {
    pub app: TestApp,
    /// In `Role::ALL` order.
    ids: Vec<Uuid>,
    /// In `Role::ALL` order.
    tokens: Vec<String>,
    /// A second supervisor: sees every case built here (it records the restricted ones) and
    /// builds what they hold.
    supervisor2: String,
    /// A second intake officer, who records the invisible cases.
    intake2: String,
    /// A second investigator, assigned the invisible and restricted cases.
    investigator2: (Uuid, String),
    /// Each user's own subject record and collar number, in `Role::ALL` order.
    own_subjects: Vec<String>,
    own_collars: Vec<String>,
    /// Values every request may use.
    common: Vars,
    next: Cell<u32>,
    conn: RefCell<PgConnection>,
    shared: RefCell<HashMap<SharedKey, Rc<Built>>>,
    chain_broken: Cell<bool>,
}

fn id_of(resp: &Resp) -> String {
    resp.json()["id"].as_str().unwrap().to_owned()
}

fn var<'v>(vars: &'v Vars, key: &str) -> &'v str {
    &vars
        .iter()
        .find(|(k, _)| *k == key)
        .unwrap_or_else(|| panic!("no {key}"))
        .1
}

impl World {
    pub async fn new() -> Self {
        // Cheap password hashing (the matrix logs in often), and room for the many reports
        // it submits from one address.
        let app = TestApp::with_settings(&[
            ("PROBITY_ARGON2_MEMORY_KIB", "64"),
            ("PROBITY_ARGON2_ITERATIONS", "1"),
            ("PROBITY_PUBLIC_REPORT_LIMIT", "1000000"),
        ])
        .await;
        let mut ids = Vec::new();
        let mut tokens = Vec::new();
        for &role in Role::ALL {
            let (id, token) = app.user_token(&format!("matrix.{role}"), role).await;
            ids.push(id);
            tokens.push(token);
        }
        let (_, supervisor2) = app
            .user_token("matrix.supervisor.two", Role::Supervisor)
            .await;
        let (_, intake2) = app.user_token("matrix.intake.two", Role::Intake).await;
        let investigator2 = app
            .user_token("matrix.investigator.two", Role::Investigator)
            .await;
        app.create_user("matrix.session", Role::Investigator);
        let mut own_subjects = Vec::new();
        let mut own_collars = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let collar = format!("{}", 100 + i);
            own_subjects.push(create_subject(&app, &supervisor2, &collar, Some(*id)).await);
            own_collars.push(collar);
        }
        let spare_subject = create_subject(&app, &supervisor2, "99", None).await;
        let now = Utc::now();
        let at = |days: i64| {
            (now + Duration::days(days))
                .format("%Y-%m-%dT10:00:00Z")
                .to_string()
        };
        let common = vec![
            ("{investigator}", ids[index(Role::Investigator)].to_string()),
            ("{supervisor}", ids[index(Role::Supervisor)].to_string()),
            ("{spare_subject}", spare_subject),
            ("{now}", now.to_rfc3339()),
            ("{today}", now.date_naive().to_string()),
            ("{hearing_at}", at(30)),
            ("{later_at}", at(40)),
        ];
        let conn = RefCell::new(app.db.connect());
        Self {
            app,
            ids,
            tokens,
            supervisor2,
            intake2,
            investigator2,
            own_subjects,
            own_collars,
            common,
            next: Cell::new(1000),
            conn,
            shared: RefCell::new(HashMap::new()),
            chain_broken: Cell::new(false),
        }
    }

    pub fn token(&self, role: Role) -> &str {
        &self.tokens[index(role)]
    }

    pub fn common(&self) -> &Vars {
        &self.common
    }

    /// A number no request has used yet (collar numbers, usernames).
    pub fn unique(&self) -> u32 {
        let n = self.next.get();
        self.next.set(n + 1);
        n
    }

    /// The shared objects of a kind, built on first use.
    pub fn objects(
        &self,
        objects: Objects,
        kind: Option<Kind>,
    ) -> Pin<Box<dyn Future<Output = Rc<Built>> + '_>> {
        // A trail is its case's: the same objects.
        let objects = match objects {
            Objects::Trail => Objects::Case,
            other => other,
        };
        Box::pin(async move {
            if let Some(built) = self.shared.borrow().get(&(objects, kind)) {
                return built.clone();
            }
            let built = Rc::new(self.build(objects, kind, &EVERYTHING).await);
            self.shared
                .borrow_mut()
                .insert((objects, kind), built.clone());
            built
        })
    }

    /// Forgets the shared objects of a kind, after a request that should have been refused
    /// changed them: later cells get new ones, so that one failure does not cascade.
    pub fn forget(&self, objects: Objects, kind: Option<Kind>) {
        let objects = match objects {
            Objects::Trail => Objects::Case,
            other => other,
        };
        self.shared.borrow_mut().remove(&(objects, kind));
    }

    /// New objects of a kind, for a cell that changes them.
    pub async fn fresh(&self, objects: Objects, kind: Option<Kind>, need: &Need<'_>) -> Built {
        self.build(objects, kind, need).await
    }

    async fn shared_case(&self, kind: Kind) -> Vars {
        self.objects(Objects::Case, Some(kind))
            .await
            .for_role(0)
            .clone()
    }

    async fn build(&self, objects: Objects, kind: Option<Kind>, need: &Need<'_>) -> Built {
        let Some(kind) = kind else {
            return Built::Same(match objects {
                Objects::Session => self.session().await,
                Objects::Account => self.account(),
                Objects::Receipt => self.receipt().await.0,
                _ => Vec::new(),
            });
        };
        match objects {
            Objects::Case | Objects::Trail => Built::Same(self.case_in_intake(kind, need).await),
            Objects::CaseInProceedings => Built::Same(self.case_in_proceedings(kind, need).await),
            Objects::Subject => self.subject(kind).await,
            Objects::Flagged => Built::Same(self.flagged(kind).await),
            Objects::Report => self.report(kind).await,
            Objects::MyTask => self.my_tasks(kind).await,
            Objects::Workload => Built::Same(self.workload(kind).await),
            Objects::Month => Built::Same(self.month(kind).await),
            Objects::None | Objects::Session | Objects::Account | Objects::Receipt => {
                unreachable!("{objects:?} has no kinds")
            }
        }
    }

    // -----------------------------------------------------------------------------------
    // Requests, as the staff who build the objects make them.

    async fn send(&self, method: Method, token: &str, path: &str, body: Option<Value>) -> Resp {
        let mut req = self.app.req(method.clone(), path).token(token);
        if method != Method::GET {
            req = req.header("if-match", "*");
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await;
        assert!(
            resp.status.is_success(),
            "building the matrix's objects: {method} {path} answered {}: {}",
            resp.status,
            String::from_utf8_lossy(&resp.bytes)
        );
        resp
    }

    /// POSTs and returns the new record's id.
    async fn made(&self, token: &str, path: &str, body: Value) -> String {
        id_of(&self.send(Method::POST, token, path, Some(body)).await)
    }

    async fn upload(&self, case: &str, sensitive: bool) -> String {
        let resp = self
            .app
            .post(&format!("/api/v1/cases/{case}/documents"))
            .token(&self.supervisor2)
            .raw(
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                upload_form(sensitive),
            )
            .send()
            .await
            .expect(201);
        id_of(&resp)
    }

    fn sql(&self, statements: &str) {
        self.conn.borrow_mut().batch_execute(statements).unwrap();
    }

    async fn new_case(&self, token: &str, restricted: bool, received_at: &str) -> String {
        self.new_case_in(token, restricted, received_at, "other", "internal_referral")
            .await
    }

    async fn new_case_in(
        &self,
        token: &str,
        restricted: bool,
        received_at: &str,
        category: &str,
        source: &str,
    ) -> String {
        self.made(
            token,
            "/api/v1/cases",
            json!({"title": "Officer contacting a victim off duty", "summary": "Referral.", "source": source,
                   "category": category, "received_at": received_at, "restricted": restricted}),
        )
        .await
    }

    /// Who records a case of the kind: the intake officer (visible, linked), another intake
    /// officer (invisible), or the second supervisor (restricted).
    fn recorder(&self, kind: Kind) -> (&str, bool) {
        match kind {
            Kind::Visible | Kind::Linked => (self.token(Role::Intake), false),
            Kind::Invisible => (&self.intake2, false),
            Kind::Restricted => (&self.supervisor2, true),
        }
    }

    async fn new_subject(&self) -> (String, String) {
        let collar = self.unique().to_string();
        let id = create_subject(&self.app, &self.supervisor2, &collar, None).await;
        (id, collar)
    }

    async fn allege(&self, case: &str, subject: &str, category: &str) -> String {
        self.made(
            &self.supervisor2,
            &format!("/api/v1/cases/{case}/allegations"),
            json!({"subject_id": subject, "standard": "discreditable_conduct", "category": category,
                   "description": "Sent messages with kisses and visited off duty."}),
        )
        .await
    }

    /// Assigns the investigator of the kind: the investigator (visible, linked) or another.
    async fn assign(&self, case: &str, kind: Kind) {
        let investigator = match kind {
            Kind::Visible | Kind::Linked => self.ids[index(Role::Investigator)],
            Kind::Invisible | Kind::Restricted => self.investigator2.0,
        };
        self.send(
            Method::PUT,
            &self.supervisor2,
            &format!("/api/v1/cases/{case}/assignment"),
            Some(json!({"investigator_id": investigator})),
        )
        .await;
    }

    /// Allegations against every caller's own subject: the case is about each of them.
    async fn about_everyone(&self, case: &str) {
        for subject in &self.own_subjects {
            self.allege(case, subject, "other").await;
        }
    }

    async fn transition(&self, case: &str, to: &str) {
        self.send(
            Method::POST,
            &self.supervisor2,
            &format!("/api/v1/cases/{case}/transitions"),
            Some(json!({"to": to, "reason": format!("Ready for {to}.")})),
        )
        .await;
    }

    async fn decide(&self, token: &str, case: &str, body: Value) -> String {
        self.made(token, &format!("/api/v1/cases/{case}/decisions"), body)
            .await
    }

    // -----------------------------------------------------------------------------------
    // The objects.

    /// A case in `intake` and what it holds.
    async fn case_in_intake(&self, kind: Kind, need: &Need<'_>) -> Vars {
        let (recorder, restricted) = self.recorder(kind);
        let case = self
            .new_case(recorder, restricted, "2026-11-01T09:00:00Z")
            .await;
        let base = format!("/api/v1/cases/{case}");
        let (subject, _) = self.new_subject().await;
        let allegation = self.allege(&case, &subject, "other").await;
        let mut vars = vec![
            ("{case}", case.clone()),
            ("{case_subject}", subject),
            ("{allegation}", allegation),
        ];
        let sup2 = self.supervisor2.as_str();
        if need.has("{party}") {
            let party = json!({"role": "victim", "name": "Jane Roe", "vulnerability_factors": ["mental_health"]});
            vars.push((
                "{party}",
                self.made(sup2, &format!("{base}/parties"), party).await,
            ));
        }
        if need.has("{note}") {
            let note = json!({"body": "Spoke to the victim."});
            vars.push((
                "{note}",
                self.made(sup2, &format!("{base}/notes"), note).await,
            ));
        }
        if need.has("{task}") {
            let task = json!({"title": "Trace the messages"});
            vars.push((
                "{task}",
                self.made(sup2, &format!("{base}/tasks"), task).await,
            ));
        }
        if need.has("{decision}") {
            let decision = json!({"kind": "twelve_month_report", "reported_at": "2026-11-10T09:00:00Z", "rationale": "Sent."});
            vars.push(("{decision}", self.decide(sup2, &case, decision).await));
        }
        if need.has("{document}") {
            vars.push(("{document}", self.upload(&case, false).await));
        }
        if need.has("{sensitive_document}") {
            vars.push(("{sensitive_document}", self.upload(&case, true).await));
        }
        if need.has("{withdrawn_document}") {
            let doc = self.upload(&case, false).await;
            self.send(
                Method::POST,
                sup2,
                &format!("{base}/documents/{doc}/withdraw"),
                Some(json!({"reason": "Uploaded to the wrong case."})),
            )
            .await;
            vars.push(("{withdrawn_document}", doc));
        }
        self.assign(&case, kind).await;
        if kind == Kind::Linked {
            self.about_everyone(&case).await;
        }
        vars
    }

    /// A case taken to `proceedings` (gross misconduct, to a hearing), with two hearings
    /// scheduled, a dismissal recorded at the first and a draft outcome publication.
    async fn case_in_proceedings(&self, kind: Kind, need: &Need<'_>) -> Vars {
        let (recorder, restricted) = self.recorder(kind);
        let case = self
            .new_case(recorder, restricted, "2026-11-01T09:00:00Z")
            .await;
        let base = format!("/api/v1/cases/{case}");
        let (subject, _) = self.new_subject().await;
        self.allege(&case, &subject, "other").await;
        let sup2 = self.supervisor2.as_str();
        self.transition(&case, "assessment").await;
        self.decide(sup2, &case, json!({"kind": "severity_assessment", "subject_id": subject, "severity": "gross_misconduct", "rationale": "r"})).await;
        self.assign(&case, kind).await;
        self.transition(&case, "investigation").await;
        self.decide(sup2, &case, json!({"kind": "reg17_notice", "subject_id": subject, "served_at": "2026-11-05T09:00:00Z", "rationale": "r"})).await;
        let investigator = match kind {
            Kind::Visible | Kind::Linked => self.token(Role::Investigator),
            Kind::Invisible | Kind::Restricted => &self.investigator2.1,
        };
        self.decide(investigator, &case, json!({"kind": "final_report", "summary": "s", "submitted_at": "2026-11-20T09:00:00Z", "rationale": "r"})).await;
        self.transition(&case, "decision").await;
        self.decide(sup2, &case, json!({"kind": "case_to_answer", "subject_id": subject, "answer": "gross_misconduct", "proceedings": "hearing", "rationale": "r"})).await;
        self.transition(&case, "proceedings").await;
        let hearing = json!({"kind": "misconduct_hearing", "subject_ids": [subject], "scheduled_for": var(&self.common, "{hearing_at}"),
                             "venue": "Force HQ", "chair": "Deputy Chief Constable"});
        let first = self
            .made(sup2, &format!("{base}/proceedings"), hearing.clone())
            .await;
        let proceeding = self
            .made(sup2, &format!("{base}/proceedings"), hearing)
            .await;
        let outcome = self
            .made(
                sup2,
                &format!("{base}/outcomes"),
                json!({"proceeding_id": first, "subject_id": subject, "finding": "gross_misconduct_proven",
                       "action": "dismissal_without_notice", "rationale": "Proven."}),
            )
            .await;
        let publication = self
            .made(
                sup2,
                &format!("{base}/publications"),
                json!({"kind": "outcome", "officer_name": "PC Alex Smith", "force": "Wessex Police",
                       "allegation_summary": "Abuse of position.", "outcome": "Dismissed without notice.",
                       "publish_from": var(&self.common, "{now}")}),
            )
            .await;
        // Only for the rows that read one: the rows that record one need none there yet.
        let list_report = if need.has("{list_report}") {
            self.made(
                sup2,
                &format!("{base}/list-reports"),
                json!({"subject_id": subject, "list": "barred", "reported_on": var(&self.common, "{today}")}),
            )
            .await
        } else {
            String::new()
        };
        if kind == Kind::Linked {
            self.about_everyone(&case).await;
        }
        vec![
            ("{case}", case),
            ("{case_subject}", subject),
            ("{proceeding}", proceeding),
            ("{outcome}", outcome),
            ("{publication}", publication),
            ("{list_report}", list_report),
        ]
    }

    /// The subject of the case of the kind; for the linked kind, each caller's own record.
    async fn subject(&self, kind: Kind) -> Built {
        let case = self.shared_case(kind).await;
        if kind == Kind::Linked {
            return Built::ByRole(
                self.own_subjects
                    .iter()
                    .map(|own| {
                        vec![
                            ("{subject}", own.clone()),
                            ("{subject_case}", var(&case, "{case}").to_owned()),
                        ]
                    })
                    .collect(),
            );
        }
        Built::Same(vec![
            ("{subject}", var(&case, "{case_subject}").to_owned()),
            ("{subject_case}", var(&case, "{case}").to_owned()),
        ])
    }

    /// Two subjects with earlier allegations in the case of the kind (one APSP allegation;
    /// two others), each then alleged against in a visible case, which flags both.
    async fn flagged(&self, kind: Kind) -> Vars {
        let prior = self.shared_case(kind).await;
        let prior = var(&prior, "{case}");
        let (subject, collar) = self.new_subject().await;
        let (twin, twin_collar) = self.new_subject().await;
        self.allege(prior, &subject, "apsp").await;
        self.allege(prior, &twin, "other").await;
        self.allege(prior, &twin, "other").await;
        let mut flagged = Vec::new();
        for who in [&subject, &twin] {
            let case = self
                .new_case(self.token(Role::Intake), false, "2026-11-01T09:00:00Z")
                .await;
            self.assign(&case, Kind::Visible).await;
            self.allege(&case, who, "other").await;
            flagged.push(case);
        }
        let twin_case = flagged.pop().unwrap();
        let case = flagged.pop().unwrap();
        vec![
            ("{subject}", subject),
            ("{subject~}", twin),
            ("{subject_collar}", collar),
            ("{subject_collar~}", twin_collar),
            ("{flagged_case}", case),
            ("{flagged_case~}", twin_case),
        ]
    }

    /// A report from the public, naming an officer or not; returns its id.
    async fn submit(&self, collar: Option<&str>) -> String {
        self.receipt_naming(collar).await.1
    }

    async fn receipt(&self) -> (Vars, String) {
        self.receipt_naming(None).await
    }

    async fn receipt_naming(&self, collar: Option<&str>) -> (Vars, String) {
        let mut body = json!({"what_happened": "An officer keeps messaging me.", "reporter_is_affected": true,
                              "contact_name": "Jane Roe", "contact_phone": "07700 900123", "consent_to_contact": true});
        if let Some(collar) = collar {
            body["officer_force"] = json!("Wessex Police");
            body["officer_collar_number"] = json!(collar);
        }
        let receipt = self
            .app
            .post("/api/v1/public/reports")
            .json(&body)
            .send()
            .await
            .expect(201)
            .json();
        let reference = receipt["reference"].as_str().unwrap().to_owned();
        let id: Uuid = {
            use probity::db::schema::public_reports::dsl as r;
            r::public_reports
                .filter(r::reference.eq(&reference))
                .select(r::id)
                .first(&mut *self.conn.borrow_mut())
                .unwrap()
        };
        let vars = vec![
            ("{reference}", reference),
            (
                "{receipt_token}",
                receipt["receipt_token"].as_str().unwrap().to_owned(),
            ),
        ];
        (vars, id.to_string())
    }

    /// Accepts a report as `token`; returns the new case's id.
    async fn accept(&self, token: &str, report: &str) -> String {
        self.send(
            Method::POST,
            token,
            &format!("/api/v1/intake/reports/{report}/accept"),
            Some(json!({"category": "other"})),
        )
        .await
        .json()["case_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn reject(&self, token: &str, report: &str) {
        self.send(
            Method::POST,
            token,
            &format!("/api/v1/intake/reports/{report}/reject"),
            Some(json!({"reason": "Not a police matter."})),
        )
        .await;
    }

    async fn report(&self, kind: Kind) -> Built {
        let intake = self.token(Role::Intake);
        match kind {
            Kind::Visible => {
                let received = self.submit(None).await;
                let accepted = self.submit(None).await;
                self.accept(intake, &accepted).await;
                let rejected = self.submit(None).await;
                self.reject(intake, &rejected).await;
                Built::Same(vec![
                    ("{report}", received),
                    ("{accepted_report}", accepted),
                    ("{rejected_report}", rejected),
                ])
            }
            Kind::Invisible | Kind::Restricted => {
                let report = self.submit(None).await;
                let case = self.accept(&self.intake2, &report).await;
                if kind == Kind::Restricted {
                    self.send(
                        Method::PATCH,
                        &self.supervisor2,
                        &format!("/api/v1/cases/{case}"),
                        Some(json!({"restricted": true})),
                    )
                    .await;
                }
                Built::Same(vec![
                    ("{report}", report.clone()),
                    ("{accepted_report}", report.clone()),
                    ("{rejected_report}", report),
                ])
            }
            Kind::Linked => {
                let mut by_role = Vec::new();
                for collar in &self.own_collars {
                    let received = self.submit(Some(collar)).await;
                    let accepted = self.submit(Some(collar)).await;
                    self.accept(&self.intake2, &accepted).await;
                    let rejected = self.submit(Some(collar)).await;
                    self.reject(&self.intake2, &rejected).await;
                    by_role.push(vec![
                        ("{report}", received),
                        ("{accepted_report}", accepted),
                        ("{rejected_report}", rejected),
                    ]);
                }
                Built::ByRole(by_role)
            }
        }
    }

    /// An open task for each caller in the case of the kind (given by SQL: the API rightly
    /// refuses a task to someone who cannot see the case).
    async fn my_tasks(&self, kind: Kind) -> Built {
        let case = self.shared_case(kind).await;
        let case = var(&case, "{case}");
        let mut by_role = Vec::new();
        let mut sql = String::new();
        for user in &self.ids {
            let task = Uuid::new_v4();
            sql.push_str(&format!(
                "INSERT INTO tasks (id, case_id, title, assignee_id, status, created_by, version, created_at, updated_at) \
                 VALUES ('{task}', '{case}', 'Call the witness back', '{user}', 'open', '{user}', 1, now(), now());\n"
            ));
            by_role.push(vec![("{my_task}", task.to_string())]);
        }
        self.sql(&sql);
        Built::ByRole(by_role)
    }

    /// An investigator whose only open case is one of the kind.
    async fn workload(&self, kind: Kind) -> Vars {
        let investigator = self.app.create_user(
            &format!("matrix.workload.{}", self.unique()),
            Role::Investigator,
        );
        let (recorder, restricted) = self.recorder(kind);
        let case = self
            .new_case(recorder, restricted, "2026-11-01T09:00:00Z")
            .await;
        self.send(
            Method::PUT,
            &self.supervisor2,
            &format!("/api/v1/cases/{case}/assignment"),
            Some(json!({"investigator_id": investigator})),
        )
        .await;
        if kind == Kind::Linked {
            self.about_everyone(&case).await;
        }
        vec![("{workload_investigator}", investigator.to_string())]
    }

    /// A month whose only case is one of the kind, and a twin month whose only case is one of
    /// the same kind with another category and source.
    async fn month(&self, kind: Kind) -> Vars {
        // Months long past, that no other case of the matrix is received in.
        let months = match kind {
            Kind::Visible => ("2025-01", "2025-02", "2025-03"),
            Kind::Invisible => ("2025-03", "2025-04", "2025-05"),
            Kind::Restricted => ("2025-05", "2025-06", "2025-07"),
            Kind::Linked => ("2025-07", "2025-08", "2025-09"),
        };
        let (recorder, restricted) = self.recorder(kind);
        let (category, twin_category) = ("apsp", "corruption");
        for (month, category, source) in [
            (months.0, category, "intelligence"),
            (months.1, twin_category, "anonymous"),
        ] {
            let case = self
                .new_case_in(
                    recorder,
                    restricted,
                    &format!("{month}-15T09:00:00Z"),
                    category,
                    source,
                )
                .await;
            if kind == Kind::Linked {
                self.about_everyone(&case).await;
            }
        }
        vec![
            ("{from}", format!("{}-01T00:00:00Z", months.0)),
            ("{to}", format!("{}-01T00:00:00Z", months.1)),
            ("{from~}", format!("{}-01T00:00:00Z", months.1)),
            ("{to~}", format!("{}-01T00:00:00Z", months.2)),
            ("{category}", category.to_owned()),
        ]
    }

    async fn session(&self) -> Vars {
        let tokens = self
            .app
            .login_as("matrix.session", PASSWORD)
            .await
            .expect(200)
            .json();
        vec![(
            "{refresh_token}",
            tokens["refresh_token"].as_str().unwrap().to_owned(),
        )]
    }

    fn account(&self) -> Vars {
        let id = self.app.create_user(
            &format!("matrix.account.{}", self.unique()),
            Role::Investigator,
        );
        vec![("{user}", id.to_string())]
    }

    /// Breaks the linked case's audit chain (its first event altered behind the
    /// application's back), once.
    pub async fn break_linked_chain(&self) {
        if self.chain_broken.replace(true) {
            return;
        }
        let case = self.shared_case(Kind::Linked).await;
        let case = var(&case, "{case}");
        self.app.sql(&format!(
            "SET session_replication_role = replica; \
             UPDATE audit_events SET after = '{{\"tampered\": true}}' WHERE chain_id = '{case}' AND seq = 1"
        ));
    }
}
