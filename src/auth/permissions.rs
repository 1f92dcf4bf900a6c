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
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ManageUsers => "users.manage",
            Permission::ReadAudit => "audit.read",
            Permission::VerifyAudit => "audit.verify",
        }
    }
}

/// Admins manage accounts and read no case content (not even through the audit log, which
/// carries case details). Auditors read and verify the audit log and change nothing.
pub fn permissions(role: Role) -> &'static [Permission] {
    use Permission::*;
    match role {
        Role::Admin => &[ManageUsers],
        Role::Auditor => &[ReadAudit, VerifyAudit],
        Role::Supervisor => &[],
        Role::Investigator => &[],
        Role::Intake => &[],
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

markers!(ManageUsers, ReadAudit, VerifyAudit);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_users_and_only_auditors_read_the_audit_log() {
        for role in Role::ALL {
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
