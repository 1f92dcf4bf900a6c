//! Counters kept in PostgreSQL, so that every instance on the database shares them: requests
//! per client address in fixed windows (public reports, logins), and the failed logins of an
//! account from one client address, with its lock for that address.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{login_lockouts, rate_limit_buckets};

/// The window a request was counted in.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    /// Requests in the window so far, this one included.
    pub count: i32,
    /// Seconds until the window ends.
    pub resets_in: i64,
}

impl Window {
    /// Refuses the request when the window holds more than `quota` requests: 429 with the
    /// policy's name, quota and window in the rate-limit fields.
    pub fn refuse_over(
        &self,
        quota: i32,
        window_secs: u32,
        policy: &str,
        detail: &str,
    ) -> crate::error::ApiResult<()> {
        if self.count > quota {
            return Err(crate::error::ApiError::rate_limited(
                detail,
                policy,
                quota,
                window_secs,
                self.resets_in,
            ));
        }
        Ok(())
    }
}

/// The prefix of counters whose closed windows are reported (see [`take_closed`]) rather than
/// simply dropped after a day.
pub const REPORTED_PREFIX: &str = "reported:";

/// Counts one request under `key` in the current fixed window of `window_secs`.
pub fn hit(
    conn: &mut PgConnection,
    key: &str,
    window_secs: u32,
    now: DateTime<Utc>,
) -> QueryResult<Window> {
    use rate_limit_buckets::dsl as b;
    let window = i64::from(window_secs.max(1));
    let start_secs = now.timestamp() - now.timestamp().rem_euclid(window);
    let start = DateTime::<Utc>::from_timestamp(start_secs, 0).unwrap_or(now);
    let count: i32 = diesel::insert_into(b::rate_limit_buckets)
        .values((b::key.eq(key), b::window_start.eq(start), b::count.eq(1)))
        .on_conflict((b::key, b::window_start))
        .do_update()
        .set(b::count.eq(b::count + 1))
        .returning(b::count)
        .get_result(conn)?;
    // Old windows are of no further use, except those still to be reported.
    diesel::delete(
        b::rate_limit_buckets
            .filter(b::window_start.lt(now - Duration::days(1)))
            .filter(b::key.not_like(format!("{REPORTED_PREFIX}%"))),
    )
    .execute(conn)?;
    Ok(Window {
        count,
        resets_in: (start_secs + window - now.timestamp()).max(1),
    })
}

/// Removes and returns the windows of keys under `prefix` that ended before `now`: (key
/// without the prefix, window start, count).
pub fn take_closed(
    conn: &mut PgConnection,
    prefix: &str,
    window_secs: u32,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(String, DateTime<Utc>, i32)>> {
    use rate_limit_buckets::dsl as b;
    let ended_before = now - Duration::seconds(i64::from(window_secs.max(1)));
    let rows: Vec<(String, DateTime<Utc>, i32)> = diesel::delete(
        b::rate_limit_buckets
            .filter(b::key.like(format!("{prefix}%")))
            .filter(b::window_start.le(ended_before)),
    )
    .returning((b::key, b::window_start, b::count))
    .get_results(conn)?;
    let mut rows: Vec<_> = rows
        .into_iter()
        .map(|(k, start, count)| (k[prefix.len()..].to_owned(), start, count))
        .collect();
    rows.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    Ok(rows)
}

/// Until when the account is locked for logins from `client_addr`, if it is now.
pub fn locked_until(
    conn: &mut PgConnection,
    user_id: Uuid,
    client_addr: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<DateTime<Utc>>> {
    use login_lockouts::dsl as l;
    let until: Option<Option<DateTime<Utc>>> = l::login_lockouts
        .find((user_id, client_addr))
        .select(l::locked_until)
        .first(conn)
        .optional()?;
    Ok(until.flatten().filter(|u| *u > now))
}

/// Records a failed login of the account from `client_addr`: failures within `period` of the
/// first are counted, and the `threshold`th locks the account for that address for `period`.
/// Returns the end of the lock when this failure set one.
pub fn record_failure(
    conn: &mut PgConnection,
    user_id: Uuid,
    client_addr: &str,
    threshold: i32,
    period: Duration,
    now: DateTime<Utc>,
) -> QueryResult<Option<DateTime<Utc>>> {
    use login_lockouts::dsl as l;
    let existing: Option<(i32, DateTime<Utc>)> = l::login_lockouts
        .find((user_id, client_addr))
        .select((l::failures, l::first_failure_at))
        .for_update()
        .first(conn)
        .optional()?;
    let (failures, first) = match existing {
        Some((n, first)) if first + period > now => (n + 1, first),
        _ => (1, now),
    };
    let lock = (failures >= threshold).then(|| now + period);
    let (failures, first) = if lock.is_some() {
        (0, now)
    } else {
        (failures, first)
    };
    diesel::insert_into(l::login_lockouts)
        .values((
            l::user_id.eq(user_id),
            l::client_addr.eq(client_addr),
            l::failures.eq(failures),
            l::first_failure_at.eq(first),
            l::locked_until.eq(lock),
        ))
        .on_conflict((l::user_id, l::client_addr))
        .do_update()
        .set((
            l::failures.eq(failures),
            l::first_failure_at.eq(first),
            l::locked_until.eq(lock),
        ))
        .execute(conn)?;
    Ok(lock)
}

/// Forgets the failures of the account from `client_addr` (a successful login from there), or
/// from everywhere (an administrator unlocking it).
pub fn clear_failures(
    conn: &mut PgConnection,
    user_id: Uuid,
    client_addr: Option<&str>,
) -> QueryResult<usize> {
    use login_lockouts::dsl as l;
    match client_addr {
        Some(addr) => diesel::delete(l::login_lockouts.find((user_id, addr))).execute(conn),
        None => diesel::delete(l::login_lockouts.filter(l::user_id.eq(user_id))).execute(conn),
    }
}
