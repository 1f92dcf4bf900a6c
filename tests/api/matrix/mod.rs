//! One authorization matrix over every operation of the OpenAPI document: every operation ×
//! every caller (no token, and each role) × every kind of object it can act on (visible,
//! invisible, restricted, linked to the caller as the accused), from one table
//! (`table.rs`). An operation of the document without rows in the table, or a row for an
//! operation the document no longer has, fails the suite.
//!
//! A cell's expected status comes from its row: the status on an object the caller's role
//! may see, or on one it may not (404 where the role has the permission: what a caller may
//! not see does not exist for them; 403 where it lacks it), or without a token (401, except
//! on public operations). Whether a role may see an object is the need-to-know rule as
//! written, for the objects the fixtures build ([`sees_case`], [`seen`]). Beyond the
//! status, a collection must list what the caller sees and nothing else, and the side doors
//! (flags, statistics, workload, audit verification) must tell nothing about the cases the
//! caller cannot see.
//!
//! Rows run in a few groups, each a test of its own with its own database, so that they run
//! in parallel.

mod fixtures;
mod table;

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::Method;
use probity::domain::Role;
use serde_json::Value;

use fixtures::{BOUNDARY, Built, Need, Vars, World, upload_form};
use table::{Body, Check, Kind, Objects, Row, Sight, TABLE};

pub fn index(role: Role) -> usize {
    Role::ALL.iter().position(|r| *r == role).unwrap()
}

/// Which of a case's rules applies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CaseSight {
    /// Its content, while it is in `intake`.
    Intake,
    /// Its content, once it has left `intake`.
    PastIntake,
    /// Its audit trail.
    Trail,
}

/// The need-to-know rule, for the cases the fixtures build.
fn sees_case(role: Role, kind: Kind, sight: CaseSight) -> bool {
    match (kind, role, sight) {
        // Nobody sees a case about themselves, whatever their role.
        (Kind::Linked, _, _) => false,
        // Supervisors: every case but the restricted ones they are not a member of.
        (Kind::Visible | Kind::Invisible, Role::Supervisor, _) => true,
        // Auditors: every case's trail, and no case's content.
        (_, Role::Auditor, CaseSight::Trail) => true,
        // Investigators: the case assigned to them (its trail too).
        (Kind::Visible, Role::Investigator, _) => true,
        // Intake: the case they recorded, while it is in intake (not its trail).
        (Kind::Visible, Role::Intake, CaseSight::Intake) => true,
        _ => false,
    }
}

/// Whether `role` may see the object of `kind`.
fn seen(objects: Objects, role: Role, kind: Kind) -> bool {
    match objects {
        Objects::Case | Objects::MyTask | Objects::Workload | Objects::Month => {
            sees_case(role, kind, CaseSight::Intake)
        }
        Objects::CaseInProceedings => sees_case(role, kind, CaseSight::PastIntake),
        Objects::Trail => sees_case(role, kind, CaseSight::Trail),
        // The registry is one for the force; nobody reads their own record.
        Objects::Subject => kind != Kind::Linked,
        // The flagged subjects and cases are visible; what the flags say is checked.
        Objects::Flagged => true,
        // A received report is there for intake, unless it names them; an accepted one only
        // for those who see its case.
        Objects::Report => match kind {
            Kind::Visible => true,
            Kind::Invisible => sees_case(role, kind, CaseSight::Intake),
            Kind::Restricted | Kind::Linked => false,
        },
        Objects::None | Objects::Session | Objects::Account | Objects::Receipt => true,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    CaseReads,
    OtherReads,
    CaseChanges,
    ProceedingsChanges,
    OtherChanges,
}

fn group(row: &Row) -> Group {
    match (row.objects, row.method == "GET") {
        (Objects::Case | Objects::CaseInProceedings | Objects::Trail, true) => Group::CaseReads,
        (_, true) => Group::OtherReads,
        (Objects::Case, false) => Group::CaseChanges,
        (Objects::CaseInProceedings, false) => Group::ProceedingsChanges,
        (_, false) => Group::OtherChanges,
    }
}

fn kind_name(kind: Option<Kind>) -> &'static str {
    match kind {
        None => "no",
        Some(Kind::Visible) => "visible",
        Some(Kind::Invisible) => "invisible",
        Some(Kind::Restricted) => "restricted",
        Some(Kind::Linked) => "linked",
    }
}

/// `template` with its placeholders filled; for the twin, with the twins' values.
fn fill(template: &str, vars: &Vars, common: &Vars, n: u32, twin: bool) -> String {
    let mut out = template.to_owned();
    if twin {
        for (key, value) in vars {
            if let Some(base) = key.strip_suffix("~}") {
                out = out.replace(&format!("{base}}}"), value);
            }
        }
    }
    for (key, value) in vars.iter().chain(common) {
        out = out.replace(key, value);
    }
    out = out.replace("{n}", &n.to_string());
    for (at, _) in out.match_indices('{') {
        let name: String = out[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_' || *c == '~')
            .collect();
        assert!(
            name.is_empty() || !out[at + 1 + name.len()..].starts_with('}'),
            "`{template}`: no value for {{{name}}}"
        );
    }
    out
}

/// The values at `path` (`a.b`, `items[]` for each element, `items[ID]` for the element
/// whose `id` is ID).
fn select(value: &Value, path: &str) -> Vec<Value> {
    let mut current = vec![value.clone()];
    for segment in path.split('.') {
        let (name, filter) = match segment.find('[') {
            Some(i) => (&segment[..i], Some(&segment[i + 1..segment.len() - 1])),
            None => (segment, None),
        };
        let mut next = Vec::new();
        for v in &current {
            let field = &v[name];
            match filter {
                None => next.push(field.clone()),
                Some(id) => next.extend(
                    field
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|item| id.is_empty() || item["id"] == id)
                        .cloned(),
                ),
            }
        }
        current = next;
    }
    current
}

fn is_date(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
        || chrono::NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").is_ok()
}

/// A response with what may differ between twins (their own names, numbers and ids, and
/// dates) replaced, so that two answers can be compared for what they tell about others.
fn normalise(value: &Value, replacements: &[(String, String)]) -> Value {
    let text = |s: &str| -> String {
        if is_date(s) {
            return "<date>".to_owned();
        }
        replacements
            .iter()
            .fold(s.to_owned(), |s, (from, to)| s.replace(from, to))
    };
    match value {
        Value::String(s) => Value::String(text(s)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| normalise(v, replacements)).collect())
        }
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (text(k), normalise(v, replacements)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What to replace in the answer about an object (or, `twin`, about its twin): each value
/// that has a twin, by its placeholder; the longest first.
fn replacements(vars: &Vars, twin: bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vars
        .iter()
        .filter_map(|(key, value)| {
            let base = key.strip_suffix("~}").map(|b| format!("{b}}}"))?;
            let own = if twin {
                value.clone()
            } else {
                vars.iter().find(|(k, _)| *k == base)?.1.clone()
            };
            Some((own, base))
        })
        .collect();
    out.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    out
}

struct Cell<'a> {
    world: &'a World,
    row: &'static Row,
    caller: Option<Role>,
    kind: Option<Kind>,
    vars: &'a Vars,
    n: u32,
}

impl Cell<'_> {
    fn who(&self) -> String {
        self.caller
            .map_or_else(|| "no token".to_owned(), |r| r.to_string())
    }

    fn describe(&self) -> String {
        format!(
            "{} {} as {} on the {} object ({})",
            self.row.method,
            self.row.path,
            self.who(),
            kind_name(self.kind),
            fill(self.row.path, self.vars, self.world.common(), self.n, false),
        )
    }

    fn fill(&self, template: &str, twin: bool) -> String {
        fill(template, self.vars, self.world.common(), self.n, twin)
    }

    async fn send(&self, twin: bool) -> crate::support::Resp {
        let method = Method::from_bytes(self.row.method.as_bytes()).unwrap();
        let changes = method != Method::GET;
        let mut req = self.world.app.req(method, &self.fill(self.row.path, twin));
        if changes {
            req = req.header("if-match", "*");
        }
        if let Some((name, value)) = self.row.header {
            req = req.header(name, &self.fill(value, twin));
        }
        if let Some(role) = self.caller {
            req = req.token(self.world.token(role));
        }
        match self.row.body {
            Body::Empty => {}
            Body::Json(body) => {
                let body: Value = serde_json::from_str(&self.fill(body, twin))
                    .unwrap_or_else(|e| panic!("{}: body is not JSON: {e}", self.describe()));
                req = req.json(&body);
            }
            Body::Upload => {
                req = req.raw(
                    &format!("multipart/form-data; boundary={BOUNDARY}"),
                    upload_form(false),
                );
            }
        }
        req.send().await
    }

    /// The figures' open cases by state are those of the caller's case list.
    async fn open_cases_are_those_listed(&self, role: Role, figures: &Value) -> Result<(), String> {
        let Some(figured) = figures.get("open_by_state") else {
            return Ok(());
        };
        let list = self
            .world
            .app
            .get("/api/v1/cases?limit=500")
            .token(self.world.token(role))
            .send()
            .await
            .expect(200)
            .json();
        let mut listed: BTreeMap<String, u64> = BTreeMap::new();
        for case in select(&list, "items[]") {
            let state = case["state"].as_str().unwrap_or_default().to_owned();
            if state != "closed" {
                *listed.entry(state).or_default() += 1;
            }
        }
        let figured: BTreeMap<String, u64> = serde_json::from_value(figured.clone())
            .map_err(|e| format!("{}: open_by_state: {e}", self.describe()))?;
        if figured == listed {
            Ok(())
        } else {
            Err(format!(
                "{}: open cases by state {figured:?}, where the caller sees {listed:?}",
                self.describe()
            ))
        }
    }

    /// Runs the cell; `Err` says how it differs from the table.
    async fn run(&self, expected: u16, seen_by_caller: bool) -> Result<(), String> {
        let resp = self.send(false).await;
        let status = resp.status.as_u16();
        if status != expected {
            if self.row.method != "GET" && resp.status.is_success() {
                self.world.forget(self.row.objects, self.kind);
            }
            let body: String = String::from_utf8_lossy(&resp.bytes)
                .chars()
                .take(300)
                .collect();
            return Err(format!(
                "{}: expected {expected}, got {status}: {body}",
                self.describe()
            ));
        }
        let (Some(role), Some(kind)) = (self.caller, self.kind) else {
            return Ok(());
        };
        if !(200..300).contains(&status) {
            return Ok(());
        }
        let case_seen = sees_case(role, kind, CaseSight::Intake);
        match self.row.check {
            Check::Status => Ok(()),
            Check::Lists { at, key, sight } => {
                let id = self.fill(key, false);
                let listed = select(&resp.json(), at)
                    .iter()
                    .any(|v| v.as_str() == Some(id.as_str()));
                let should = match sight {
                    Sight::Object => seen_by_caller,
                    Sight::CaseContent => case_seen,
                };
                match (should, listed) {
                    (true, false) => Err(format!("{}: {key} {id} is not listed", self.describe())),
                    (false, true) => Err(format!(
                        "{}: {key} {id} is listed, and the caller may not see it",
                        self.describe()
                    )),
                    _ => Ok(()),
                }
            }
            Check::FirstBroken { key } => {
                let id = self.fill(key, false);
                let text = String::from_utf8_lossy(&resp.bytes);
                if !seen_by_caller && text.contains(&id) {
                    Err(format!(
                        "{}: the report names {key} {id}, whose trail the caller may not read: {text}",
                        self.describe()
                    ))
                } else {
                    Ok(())
                }
            }
            Check::Flags { at } => {
                let reasons = select(&resp.json(), &self.fill(at, false));
                let nonempty = reasons
                    .first()
                    .and_then(Value::as_array)
                    .is_some_and(|r| !r.is_empty());
                if !nonempty {
                    return Err(format!(
                        "{}: no flag reasons at {at}: {reasons:?}",
                        self.describe()
                    ));
                }
                if case_seen {
                    return Ok(());
                }
                let twin = self.send(true).await;
                let twin_reasons = select(&twin.json(), &self.fill(at, true));
                let ours = normalise(&Value::Array(reasons), &replacements(self.vars, false));
                let theirs = normalise(&Value::Array(twin_reasons), &replacements(self.vars, true));
                if ours == theirs {
                    Ok(())
                } else {
                    Err(format!(
                        "{}: the flag reasons tell the twins apart, by what is in a case the caller cannot see: {ours} ≠ {theirs}",
                        self.describe()
                    ))
                }
            }
            Check::Stats => {
                let figures = resp.json();
                if kind == Kind::Visible {
                    self.open_cases_are_those_listed(role, &figures).await?;
                }
                if seen_by_caller {
                    let category = self.fill("{category}", false);
                    let counted = figures["received_by_category"][&category]
                        .as_i64()
                        .unwrap_or(0);
                    return if counted >= 1 {
                        Ok(())
                    } else {
                        Err(format!(
                            "{}: the month's {category} case is not counted: {figures}",
                            self.describe()
                        ))
                    };
                }
                let twin = self.send(true).await.json();
                let ours = normalise(&figures, &replacements(self.vars, false));
                let theirs = normalise(&twin, &replacements(self.vars, true));
                if ours == theirs {
                    Ok(())
                } else {
                    Err(format!(
                        "{}: the figures tell apart two months whose only cases the caller cannot see: {ours} ≠ {theirs}",
                        self.describe()
                    ))
                }
            }
            Check::Workload => {
                let investigator = self.fill("{workload_investigator}", false);
                let open = select(&resp.json(), "items[]")
                    .iter()
                    .find(|e| e["investigator_id"] == investigator.as_str())
                    .and_then(|e| e["open_total"].as_u64())
                    .unwrap_or(0);
                match (seen_by_caller, open > 0) {
                    (true, false) => Err(format!(
                        "{}: the investigator's open case is not counted",
                        self.describe()
                    )),
                    (false, true) => Err(format!(
                        "{}: counts {open} open case(s) the caller cannot see",
                        self.describe()
                    )),
                    _ => Ok(()),
                }
            }
        }
    }
}

/// Runs every row of a group, and fails with every cell that differs from the table.
async fn run(which: Group) {
    let world = World::new().await;
    let mut failures = Vec::new();
    let mut cells = 0;
    for row in TABLE.iter().filter(|r| group(r) == which) {
        if matches!(row.check, Check::FirstBroken { .. }) {
            world.break_linked_chain().await;
        }
        let callers = std::iter::once(None).chain(Role::ALL.iter().copied().map(Some));
        for caller in callers {
            for kind in row.columns() {
                cells += 1;
                let seen_by_caller = match (caller, kind) {
                    (Some(role), Some(kind)) => seen(row.objects, role, kind),
                    _ => true,
                };
                let expected = row.expected(caller, kind, seen_by_caller);
                // Without a token there is nobody for an object to be about: any will do.
                let role = caller.map_or(0, index);
                // A change that should succeed gets objects of its own; everything else
                // shares them (a refused request changes nothing).
                let changes = row.method != "GET" && (200..300).contains(&expected);
                let fresh: Built;
                let shared;
                let vars = if changes {
                    let body = match row.body {
                        Body::Json(b) => b,
                        _ => "",
                    };
                    let texts = [row.path, body];
                    fresh = world
                        .fresh(row.objects, kind, &Need::named_in(&texts))
                        .await;
                    fresh.for_role(role)
                } else {
                    shared = world.objects(row.objects, kind).await;
                    shared.for_role(role)
                };
                let cell = Cell {
                    world: &world,
                    row,
                    caller,
                    kind,
                    vars,
                    n: world.unique(),
                };
                if let Err(failure) = cell.run(expected, seen_by_caller).await {
                    failures.push(failure);
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the {cells} cells of {which:?} differ from the table:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[actix_web::test]
async fn reads_of_cases() {
    run(Group::CaseReads).await;
}

#[actix_web::test]
async fn reads_beside_cases() {
    run(Group::OtherReads).await;
}

#[actix_web::test]
async fn changes_to_cases() {
    run(Group::CaseChanges).await;
}

#[actix_web::test]
async fn changes_to_proceedings() {
    run(Group::ProceedingsChanges).await;
}

#[actix_web::test]
async fn changes_beside_cases() {
    run(Group::OtherChanges).await;
}

/// A path with its parameters unnamed and its query left out: `/cases/{}/parties`.
fn template(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_operation_of_the_openapi_document_has_rows() {
    let api = serde_json::to_value(probity::http::openapi()).unwrap();
    let mut documented = BTreeMap::new();
    for (path, item) in api["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            if ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
                .contains(&method.as_str())
            {
                documented.insert((method, template(path)), path.clone());
            }
        }
    }
    let tabled: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|r| (r.method.to_owned(), template(r.path)))
        .collect();
    let mut problems = Vec::new();
    for ((method, key), path) in &documented {
        if !tabled.contains(&(method.clone(), key.clone())) {
            problems.push(format!(
                "{method} {path} has no rows in the authorization matrix (tests/api/matrix/table.rs)"
            ));
        }
    }
    for (method, key) in &tabled {
        if !documented.contains_key(&(method.clone(), key.clone())) {
            problems.push(format!(
                "the authorization matrix has rows for {method} {key}, which the OpenAPI document does not have"
            ));
        }
    }
    assert!(
        !documented.is_empty(),
        "the OpenAPI document has no operations"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
