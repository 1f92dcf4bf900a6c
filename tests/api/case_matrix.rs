//! Every case endpoint × every role × (visible, invisible object), from one table: who may
//! call what, on which case.
//!
//! Each role has a case it may see and one it may not:
//! - visible: recorded by the intake officer, still in `intake`, assigned to the investigator.
//!   Intake (its creator), the investigator (assigned) and the supervisor see it; the auditor
//!   reads its audit trail only; the admin sees nothing.
//! - invisible: a restricted case recorded by a second supervisor (its only member), assigned
//!   to nobody, with an allegation against a subject linked to the auditor's own account. The
//!   first supervisor, the investigator and intake may not see it, and the auditor may not
//!   read its trail (nobody sees a case about themselves).
//!
//! A subject is invisible to the user it is linked to: nobody reads their own record.
//!
//! A role without the endpoint's permission gets 403 whatever the object; a role with it gets
//! 404 on an invisible object (it does not exist for them), and on a visible one the success
//! status, or 403 where an object-level rule refuses (only supervisors restrict, assign or
//! suspend; the workflow and the decision rules say who moves and who decides). Without a
//! token every one of these endpoints answers 401.

use std::cell::Cell;

use actix_web::http::Method;
use probity::domain::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::casework::{add_allegation, create_case, create_subject, etag};
use crate::support::{Resp, TestApp};

/// Expected statuses, one per role, in `Role::ALL` order.
type Statuses = [u16; 5];

/// What every endpoint answers without a token.
const ANONYMOUS: u16 = 401;

struct Row {
    method: &'static str,
    /// With `{case}`, `{party}`, `{allegation}` and `{subject}` placeholders.
    path: &'static str,
    /// JSON, with the same placeholders, and `{investigator}`, `{supervisor}` (their ids) and
    /// `{collar}` (a collar number not yet registered).
    body: Option<&'static str>,
    visible: Statuses,
    /// `None` for endpoints without an object in their path.
    invisible: Option<Statuses>,
    /// For collections: the placeholder whose visible object must be listed, and whose
    /// invisible object must not be.
    lists: Option<&'static str>,
}

const NEW_CASE: &str = r#"{"title": "Officer contacting a victim off duty", "summary": "Internal referral.",
    "source": "internal_referral", "category": "other", "received_at": "2026-11-01T09:00:00Z"}"#;
const NEW_RESTRICTED_CASE: &str = r#"{"title": "Counter-corruption intelligence", "summary": "Intelligence report.",
    "source": "intelligence", "category": "corruption", "received_at": "2026-11-01T09:00:00Z", "restricted": true}"#;
const PARTY: &str = r#"{"role": "witness", "name": "John Doe", "phone": "07700 900456"}"#;
const NEW_ALLEGATION: &str = r#"{"subject_id": "{subject}", "standard": "discreditable_conduct",
    "category": "other", "description": "Visited the victim off duty."}"#;
const ALLEGATION: &str = r#"{"standard": "authority_respect_and_courtesy", "category": "other",
    "description": "Visited the victim off duty, twice."}"#;
const NOTE: &str = r#"{"body": "Called the witness; call back on Monday."}"#;
const TWELVE_MONTH_REPORT: &str = r#"{"kind": "twelve_month_report", "reported_at": "2026-11-10T09:00:00Z",
    "rationale": "Report sent to the PCC and the IOPC."}"#;
const SEVERITY: &str = r#"{"kind": "severity_assessment", "subject_id": "{subject}", "severity": "misconduct",
    "rationale": "Would be misconduct if proven."}"#;
const FINAL_REPORT: &str = r#"{"kind": "final_report", "summary": "The evidence supports the allegation.",
    "submitted_at": "2026-11-20T09:00:00Z", "rationale": "Investigation complete."}"#;
const NEW_SUBJECT: &str = r#"{"force": "Wessex Police", "collar_number": "{collar}", "name": "PC Newly Registered", "rank": "Constable"}"#;

const fn row(
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    visible: Statuses,
    invisible: Option<Statuses>,
) -> Row {
    Row {
        method,
        path,
        body,
        visible,
        invisible,
        lists: None,
    }
}

const fn listing(path: &'static str, lists: &'static str, statuses: Statuses) -> Row {
    Row {
        method: "GET",
        path,
        body: None,
        visible: statuses,
        invisible: Some(statuses),
        lists: Some(lists),
    }
}

/// The table. Columns: admin, supervisor, investigator, intake, auditor.
#[rustfmt::skip]
const TABLE: &[Row] = &[
    listing("/api/v1/cases?limit=500", "{case}",                                         [403, 200, 200, 200, 403]),
    row("POST", "/api/v1/cases", Some(NEW_CASE),                                         [403, 201, 403, 201, 403], None),
    // Only supervisors restrict.
    row("POST", "/api/v1/cases", Some(NEW_RESTRICTED_CASE),                              [403, 201, 403, 403, 403], None),
    row("GET", "/api/v1/cases/{case}", None,                                             [403, 200, 200, 200, 403], Some([403, 404, 404, 404, 403])),
    row("PATCH", "/api/v1/cases/{case}", Some(r#"{"title": "Renamed by the matrix"}"#),  [403, 200, 200, 200, 403], Some([403, 404, 404, 404, 403])),
    // Restricting needs `cases.manage`, checked before the case is looked up.
    row("PATCH", "/api/v1/cases/{case}", Some(r#"{"restricted": true}"#),                [403, 200, 403, 403, 403], Some([403, 404, 403, 403, 403])),
    // intake → assessment: intake or a supervisor.
    row("POST", "/api/v1/cases/{case}/transitions", Some(r#"{"to": "assessment", "reason": "Ready for assessment."}"#),
                                                                                         [403, 200, 403, 200, 403], Some([403, 404, 404, 404, 403])),
    // Suspending: a supervisor only.
    row("POST", "/api/v1/cases/{case}/transitions", Some(r#"{"to": "suspended", "reason": "Criminal proceedings."}"#),
                                                                                         [403, 200, 403, 403, 403], Some([403, 404, 404, 404, 403])),
    row("PUT", "/api/v1/cases/{case}/assignment", Some(r#"{"investigator_id": "{investigator}"}"#),
                                                                                         [403, 200, 403, 403, 403], Some([403, 404, 403, 403, 403])),
    row("PUT", "/api/v1/cases/{case}/members", Some(r#"{"user_ids": ["{supervisor}"]}"#),
                                                                                         [403, 200, 403, 403, 403], Some([403, 404, 403, 403, 403])),
    row("GET", "/api/v1/cases/{case}/audit", None,                                       [403, 200, 200, 403, 200], Some([403, 404, 404, 403, 404])),
    row("GET", "/api/v1/cases/{case}/parties", None,                                     [403, 200, 200, 200, 403], Some([403, 404, 404, 404, 403])),
    row("POST", "/api/v1/cases/{case}/parties", Some(PARTY),                             [403, 201, 201, 201, 403], Some([403, 404, 404, 404, 403])),
    row("PATCH", "/api/v1/cases/{case}/parties/{party}", Some(PARTY),                    [403, 200, 200, 200, 403], Some([403, 404, 404, 404, 403])),
    row("GET", "/api/v1/cases/{case}/allegations", None,                                 [403, 200, 200, 200, 403], Some([403, 404, 404, 404, 403])),
    row("POST", "/api/v1/cases/{case}/allegations", Some(NEW_ALLEGATION),                [403, 201, 201, 201, 403], Some([403, 404, 404, 404, 403])),
    row("PATCH", "/api/v1/cases/{case}/allegations/{allegation}", Some(ALLEGATION),      [403, 200, 200, 200, 403], Some([403, 404, 404, 404, 403])),
    row("GET", "/api/v1/cases/{case}/notes", None,                                       [403, 200, 200, 200, 403], Some([403, 404, 404, 404, 403])),
    row("POST", "/api/v1/cases/{case}/notes", Some(NOTE),                                [403, 201, 201, 201, 403], Some([403, 404, 404, 404, 403])),
    row("GET", "/api/v1/cases/{case}/decisions", None,                                   [403, 200, 200, 200, 403], Some([403, 404, 404, 404, 403])),
    // The assigned investigator or a supervisor.
    row("POST", "/api/v1/cases/{case}/decisions", Some(TWELVE_MONTH_REPORT),             [403, 201, 201, 403, 403], Some([403, 404, 404, 403, 403])),
    // The appropriate authority: a supervisor.
    row("POST", "/api/v1/cases/{case}/decisions", Some(SEVERITY),                        [403, 201, 403, 403, 403], Some([403, 404, 404, 403, 403])),
    // The assigned investigator only.
    row("POST", "/api/v1/cases/{case}/decisions", Some(FINAL_REPORT),                    [403, 403, 201, 403, 403], Some([403, 404, 404, 403, 403])),
    listing("/api/v1/subjects?limit=500", "{subject}",                                   [403, 200, 200, 200, 403]),
    row("POST", "/api/v1/subjects", Some(NEW_SUBJECT),                                   [403, 201, 201, 201, 403], None),
    row("GET", "/api/v1/subjects/{subject}", None,                                       [403, 200, 200, 200, 403], Some([403, 404, 404, 404, 403])),
    row("GET", "/api/v1/subjects/{subject}/history", None,                               [403, 200, 200, 200, 403], Some([403, 404, 404, 404, 403])),
    row("GET", "/api/v1/workload", None,                                                 [403, 200, 403, 403, 403], None),
];

type Objects = Vec<(&'static str, String)>;

/// The application and its staff: a token per role, and every user's own subject record.
struct Fixture {
    app: TestApp,
    /// In `Role::ALL` order.
    ids: Vec<Uuid>,
    /// In `Role::ALL` order.
    tokens: Vec<String>,
    /// A second supervisor, who records the invisible cases.
    supervisor2: String,
    /// Each user's own subject record (no allegations, except the auditor's), in
    /// `Role::ALL` order.
    own_subjects: Vec<String>,
    collars: Cell<u32>,
}

/// A visible object of each kind, and for each role an invisible one.
struct Scenario {
    visible: Objects,
    /// In `Role::ALL` order.
    invisible: Vec<Objects>,
}

impl Scenario {
    fn objects(&self, visibility: Visibility, role: Option<Role>) -> &Objects {
        match visibility {
            Visibility::Visible => &self.visible,
            // Without a token there is nobody for the object to be hidden from: any will do.
            Visibility::Invisible => &self.invisible[role.map_or(0, index)],
        }
    }
}

fn id_of(resp: Resp) -> String {
    resp.json()["id"].as_str().unwrap().to_owned()
}

async fn add_party(app: &TestApp, token: &str, case_id: &str) -> String {
    id_of(
        app.post(&format!("/api/v1/cases/{case_id}/parties"))
            .token(token)
            .json(&json!({"role": "victim", "name": "Jane Roe", "vulnerability_factors": ["mental_health"]}))
            .send()
            .await
            .expect(201),
    )
}

impl Fixture {
    async fn new() -> Self {
        let app = TestApp::new().await;
        let mut ids = Vec::new();
        let mut tokens = Vec::new();
        for role in Role::ALL {
            let (id, token) = app.user_token(&format!("matrix.{role}"), role).await;
            ids.push(id);
            tokens.push(token);
        }
        let (_, supervisor2) = app
            .user_token("matrix.supervisor.two", Role::Supervisor)
            .await;
        let mut own_subjects = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let collar = format!("{}", 100 + i);
            own_subjects.push(create_subject(&app, &supervisor2, &collar, Some(*id)).await);
        }
        Self {
            app,
            ids,
            tokens,
            supervisor2,
            own_subjects,
            collars: Cell::new(1000),
        }
    }

    fn token(&self, role: Role) -> &str {
        &self.tokens[index(role)]
    }

    /// A collar number not yet registered.
    fn collar(&self) -> String {
        let n = self.collars.get();
        self.collars.set(n + 1);
        n.to_string()
    }

    /// A new visible case and a new invisible one, with their records.
    async fn scenario(&self) -> Scenario {
        let app = &self.app;
        let (intake, supervisor) = (self.token(Role::Intake), self.token(Role::Supervisor));
        let investigator_id = self.ids[index(Role::Investigator)];

        // Visible: recorded by intake, still in intake, assigned to the investigator.
        let case = create_case(app, intake, "other").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let subject = create_subject(app, intake, &self.collar(), None).await;
        let allegation = id_of(
            add_allegation(app, intake, &case, &subject, "other")
                .await
                .expect(201),
        );
        let party = add_party(app, intake, &case).await;
        let tag = etag(app, supervisor, &case).await;
        app.put(&format!("/api/v1/cases/{case}/assignment"))
            .token(supervisor)
            .header("if-match", &tag)
            .json(&json!({"investigator_id": investigator_id}))
            .send()
            .await
            .expect(200);

        // Invisible: restricted, recorded by the second supervisor, assigned to nobody, about
        // the auditor.
        let hidden = id_of(
            app.post("/api/v1/cases")
                .token(&self.supervisor2)
                .json(&serde_json::from_str::<Value>(NEW_RESTRICTED_CASE).unwrap())
                .send()
                .await
                .expect(201),
        );
        let hidden_allegation = id_of(
            add_allegation(
                app,
                &self.supervisor2,
                &hidden,
                &self.own_subjects[index(Role::Auditor)],
                "corruption",
            )
            .await
            .expect(201),
        );
        let hidden_party = add_party(app, &self.supervisor2, &hidden).await;

        let common = [
            ("{investigator}", investigator_id.to_string()),
            (
                "{supervisor}",
                self.ids[index(Role::Supervisor)].to_string(),
            ),
            ("{collar}", self.collar()),
        ];
        let mut visible = vec![
            ("{case}", case),
            ("{party}", party),
            ("{allegation}", allegation),
            ("{subject}", subject),
        ];
        visible.extend(common.iter().cloned());
        let invisible = self
            .own_subjects
            .iter()
            .map(|own| {
                let mut objects = vec![
                    ("{case}", hidden.clone()),
                    ("{party}", hidden_party.clone()),
                    ("{allegation}", hidden_allegation.clone()),
                    ("{subject}", own.clone()),
                ];
                objects.extend(common.iter().cloned());
                objects
            })
            .collect();
        Scenario { visible, invisible }
    }
}

fn index(role: Role) -> usize {
    Role::ALL.iter().position(|r| *r == role).unwrap()
}

fn fill(template: &str, objects: &Objects) -> String {
    objects
        .iter()
        .fold(template.to_owned(), |s, (key, value)| s.replace(key, value))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Visibility {
    Visible,
    Invisible,
}

impl std::fmt::Display for Visibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Visibility::Visible => "visible",
            Visibility::Invisible => "invisible",
        })
    }
}

/// One cell: `row` called by `role` (`None`: no token) on the object of `visibility`.
async fn check(
    fx: &Fixture,
    scenario: &Scenario,
    row: &Row,
    role: Option<Role>,
    visibility: Visibility,
    expected: u16,
    mismatches: &mut Vec<String>,
) {
    let objects = scenario.objects(visibility, role);
    let path = fill(row.path, objects);
    let method = Method::from_bytes(row.method.as_bytes()).unwrap();
    let mut req = fx.app.req(method.clone(), &path);
    if method != Method::GET {
        req = req.header("if-match", "*");
    }
    if let Some(token) = role.map(|r| fx.token(r)) {
        req = req.token(token);
    }
    if let Some(body) = row.body {
        req = req.json(&serde_json::from_str::<Value>(&fill(body, objects)).unwrap());
    }
    let resp = req.send().await;
    let who = role.map_or_else(|| "no token".to_owned(), |r| r.to_string());
    let cell = format!(
        "{} {} as {who} on the {visibility} object ({path})",
        row.method, row.path
    );
    let actual = resp.status.as_u16();
    if actual != expected {
        let body = String::from_utf8_lossy(&resp.bytes);
        let body: String = body.chars().take(300).collect();
        mismatches.push(format!("{cell}: expected {expected}, got {actual}: {body}"));
        return;
    }
    if let (Some(key), 200) = (row.lists, actual) {
        let id = &objects.iter().find(|(k, _)| *k == key).unwrap().1;
        let listed = String::from_utf8_lossy(&resp.bytes).contains(id.as_str());
        match visibility {
            Visibility::Visible if !listed => {
                mismatches.push(format!("{cell}: the visible {key} {id} is not listed"))
            }
            Visibility::Invisible if listed => {
                mismatches.push(format!("{cell}: the invisible {key} {id} is listed"))
            }
            _ => {}
        }
    }
}

#[actix_web::test]
async fn case_authorization_matrix() {
    let fx = Fixture::new().await;
    let mut mismatches = Vec::new();
    let mut cells = 0;
    // Reads change nothing that matters here, so they share one scenario. A change gets new
    // cases for each caller it should succeed for, and new ones for all the callers it should
    // refuse, so that no cell depends on another.
    let shared = fx.scenario().await;
    for row in TABLE {
        let changes = row.method != "GET";
        let mut columns = vec![(Visibility::Visible, row.visible)];
        if let Some(invisible) = row.invisible {
            columns.push((Visibility::Invisible, invisible));
        }
        let refusals = if changes {
            Some(fx.scenario().await)
        } else {
            None
        };
        let callers = std::iter::once(None).chain(Role::ALL.into_iter().map(Some));
        for role in callers {
            let succeeds = role.is_some_and(|r| (200..300).contains(&row.visible[index(r)]));
            let fresh = if changes && succeeds {
                Some(fx.scenario().await)
            } else {
                None
            };
            let scenario = fresh.as_ref().or(refusals.as_ref()).unwrap_or(&shared);
            // Invisible first: a refused request changes nothing.
            for (visibility, statuses) in columns.iter().rev() {
                let expected = role.map_or(ANONYMOUS, |r| statuses[index(r)]);
                check(
                    &fx,
                    scenario,
                    row,
                    role,
                    *visibility,
                    expected,
                    &mut mismatches,
                )
                .await;
                cells += 1;
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells differ from the table:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
