//! Cursor pagination, the same on every list endpoint: `?limit=` (default 50, at most 500)
//! and `?cursor=` from the previous page; the answer is `{"items": [...], "next_cursor"}`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, ErrorCode};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

pub fn limit(raw: Option<i64>) -> ApiResult<i64> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "limit",
            "out_of_range",
            "must be between 1 and 500",
        )),
    }
}

/// Encodes a keyset position as an opaque cursor.
pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<K: DeserializeOwned>(raw: Option<&str>) -> ApiResult<Option<K>> {
    let Some(raw) = raw else { return Ok(None) };
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameter,
                "cursor",
                "invalid_cursor",
                "is not a cursor this list issued",
            )
        })
}

/// Builds a page from up to `limit + 1` rows: the extra row only says there is a next page.
pub fn page<R, T, K: Serialize>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> K,
    item: impl Fn(R) -> T,
) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = if has_more {
        rows.last().map(|r| encode_cursor(&key(r)))
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(item).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors() {
        assert_eq!(limit(None).unwrap(), 50);
        assert_eq!(limit(Some(500)).unwrap(), 500);
        assert_eq!(
            limit(Some(501)).unwrap_err().code,
            ErrorCode::InvalidParameter
        );
        assert_eq!(
            limit(Some(0)).unwrap_err().code,
            ErrorCode::InvalidParameter
        );
        let cursor = encode_cursor(&(7i64,));
        assert_eq!(decode_cursor::<(i64,)>(Some(&cursor)).unwrap(), Some((7,)));
        assert!(decode_cursor::<(i64,)>(Some("!!")).is_err());
    }

    #[test]
    fn pages_know_whether_there_is_more() {
        let p = page(vec![1, 2, 3], 2, |r| *r, |r| r * 10);
        assert_eq!(p.items, vec![10, 20]);
        assert_eq!(
            decode_cursor::<i32>(p.next_cursor.as_deref()).unwrap(),
            Some(2)
        );
        let p = page(vec![1, 2], 2, |r| *r, |r| r);
        assert!(p.next_cursor.is_none());
    }
}
