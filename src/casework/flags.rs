//! The early warning: raising flags when an allegation is added, and telling each reader why
//! a case or a subject is flagged in terms of what they can see.
//!
//! Stored on a subject: the codes that fired and when (first, last); on a case: which subject
//! fired which code and when. One entry per code, moved on in place (never appended), and
//! nothing that depends on who reads it. The reasons are written at read time: they count the
//! subject's allegations in other cases the reader can see and say whether one of those is
//! APSP; where allegations exist in cases the reader cannot see, one more reason says so,
//! without a number or a category.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, Event};
use crate::auth::access::LockedCase;
use crate::casework::Caller;
use crate::casework::views::FlagReason;
use crate::config::CaseworkSettings;
use crate::db::models::{CaseRow, SubjectRow};
use crate::db::{cases, early_warning as queries, subjects};
use crate::domain::Viewer;
use crate::domain::early_warning::{AllegationFact, FlagCode, RaisedFlag, Rule, raise};
use crate::error::{ApiError, ApiResult};

fn rule(settings: &CaseworkSettings) -> Rule {
    Rule {
        threshold: settings.early_warning_threshold,
        window_months: settings.early_warning_window_months,
    }
}

/// The flags stored on a case or a subject.
pub fn stored(value: &Value) -> ApiResult<Vec<RaisedFlag>> {
    serde_json::from_value(value.clone()).map_err(|e| ApiError::internal("stored flags", e))
}

fn to_value(flags: &[RaisedFlag]) -> ApiResult<Value> {
    serde_json::to_value(flags).map_err(|e| ApiError::internal("stored flags", e))
}

/// Flags the subject and the case when the subject already has allegations in other cases
/// (at least the threshold within the window), or any earlier APSP allegation. Called after
/// the allegation is inserted, with the subject's row locked.
pub fn raise_on_allegation(
    conn: &mut PgConnection,
    caller: &Caller,
    settings: &CaseworkSettings,
    case: &mut LockedCase,
    subject: &SubjectRow,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let facts: Vec<AllegationFact> =
        queries::allegations_about(conn, &caller.viewer, &[subject.id])?
            .into_iter()
            .map(|(_, f)| f)
            .collect();
    let fired = rule(settings).fired(&facts, case.id, now);
    if fired.is_empty() {
        return Ok(());
    }
    let codes: Vec<&str> = fired.iter().map(|c| c.as_str()).collect();

    let mut on_subject = stored(&subject.flag_reasons)?;
    for code in &fired {
        raise(&mut on_subject, None, *code, now);
    }
    subjects::set_flag(conn, subject.id, &to_value(&on_subject)?)?;
    // An event of the case: whoever may not read the case's trail does not read it either.
    audit::append(
        conn,
        &caller.audit,
        Event::new("subject.flagged")
            .entity("subject", subject.id)
            .case(case.id)
            .after(json!({ "codes": codes })),
    )?;

    let mut on_case = stored(&case.flag_reasons)?;
    for code in &fired {
        raise(&mut on_case, Some(subject.id), *code, now);
    }
    let changes = cases::CaseChanges {
        flagged: Some(true),
        flag_reasons: Some(to_value(&on_case)?),
        ..Default::default()
    };
    let after = cases::update(conn, case, &changes, now)?;
    case.refresh(after)?;
    audit::append(
        conn,
        &caller.audit,
        Event::new("case.flagged")
            .entity("case", case.id)
            .case(case.id)
            .after(json!({ "codes": codes, "subject_id": subject.id })),
    )?;
    Ok(())
}

/// Where the flag a reason explains was raised: the case being read, or another (visible)
/// case, named by its reference.
#[derive(Clone, Copy)]
enum On<'a> {
    ThisCase,
    Case(&'a str),
}

impl On<'_> {
    fn flagged(self) -> String {
        match self {
            On::ThisCase => "this case was flagged".to_owned(),
            On::Case(reference) => format!("{reference} was flagged"),
        }
    }
}

fn who(s: &SubjectRow) -> String {
    format!("{} ({} {})", s.name, s.force, s.collar_number)
}

fn further(subject: &SubjectRow, flagged_at: Option<DateTime<Utc>>) -> FlagReason {
    FlagReason {
        code: FlagCode::FurtherAllegationsNotVisible,
        subject_id: subject.id,
        message: format!(
            "{} has further allegations in cases you cannot see.",
            who(subject)
        ),
        flagged_at,
    }
}

/// The reasons a flag raised on `case_id` for `subject` gives this reader, one per stored
/// code that what they can see bears out, and whether allegations exist, before the flag, in
/// cases they cannot see.
fn reasons_on_case(
    rule: Rule,
    subject: &SubjectRow,
    raised: &[&RaisedFlag],
    facts: &[AllegationFact],
    case_id: Uuid,
    on: On<'_>,
) -> (Vec<FlagReason>, bool) {
    let mut reasons = Vec::new();
    let mut hidden = false;
    for code in [FlagCode::RepeatAllegations, FlagCode::PriorApsp] {
        let Some(flag) = raised.iter().find(|f| f.code == code) else {
            continue;
        };
        let at = flag.last_flagged_at;
        let seen = rule.seen(facts, case_id, at);
        hidden |= seen.hidden;
        let message = match code {
            FlagCode::RepeatAllegations if seen.recent > 0 => format!(
                "{} had {} allegation(s) in other cases you can see in the {} months before {}.",
                who(subject),
                seen.recent,
                rule.window_months,
                on.flagged()
            ),
            FlagCode::PriorApsp if seen.apsp => format!(
                "{} had an earlier APSP allegation in another case you can see when {}.",
                who(subject),
                on.flagged()
            ),
            _ => continue,
        };
        reasons.push(FlagReason {
            code,
            subject_id: subject.id,
            message,
            flagged_at: Some(at),
        });
    }
    (reasons, hidden)
}

fn facts_by_subject(facts: Vec<(Uuid, AllegationFact)>) -> HashMap<Uuid, Vec<AllegationFact>> {
    let mut by_subject: HashMap<Uuid, Vec<AllegationFact>> = HashMap::new();
    for (subject_id, fact) in facts {
        by_subject.entry(subject_id).or_default().push(fact);
    }
    by_subject
}

/// Why the case is flagged, as `viewer` (who sees the case) may be told: for each subject
/// that flagged it, what they can see of that subject's allegations in other cases.
pub fn case_reasons(
    conn: &mut PgConnection,
    viewer: &Viewer,
    settings: &CaseworkSettings,
    case: &CaseRow,
    case_subjects: &[SubjectRow],
) -> ApiResult<Vec<FlagReason>> {
    if !case.flagged {
        return Ok(Vec::new());
    }
    let raised = stored(&case.flag_reasons)?;
    let mut flagging: Vec<&SubjectRow> = Vec::new();
    for s in case_subjects {
        if raised.iter().any(|f| f.subject_id == Some(s.id)) {
            flagging.push(s);
        }
    }
    let ids: Vec<Uuid> = flagging.iter().map(|s| s.id).collect();
    let facts = facts_by_subject(queries::allegations_about(conn, viewer, &ids)?);
    let rule = rule(settings);
    let mut reasons = Vec::new();
    for subject in flagging {
        let mine: Vec<&RaisedFlag> = raised
            .iter()
            .filter(|f| f.subject_id == Some(subject.id))
            .collect();
        let facts = facts.get(&subject.id).map_or(&[][..], Vec::as_slice);
        let (found, hidden) = reasons_on_case(rule, subject, &mine, facts, case.id, On::ThisCase);
        reasons.extend(found);
        if hidden {
            let last = mine.iter().map(|f| f.last_flagged_at).max();
            reasons.push(further(subject, last));
        }
    }
    Ok(reasons)
}

/// Why each flagged subject is flagged, as `viewer` may be told: the reasons of the flagged
/// cases about them that the viewer can see (the latest of each code), and, where the
/// subject has allegations in cases the viewer cannot see, that there are more.
pub fn subject_reasons(
    conn: &mut PgConnection,
    viewer: &Viewer,
    settings: &CaseworkSettings,
    subjects: &[&SubjectRow],
) -> ApiResult<HashMap<Uuid, Vec<FlagReason>>> {
    let flagged: Vec<&SubjectRow> = subjects.iter().copied().filter(|s| s.flagged).collect();
    let ids: Vec<Uuid> = flagged.iter().map(|s| s.id).collect();
    let mut out: HashMap<Uuid, Vec<FlagReason>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let facts = facts_by_subject(queries::allegations_about(conn, viewer, &ids)?);
    let mut cases = Vec::new();
    for (id, reference, value) in queries::flagged_cases_about(conn, viewer, &ids)? {
        cases.push((id, reference, stored(&value)?));
    }
    let rule = rule(settings);
    for subject in flagged {
        let facts = facts.get(&subject.id).map_or(&[][..], Vec::as_slice);
        // The latest reason of each code over the visible cases this subject flagged.
        let mut latest: HashMap<FlagCode, FlagReason> = HashMap::new();
        for (case_id, reference, raised) in &cases {
            let mine: Vec<&RaisedFlag> = raised
                .iter()
                .filter(|f| f.subject_id == Some(subject.id))
                .collect();
            if mine.is_empty() {
                continue;
            }
            let (found, _) =
                reasons_on_case(rule, subject, &mine, facts, *case_id, On::Case(reference));
            for reason in found {
                let newer = latest
                    .get(&reason.code)
                    .is_none_or(|r| r.flagged_at < reason.flagged_at);
                if newer {
                    latest.insert(reason.code, reason);
                }
            }
        }
        let mut reasons: Vec<FlagReason> = [FlagCode::RepeatAllegations, FlagCode::PriorApsp]
            .iter()
            .filter_map(|code| latest.remove(code))
            .collect();
        if facts.iter().any(|f| !f.visible) {
            // When, only if on a case the viewer can see.
            let last = cases
                .iter()
                .flat_map(|(_, _, raised)| raised.iter())
                .filter(|f| f.subject_id == Some(subject.id))
                .map(|f| f.last_flagged_at)
                .max();
            reasons.push(further(subject, last));
        }
        out.insert(subject.id, reasons);
    }
    Ok(out)
}
