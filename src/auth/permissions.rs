//! The permission table: the one place that says what each role may do. Handlers ask for a
//! permission (`Require<P>` in their signature), never for a role.

use crate::domain::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// List, create and change user accounts.
    ManageUsers,
    /// Read the audit log.
    ReadAudit,
    /// Verify the audit log's integrity and take signed checkpoints.
    VerifyAudit,
    /// Record a new case.
    CreateCases,
    /// Read the cases the need-to-know rules let the caller see.
    ReadCases,
    /// Change a visible case's details and add parties, allegations and notes.
    EditCases,
    /// Assign cases, name members, restrict cases.
    ManageCases,
    /// Record decisions (which kinds, and on which cases, is in `domain::decision`).
    RecordDecisions,
    /// Move cases through the workflow (who moves what is in `domain::workflow`).
    TransitionCases,
    /// Read a case's audit trail.
    ReadCaseAudit,
    /// Search and read the subject registry.
    ReadSubjects,
    /// Add people to the subject registry.
    RecordSubjects,
    /// See every investigator's workload.
    ViewWorkload,
    /// Schedule, move and cancel proceedings; record outcomes and list reports.
    ConductProceedings,
    /// Draft, approve and withdraw publications.
    ManagePublications,
    /// Work the queue of reports from the public.
    TriageReports,
    /// Read the statistics.
    ViewStatistics,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ManageUsers => "users.manage",
            Permission::ReadAudit => "audit.read",
            Permission::VerifyAudit => "audit.verify",
            Permission::CreateCases => "cases.create",
            Permission::ReadCases => "cases.read",
            Permission::EditCases => "cases.edit",
            Permission::ManageCases => "cases.manage",
            Permission::RecordDecisions => "cases.decide",
            Permission::TransitionCases => "cases.transition",
            Permission::ReadCaseAudit => "cases.audit",
            Permission::ReadSubjects => "subjects.read",
            Permission::RecordSubjects => "subjects.record",
            Permission::ViewWorkload => "workload.read",
            Permission::ConductProceedings => "proceedings.manage",
            Permission::ManagePublications => "publications.manage",
            Permission::TriageReports => "reports.triage",
            Permission::ViewStatistics => "stats.read",
        }
    }
}

/// Admins manage accounts and read no case content (not even through the audit log, which
/// carries case details). Auditors read and verify the audit log and change nothing.
pub fn permissions(role: Role) -> &'static [Permission] {
    use Permission::*;
    match role {
        Role::Admin => &[ManageUsers],
        Role::Auditor => &[ReadAudit, VerifyAudit, ReadCaseAudit],
        Role::Supervisor => &[
            CreateCases,
            ReadCases,
            EditCases,
            ManageCases,
            RecordDecisions,
            TransitionCases,
            ReadCaseAudit,
            ReadSubjects,
            RecordSubjects,
            ViewWorkload,
            ConductProceedings,
            ManagePublications,
            TriageReports,
            ViewStatistics,
        ],
        Role::Investigator => &[
            ReadCases,
            EditCases,
            RecordDecisions,
            TransitionCases,
            ReadCaseAudit,
            ReadSubjects,
            RecordSubjects,
        ],
        Role::Intake => &[
            CreateCases,
            ReadCases,
            EditCases,
            TransitionCases,
            ReadSubjects,
            RecordSubjects,
            TriageReports,
        ],
    }
}

pub fn allows(role: Role, permission: Permission) -> bool {
    permissions(role).contains(&permission)
}

/// Marker types naming a permission at the type level, so the permission a handler needs is
/// visible in its signature: `Require<ManageUsers>`.
pub trait PermissionMarker {
    const PERMISSION: Permission;
}

macro_rules! markers {
    ($($name:ident),* $(,)?) => {
        pub mod marker {
            $(
                pub struct $name;
                impl super::PermissionMarker for $name {
                    const PERMISSION: super::Permission = super::Permission::$name;
                }
            )*
        }
    };
}

markers!(
    ManageUsers,
    ReadAudit,
    VerifyAudit,
    CreateCases,
    ReadCases,
    EditCases,
    ManageCases,
    RecordDecisions,
    TransitionCases,
    ReadCaseAudit,
    ReadSubjects,
    RecordSubjects,
    ViewWorkload,
    ConductProceedings,
    ManagePublications,
    TriageReports,
    ViewStatistics,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_and_auditors_read_no_case_content() {
        for role in [Role::Admin, Role::Auditor] {
            for p in [
                Permission::ReadCases,
                Permission::EditCases,
                Permission::ReadSubjects,
            ] {
                assert!(!allows(role, p), "{role} {p:?}");
            }
        }
        assert!(allows(Role::Auditor, Permission::ReadCaseAudit));
        assert!(!allows(Role::Admin, Permission::ReadCaseAudit));
    }

    #[test]
    fn only_admins_manage_users_and_only_auditors_read_the_audit_log() {
        for &role in Role::ALL {
            assert_eq!(
                allows(role, Permission::ManageUsers),
                role == Role::Admin,
                "{role}"
            );
            assert_eq!(
                allows(role, Permission::ReadAudit),
                role == Role::Auditor,
                "{role}"
            );
            assert_eq!(
                allows(role, Permission::VerifyAudit),
                role == Role::Auditor,
                "{role}"
            );
        }
    }
}
