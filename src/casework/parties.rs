//! Parties: the people in a case (victims, complainants, witnesses...). Their contact details
//! and vulnerability factors are the most sensitive data Probity holds: every read of them
//! is recorded (`parties.viewed`), and their audit events are sealed.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::access::{CaseScope, LockedCase};
use crate::casework::Caller;
use crate::casework::sub_record::{EditableSubRecord, SubRecord};
use crate::db::models::PartyRow;
use crate::domain::party::{PartyRole, VulnerabilityFactor};
use crate::error::ApiResult;

crate::case_table!(PartyRow, parties, versioned);

/// A party's details, as recorded (a change replaces them all).
pub struct PartyFields {
    pub role: PartyRole,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub vulnerability_factors: Vec<VulnerabilityFactor>,
    pub notes: Option<String>,
}

impl SubRecord for PartyRow {
    const ENTITY: &'static str = "party";
    const CREATED: &'static str = "party.created";
    const READ: Option<&'static str> = Some("parties.viewed");
    type Fields = PartyFields;
    type View = Self;

    fn new(case: &LockedCase, _: &Caller, fields: PartyFields, now: DateTime<Utc>) -> Self {
        let mut row = PartyRow {
            id: Uuid::new_v4(),
            case_id: case.id(),
            role: fields.role,
            name: String::new(),
            email: None,
            phone: None,
            address: None,
            date_of_birth: None,
            vulnerability_factors: Vec::new(),
            notes: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        row.apply(fields);
        row
    }

    fn audit(&self) -> Value {
        json!({
            "role": self.role, "name": self.name, "email": self.email, "phone": self.phone,
            "address": self.address, "date_of_birth": self.date_of_birth,
            "vulnerability_factors": self.vulnerability_factors, "notes": self.notes,
        })
    }

    fn view(self) -> ApiResult<Self> {
        Ok(self)
    }
}

impl EditableSubRecord for PartyRow {
    const UPDATED: &'static str = "party.updated";
    type Change = PartyFields;

    fn apply(&mut self, f: PartyFields) {
        let mut factors = f.vulnerability_factors;
        factors.sort_unstable_by_key(|f| f.as_str());
        factors.dedup();
        self.role = f.role;
        self.name = f.name;
        self.email = f.email;
        self.phone = f.phone;
        self.address = f.address;
        self.date_of_birth = f.date_of_birth;
        self.vulnerability_factors = factors;
        self.notes = f.notes;
    }
}
