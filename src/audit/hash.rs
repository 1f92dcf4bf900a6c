//! The canonical encoding of an audit event and its hash.
//!
//! `hash = hex(SHA-256(canonical))`, where `canonical` is the UTF-8 text of a JSON array with
//! no white space, holding in this order:
//!
//! ```text
//! ["probity-audit-v1", id, chain, seq, occurred_at, actor_type, actor_id, action,
//!  entity_type, entity_id, case_id, before, after, request_id, client_addr, prev_hash]
//! ```
//!
//! `id`, `actor_id` and `case_id` are lowercase hyphenated UUIDs; `occurred_at` is RFC 3339 in
//! UTC with exactly six fractional digits and `Z` (PostgreSQL keeps microseconds); `seq` is a
//! JSON number; absent values are `null`; `before` and `after` are JSON with object keys
//! sorted by their UTF-8 bytes at every depth; strings are escaped as `serde_json` does.
//! `prev_hash` of a chain's first event is 64 zeros. Anyone with the rows can recompute it.
//!
//! An event that holds sealed values (`audit::seal`, from migration 19 on) is encoded as
//! `probity-audit-v2`: the same array, its tag changed, with the sealed bytes (standard
//! base64) appended after `prev_hash`. The hash covers the ciphertext, so erasing a chain's
//! key leaves every hash as it was; removing or adding the sealed bytes changes the encoding.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::models::AuditEventRow;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const VERSION_TAG: &str = "probity-audit-v1";
const SEALED_VERSION_TAG: &str = "probity-audit-v2";

pub fn format_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Writes `value` with keys sorted at every depth, whatever map type serde_json was built with.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

pub fn canonical_encoding(e: &AuditEventRow) -> String {
    let opt = |s: &Option<String>| s.clone().map_or(Value::Null, Value::String);
    let fields = Value::Array(vec![
        Value::String(
            if e.sealed.is_some() {
                SEALED_VERSION_TAG
            } else {
                VERSION_TAG
            }
            .to_owned(),
        ),
        Value::String(e.id.to_string()),
        Value::String(e.chain_id.clone()),
        Value::from(e.seq),
        Value::String(format_time(&e.occurred_at)),
        Value::String(e.actor_type.clone()),
        e.actor_id
            .map_or(Value::Null, |id| Value::String(id.to_string())),
        Value::String(e.action.clone()),
        opt(&e.entity_type),
        opt(&e.entity_id),
        e.case_id
            .map_or(Value::Null, |id| Value::String(id.to_string())),
        e.before.clone().unwrap_or(Value::Null),
        e.after.clone().unwrap_or(Value::Null),
        opt(&e.request_id),
        opt(&e.client_addr),
        Value::String(e.prev_hash.clone()),
    ]);
    let mut fields = fields;
    if let (Some(sealed), Value::Array(items)) = (&e.sealed, &mut fields) {
        use base64::Engine;
        items.push(Value::String(
            base64::engine::general_purpose::STANDARD.encode(sealed),
        ));
    }
    canonical_json(&fields)
}

/// `value` as JSON with keys sorted at every depth and no white space.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

pub fn event_hash(e: &AuditEventRow) -> String {
    hex::encode(Sha256::digest(canonical_encoding(e).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;
    use uuid::Uuid;

    fn event() -> AuditEventRow {
        AuditEventRow {
            position: 0,
            id: Uuid::parse_str("00000000-0000-4000-8000-000000000001").unwrap(),
            chain_id: "system".into(),
            seq: 1,
            occurred_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            actor_type: "system".into(),
            actor_id: None,
            action: "user.created".into(),
            entity_type: Some("user".into()),
            entity_id: Some("u1".into()),
            case_id: None,
            before: None,
            after: Some(json!({"z": 1, "a": {"y": true, "b": "é\"x"}})),
            sealed: None,
            request_id: None,
            client_addr: None,
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
            signature: None,
        }
    }

    #[test]
    fn the_encoding_is_exactly_as_documented() {
        assert_eq!(
            canonical_encoding(&event()),
            r#"["probity-audit-v1","00000000-0000-4000-8000-000000000001","system",1,"2026-01-02T03:04:05.000000Z","system",null,"user.created","user","u1",null,null,{"a":{"b":"é\"x","y":true},"z":1},null,null,"0000000000000000000000000000000000000000000000000000000000000000"]"#
        );
    }

    #[test]
    fn an_event_with_sealed_values_is_encoded_as_v2_with_them() {
        let mut e = event();
        e.sealed = Some(vec![1, 2, 3]);
        let encoded = canonical_encoding(&e);
        assert!(encoded.starts_with(r#"["probity-audit-v2","#), "{encoded}");
        assert!(encoded.ends_with(r#"0000","AQID"]"#), "{encoded}");
        let stripped = event_hash(&event());
        assert_ne!(event_hash(&e), stripped);
    }

    #[test]
    fn any_change_changes_the_hash() {
        let base = event_hash(&event());
        let mut e = event();
        e.action = "user.updated".into();
        assert_ne!(event_hash(&e), base);
        let mut e = event();
        e.prev_hash = "1".repeat(64);
        assert_ne!(event_hash(&e), base);
        let mut e = event();
        e.after = Some(json!({"z": 2, "a": {"y": true, "b": "é\"x"}}));
        assert_ne!(event_hash(&e), base);
    }

    #[test]
    fn key_order_does_not_matter() {
        let mut e = event();
        e.after = Some(json!({"a": {"b": "é\"x", "y": true}, "z": 1}));
        assert_eq!(event_hash(&e), event_hash(&event()));
    }
}
