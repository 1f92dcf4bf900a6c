//! The access policy: the one place that decides who may see and do what on a case and on
//! everything that belongs to one.
//!
//! The need-to-know rule is written once, as data ([`clauses`] and the subject-conflict
//! rule), and read by two interpreters: [`sql`] turns it into a predicate for queries over
//! many cases (lists, counts, queues, audit, statistics, flags, histories), and [`evaluate`]
//! decides it for one case already read. Single cases are handed out only as proof values
//! ([`VisibleCase`], [`LockedCase`], [`CaseTrail`]) that nothing outside this module can
//! build, and every query on what a case holds takes one: a query that skips the check does
//! not compile.
//!
//! PostgreSQL enforces the same rule a second time, with row-level security on every table
//! that holds case content, for the caller each transaction names ([`wall`]): a query that
//! forgets the predicate finds nothing its caller may not see.
//!
//! The role rules on objects live here too: who moves which transition and who records
//! which decision (the tables in `domain::workflow` and `domain::decision` say which
//! [`Mover`] or [`Recorder`]; this module says who that is), who sees sensitive and withdrawn
//! documents, who may be assigned a case or named a member, and the oversight rule (an
//! allegation may not hide a case from every supervisor).

mod proof;
pub mod sql;
pub mod wall;

use diesel::PgConnection;
use uuid::Uuid;

pub use proof::{
    CaseScope, CaseTrail, LockedCase, VisibleCase, create, find_record, find_trail, find_visible,
    lock, lock_record, reload_record,
};

use crate::db::models::{CaseRow, UserRow};
use crate::domain::case::CaseState;
use crate::domain::decision::Recorder;
use crate::domain::workflow::Mover;
use crate::domain::{Role, Viewer};
use crate::error::ApiResult;

/// Why a case is being read: its content, or its audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Content,
    AuditTrail,
}

/// One way a case can be visible to someone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clause {
    /// Every case.
    Every,
    /// Any case that is not restricted.
    Unrestricted,
    /// The case is assigned to them.
    Assigned,
    /// They are a named member of the case.
    Member,
    /// They recorded it, it is still in `intake`, and it is not restricted.
    OwnIntake,
}

/// The need-to-know rule. A case is visible to a viewer for a purpose when one of these
/// clauses holds **and** the viewer is not linked to one of its subjects (their staff
/// identity matches a subject with an allegation on it): nobody sees a case about
/// themselves, whatever their role, and no clause overrides that.
///
/// - supervisor: every case, except restricted cases where they are neither a member nor
///   the assigned investigator;
/// - investigator: cases assigned to them, and cases where they are a named member (for the
///   audit trail: only the assigned investigator);
/// - intake: cases they recorded, while still in `intake` and not restricted;
/// - auditor: no case content, but every case's audit trail;
/// - admin: nothing.
pub fn clauses(role: Role, purpose: Purpose) -> &'static [Clause] {
    use Clause::*;
    match (role, purpose) {
        (Role::Supervisor, _) => &[Unrestricted, Assigned, Member],
        (Role::Investigator, Purpose::Content) => &[Assigned, Member],
        (Role::Investigator, Purpose::AuditTrail) => &[Assigned],
        (Role::Intake, Purpose::Content) => &[OwnIntake],
        (Role::Auditor, Purpose::AuditTrail) => &[Every],
        (Role::Admin, _) | (Role::Intake, Purpose::AuditTrail) | (Role::Auditor, _) => &[],
    }
}

/// What deciding the rule for one case may need beyond the case row: asked only when the
/// answer depends on it, from the database or from what was read with the case.
pub trait AccessFacts {
    fn is_member(&mut self, user: Uuid) -> ApiResult<bool>;
    fn linked_to_subject(&mut self, user: Uuid) -> ApiResult<bool>;
}

/// The rule of [`clauses`], for one case already read.
pub fn evaluate(
    viewer: &Viewer,
    purpose: Purpose,
    case: &CaseRow,
    facts: &mut dyn AccessFacts,
) -> ApiResult<bool> {
    let me = viewer.user_id;
    let mut allowed = false;
    for clause in clauses(viewer.role, purpose) {
        allowed = match clause {
            Clause::Every => true,
            Clause::Unrestricted => !case.restricted,
            Clause::Assigned => case.assigned_investigator_id == Some(me),
            Clause::Member => facts.is_member(me)?,
            Clause::OwnIntake => {
                case.state == CaseState::Intake && !case.restricted && case.created_by == me
            }
        };
        if allowed {
            break;
        }
    }
    Ok(allowed && !facts.linked_to_subject(me)?)
}

/// The facts of one case, asked of the database.
pub(crate) struct StoredFacts<'c> {
    pub conn: &'c mut PgConnection,
    pub case_id: Uuid,
}

impl AccessFacts for StoredFacts<'_> {
    fn is_member(&mut self, user: Uuid) -> ApiResult<bool> {
        Ok(crate::db::cases::is_member(self.conn, self.case_id, user)?)
    }
    fn linked_to_subject(&mut self, user: Uuid) -> ApiResult<bool> {
        Ok(crate::db::cases::linked_to_subject(
            self.conn,
            self.case_id,
            user,
        )?)
    }
}

/// Whether `user` is linked to a subject of the case: they may not see it, be assigned it,
/// be named a member or be given its tasks.
pub fn conflicted(conn: &mut PgConnection, case: &impl CaseScope, user: Uuid) -> ApiResult<bool> {
    Ok(crate::db::cases::linked_to_subject(conn, case.id(), user)?)
}

/// Whether another user (an assignee, a member) could see the case's content.
pub fn could_see(
    conn: &mut PgConnection,
    user: &UserRow,
    case: &impl CaseScope,
) -> ApiResult<bool> {
    let role = user.role;
    if !user.active {
        return Ok(false);
    }
    let viewer = Viewer {
        user_id: user.id,
        role,
    };
    evaluate(
        &viewer,
        Purpose::Content,
        case.row(),
        &mut StoredFacts {
            conn,
            case_id: case.id(),
        },
    )
}

/// Whether at least one active supervisor is not linked to a subject of the case and may
/// see it. An allegation that would leave none is refused: oversight can never be removed
/// by an allegation (the force then refers the matter to another force or the IOPC).
pub fn oversight_remains(conn: &mut PgConnection, case: &LockedCase) -> ApiResult<bool> {
    Ok(crate::db::cases::any_user_sees(
        conn,
        case.id(),
        Role::Supervisor,
        sql::cases_visible_to_users(Role::Supervisor, Purpose::Content),
    )?)
}

/// Whether a force and collar number are the viewer's own staff identity (compared as the
/// subject link is): nobody registers or reads their own subject record.
pub fn is_own_identity(
    conn: &mut PgConnection,
    viewer: &Viewer,
    force: &str,
    collar_number: &str,
) -> ApiResult<bool> {
    Ok(crate::db::users::has_staff_identity(
        conn,
        viewer.user_id,
        force,
        collar_number,
    )?)
}

/// Who moves a transition the workflow table gives to `mover`.
pub fn may_move(viewer: &Viewer, case: &impl CaseScope, mover: Mover) -> bool {
    let assigned = assigned_investigator(viewer, case.row());
    match mover {
        Mover::IntakeOrSupervisor => matches!(viewer.role, Role::Intake | Role::Supervisor),
        Mover::Supervisor => viewer.role == Role::Supervisor,
        Mover::AssignedInvestigatorOrSupervisor => viewer.role == Role::Supervisor || assigned,
    }
}

/// Who records a decision the decision table gives to `recorder`.
pub fn may_record(viewer: &Viewer, case: &impl CaseScope, recorder: Recorder) -> bool {
    let assigned = assigned_investigator(viewer, case.row());
    match recorder {
        Recorder::Supervisor => viewer.role == Role::Supervisor,
        Recorder::AssignedInvestigator => assigned,
        Recorder::AssignedInvestigatorOrSupervisor => assigned || viewer.role == Role::Supervisor,
    }
}

fn assigned_investigator(viewer: &Viewer, case: &CaseRow) -> bool {
    viewer.role == Role::Investigator && case.assigned_investigator_id == Some(viewer.user_id)
}

/// What a document is, for deciding who sees it.
#[derive(Clone, Copy, Debug)]
pub struct DocumentAccess {
    pub sensitive: bool,
    pub withdrawn: bool,
}

/// Who sees a document of a case they can see: a sensitive one, only supervisors and the
/// assigned investigator. A withdrawn document stays listed (and in its custody history)
/// for everyone who sees it, but its content is served only to supervisors.
pub fn may_see_document(viewer: &Viewer, case: &impl CaseScope, doc: DocumentAccess) -> bool {
    !doc.sensitive
        || viewer.role == Role::Supervisor
        || case.row().assigned_investigator_id == Some(viewer.user_id)
}

/// Whether the caller may read the bytes of a document they may see.
pub fn may_read_document_content(viewer: &Viewer, doc: DocumentAccess) -> bool {
    !doc.withdrawn || viewer.role == Role::Supervisor
}

/// Who may be assigned a case as its investigator: an active investigator.
pub fn assignable(user: &UserRow) -> bool {
    user.active && user.role == Role::Investigator
}

/// Who may be named a member of a case: an active investigator or supervisor.
pub fn may_be_member(user: &UserRow) -> bool {
    user.active && matches!(user.role, Role::Investigator | Role::Supervisor)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Facts {
        members: Vec<Uuid>,
        linked: Vec<Uuid>,
    }

    impl AccessFacts for Facts {
        fn is_member(&mut self, user: Uuid) -> ApiResult<bool> {
            Ok(self.members.contains(&user))
        }
        fn linked_to_subject(&mut self, user: Uuid) -> ApiResult<bool> {
            Ok(self.linked.contains(&user))
        }
    }

    fn case(
        restricted: bool,
        assigned: Option<Uuid>,
        created_by: Uuid,
        state: CaseState,
    ) -> CaseRow {
        let now = chrono::Utc::now();
        CaseRow {
            id: Uuid::new_v4(),
            reference: "PSD-2026-000001".into(),
            title: String::new(),
            summary: String::new(),
            source: crate::domain::case::Source::InternalReferral,
            category: crate::domain::case::Category::Other,
            received_at: now,
            came_to_attention_at: now,
            state,
            suspended_from: None,
            closure_reason: None,
            restricted,
            assigned_investigator_id: assigned,
            created_by,
            flagged: false,
            flag_reasons: serde_json::json!([]),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn sees(role: Role, purpose: Purpose, user: Uuid, c: &CaseRow, facts: &mut Facts) -> bool {
        let viewer = Viewer {
            user_id: user,
            role,
        };
        evaluate(&viewer, purpose, c, facts).unwrap()
    }

    #[test]
    fn nobody_sees_a_case_about_themselves_whatever_else_holds() {
        let me = Uuid::new_v4();
        let c = case(false, Some(me), me, CaseState::Intake);
        for &role in Role::ALL {
            for purpose in [Purpose::Content, Purpose::AuditTrail] {
                let mut facts = Facts {
                    members: vec![me],
                    linked: vec![me],
                };
                assert!(
                    !sees(role, purpose, me, &c, &mut facts),
                    "{role} {purpose:?}"
                );
            }
        }
    }

    #[test]
    fn each_role_sees_what_its_clauses_say() {
        let me = Uuid::new_v4();
        let other = Uuid::new_v4();
        let none = || Facts {
            members: vec![],
            linked: vec![],
        };
        let open = case(false, None, other, CaseState::Investigation);
        let restricted = case(true, None, other, CaseState::Investigation);
        let mine = case(false, Some(me), other, CaseState::Investigation);
        let my_intake = case(false, None, me, CaseState::Intake);
        let content = Purpose::Content;
        assert!(sees(Role::Supervisor, content, me, &open, &mut none()));
        assert!(!sees(
            Role::Supervisor,
            content,
            me,
            &restricted,
            &mut none()
        ));
        let mut member = Facts {
            members: vec![me],
            linked: vec![],
        };
        assert!(sees(
            Role::Supervisor,
            content,
            me,
            &restricted,
            &mut member
        ));
        assert!(!sees(Role::Investigator, content, me, &open, &mut none()));
        assert!(sees(Role::Investigator, content, me, &mine, &mut none()));
        assert!(sees(Role::Intake, content, me, &my_intake, &mut none()));
        assert!(!sees(Role::Intake, content, me, &open, &mut none()));
        assert!(!sees(Role::Auditor, content, me, &open, &mut none()));
        assert!(sees(
            Role::Auditor,
            Purpose::AuditTrail,
            me,
            &restricted,
            &mut none()
        ));
        assert!(!sees(
            Role::Admin,
            Purpose::AuditTrail,
            me,
            &open,
            &mut none()
        ));
        // A member investigator reads the content, but only the assigned one the trail.
        assert!(sees(Role::Investigator, content, me, &open, &mut member));
        assert!(!sees(
            Role::Investigator,
            Purpose::AuditTrail,
            me,
            &open,
            &mut member
        ));
    }
}
