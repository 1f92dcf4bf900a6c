//! The route table: every endpoint of the API, in one place. The OpenAPI document is
//! collected from this same table, so a route cannot exist without being documented.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::http::{
    audit, auth, case_records, cases, documents, health, intake, me, proceedings, public, stats,
    subjects, tasks, users, workload,
};

pub fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(public::hearings_page)
        .service(public::outcomes_page)
        .service(
            scope::scope("/api/v1")
                .service(auth::login)
                .service(auth::refresh)
                .service(auth::logout)
                .service(me::me)
                .service(me::change_password)
                .service(users::list_users)
                .service(users::create_user)
                .service(users::get_user)
                .service(users::update_user)
                .service(audit::list_events)
                .service(audit::verify)
                .service(audit::take_checkpoint)
                .service(cases::list_cases)
                .service(cases::create_case)
                .service(cases::get_case)
                .service(cases::update_case)
                .service(cases::transition)
                .service(cases::assign)
                .service(cases::set_members)
                .service(cases::case_audit)
                .service(case_records::list_parties)
                .service(case_records::add_party)
                .service(case_records::update_party)
                .service(case_records::list_allegations)
                .service(case_records::add_allegation)
                .service(case_records::update_allegation)
                .service(case_records::list_notes)
                .service(case_records::add_note)
                .service(case_records::list_decisions)
                .service(case_records::add_decision)
                .service(subjects::list_subjects)
                .service(subjects::create_subject)
                .service(subjects::get_subject)
                .service(subjects::subject_history)
                .service(workload::workload)
                .service(proceedings::list)
                .service(proceedings::schedule)
                .service(proceedings::reschedule)
                .service(proceedings::cancel)
                .service(proceedings::list_outcomes)
                .service(proceedings::record_outcome)
                .service(proceedings::record_list_report)
                .service(proceedings::list_publications)
                .service(proceedings::draft)
                .service(proceedings::approve)
                .service(proceedings::withdraw)
                .service(public::hearings)
                .service(public::outcomes)
                .service(public::submit_report)
                .service(public::report_status)
                .service(intake::queue)
                .service(intake::accept)
                .service(intake::reject)
                .service(stats::statistics)
                .service(tasks::list)
                .service(tasks::create)
                .service(tasks::update)
                .service(tasks::mine)
                .service(documents::list)
                .service(documents::upload)
                .service(documents::get_one)
                .service(documents::content)
                .service(documents::withdraw)
                .service(documents::custody),
        );
}
