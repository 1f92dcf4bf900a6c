use crate::text_enum;

text_enum!(
    /// A user's role. What each role may do is decided in one place: `auth::permissions`.
    Role {
        Admin = "admin",
        Supervisor = "supervisor",
        Investigator = "investigator",
        Intake = "intake",
        Auditor = "auditor",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for &role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        assert!("superuser".parse::<Role>().is_err());
    }
}

/// Who is asking, for the need-to-know rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: uuid::Uuid,
    pub role: Role,
}
