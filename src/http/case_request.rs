//! A request about one case: the caller (who must hold permission `P`: 403 first), the audit
//! context, the case id from the path (and the record's, under it), and `If-Match`. Its
//! [`read`](CaseRequest::read) and [`write`](CaseRequest::write) run a use case in one
//! transaction for the caller, given the access module's proof that the caller may see (or
//! change) the case; a case they may not see is 404 before the use case runs.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, web};
use diesel::PgConnection;
use serde::Serialize;
use uuid::Uuid;

use crate::audit::Actor;
use crate::auth::access::{self, LockedCase, VisibleCase};
use crate::auth::permissions::PermissionMarker;
use crate::casework::Caller;
use crate::casework::facts::CaseRecord;
use crate::casework::sub_record::{Listed, Paging, SubRecord};
use crate::domain::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, IfMatch, RequestMeta, Require, etag, parse_uuid};
use crate::http::pagination::{self, Page};
use crate::state::AppState;

type LocalFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, ApiError>>>>;

pub struct CaseRequest<P: PermissionMarker> {
    pub user: AuthUser,
    pub caller: Caller,
    pub case_id: Uuid,
    /// The record under the case the path names (`/cases/{id}/parties/{party_id}`), if any.
    record_id: Option<Uuid>,
    pub if_match: IfMatch,
    /// The path, for the `Location` of a record made here.
    path: String,
    state: web::Data<AppState>,
    _permission: PhantomData<P>,
}

impl<P: PermissionMarker + 'static> FromRequest for CaseRequest<P> {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = Require::<P>::from_request(req, payload);
        let meta = RequestMeta::from_request(req, payload);
        let if_match = IfMatch::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let user = user.await?.user;
            let meta = meta.await?;
            let if_match = if_match.await?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::internal("application state", "not registered"))?;
            let info = req.match_info();
            let case_id = parse_uuid("id", info.get("id").unwrap_or_default())?;
            let record_id = match info.iter().find(|(name, _)| *name != "id") {
                Some((name, raw)) => Some(parse_uuid(name, raw)?),
                None => None,
            };
            let caller = Caller {
                viewer: user.viewer(),
                audit: meta.audit(Actor::User(user.id)),
            };
            Ok(CaseRequest {
                user,
                caller,
                case_id,
                record_id,
                if_match,
                path: req.path().to_owned(),
                state,
                _permission: PhantomData,
            })
        })
    }
}

impl<P: PermissionMarker> CaseRequest<P> {
    pub fn viewer(&self) -> Viewer {
        self.caller.viewer
    }

    /// The record id the path names (routes without one never call this).
    pub fn record_id(&self) -> ApiResult<Uuid> {
        self.record_id.ok_or_else(ApiError::not_found)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Runs `f` with the case, if the caller may see it.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection, &Caller, &VisibleCase) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (caller, id) = (self.caller.clone(), self.case_id);
        self.state
            .db
            .transaction_as(caller.viewer, move |c| {
                let case = access::find_visible(c, &caller.viewer, id)?;
                f(c, &caller, &case)
            })
            .await
    }

    /// Runs `f` with the case locked, if the caller may see it.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection, &Caller, &mut LockedCase) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (caller, id) = (self.caller.clone(), self.case_id);
        self.state
            .db
            .transaction_as(caller.viewer, move |c| {
                let mut case = access::lock(c, &caller.viewer, id)?;
                f(c, &caller, &mut case)
            })
            .await
    }

    /// Runs `f` in the caller's transaction, for a use case that proves its own access to the
    /// case from its id (a transition reads the case with all it holds, under the lock, to
    /// check the workflow's rules): the access module's `lock_record` and its kin, 404 if the
    /// caller may not see the case.
    pub async fn within<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection, &Caller) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let caller = self.caller.clone();
        self.state
            .db
            .transaction_as(caller.viewer, move |c| f(c, &caller))
            .await
    }

    /// Runs `f` with the case locked and read with what it holds, if the caller may see it.
    pub async fn write_record<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut PgConnection, &Caller, CaseRecord<LockedCase>) -> ApiResult<T>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let (caller, id) = (self.caller.clone(), self.case_id);
        self.state
            .db
            .transaction_as(caller.viewer, move |c| {
                let record = CaseRecord::lock_visible(c, &caller.viewer, id)?;
                f(c, &caller, record)
            })
            .await
    }

    /// 201 with the record, its `Location` (under this request's path) and its `ETag`.
    pub fn created<R: SubRecord>(&self, row: R) -> ApiResult<HttpResponse> {
        let location = format!("{}/{}", self.path.trim_end_matches('/'), row.id());
        let mut builder = HttpResponse::Created();
        builder.insert_header((header::LOCATION, location));
        record_response(builder, row)
    }
}

/// The record with its `ETag` (for records that change).
pub fn record_response<R: SubRecord>(
    mut builder: HttpResponseBuilder,
    row: R,
) -> ApiResult<HttpResponse> {
    if let Some(version) = row.version() {
        builder.insert_header((header::ETAG, etag(version)));
    }
    Ok(builder.json(row.view()?))
}

/// A page of records as the API answers it: `{items, next_cursor}`.
pub fn page<V: Serialize>(listed: Listed<V>) -> HttpResponse {
    HttpResponse::Ok().json(Page {
        items: listed.items,
        next_cursor: listed.next.map(|k| pagination::encode_cursor(&k)),
    })
}

/// `?limit=&cursor=` of a list of case records.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many records (1 to 500; 50 if absent).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn paging(&self) -> ApiResult<Paging> {
        Ok(Paging {
            limit: pagination::limit(self.limit)?,
            after: pagination::decode_cursor(self.cursor.as_deref())?,
        })
    }
}

/// The two reads every case record has, as routes: `list` (a page, oldest first) and `get`
/// (one, with its `ETag` when `etag:` says it is versioned). Invoked in the record's HTTP
/// module, beside its own `add` (and `update`); the module imports `actix_web::get` (utoipa
/// finds the route by that attribute's name).
#[macro_export]
macro_rules! sub_record_reads {
    (
        $row:ident => $view:ident, tag: $tag:literal,
        list: ($list_op:literal, $list_path:literal, $list_doc:literal),
        get: ($get_op:literal, $get_path:literal, $param:literal, $get_doc:literal)
        $(, etag: $etag:literal)? $(,)?
    ) => {
        #[doc = $list_doc]
        #[utoipa::path(
            operation_id = $list_op,
            tag = $tag,
            security(("bearer" = [])),
            params(("id" = Uuid, Path, description = "The case"), $crate::http::case_request::PageQuery),
            responses((status = 200, description = $list_doc, body = $crate::http::pagination::Page<$view>))
        )]
        #[get($list_path)]
        pub async fn list(
            req: $crate::http::case_request::CaseRequest<$crate::auth::permissions::marker::ReadCases>,
            $crate::http::extract::ApiQuery(q): $crate::http::extract::ApiQuery<$crate::http::case_request::PageQuery>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            let paging = q.paging()?;
            let listed = req
                .read(move |c, caller, case| {
                    $crate::casework::sub_record::list::<$row>(c, caller, case, paging)
                })
                .await?;
            Ok($crate::http::case_request::page(listed))
        }

        #[doc = $get_doc]
        #[utoipa::path(
            operation_id = $get_op,
            tag = $tag,
            security(("bearer" = [])),
            params(("id" = Uuid, Path, description = "The case"), ($param = Uuid, Path, description = "The record")),
            responses((status = 200, description = $get_doc, body = $view $(, headers(("ETag" = String, description = $etag)))?))
        )]
        #[get($get_path)]
        pub async fn get(
            req: $crate::http::case_request::CaseRequest<$crate::auth::permissions::marker::ReadCases>,
        ) -> $crate::error::ApiResult<actix_web::HttpResponse> {
            let id = req.record_id()?;
            let row = req
                .read(move |c, caller, case| $crate::casework::sub_record::get::<$row>(c, caller, case, id))
                .await?;
            $crate::http::case_request::record_response(actix_web::HttpResponse::Ok(), row)
        }
    };
}
