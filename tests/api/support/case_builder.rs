//! A case taken to any stage of the workflow in one line, the way the PSD's own staff would
//! take it there: every step is a request through the API, checked as it goes.

use serde_json::json;

use super::{
    Staff, TestApp, add_allegation, create_case, create_subject, decide, etag, transition,
};

/// The stages a case can be built to, in the order the workflow passes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Recorded by intake, with a subject and an allegation against them.
    Intake,
    /// Under assessment: the severity assessed and the IOPC referral recorded.
    Assessment,
    /// Assigned to the first investigator and under investigation.
    Investigation,
    /// Regulation 17 notice served and the final report in: awaiting the decision.
    Decision,
    /// A case to answer for gross misconduct, to be heard at a hearing.
    Proceedings,
}

/// A case built by [`CaseBuilder`].
pub struct BuiltCase {
    pub id: String,
    pub subject_id: String,
}

/// Builds a case through the API: `CaseBuilder::new(&app, &staff).at(Stage::Decision).await`.
pub struct CaseBuilder<'a> {
    app: &'a TestApp,
    staff: &'a Staff,
    category: &'a str,
    collar: &'a str,
    victim: bool,
}

impl<'a> CaseBuilder<'a> {
    /// An APSP case against a constable with collar number 4471.
    pub fn new(app: &'a TestApp, staff: &'a Staff) -> Self {
        Self {
            app,
            staff,
            category: "apsp",
            collar: "4471",
            victim: false,
        }
    }

    #[allow(dead_code)] // No test asks for another category yet.
    pub fn category(mut self, category: &'a str) -> Self {
        self.category = category;
        self
    }

    /// The subject's collar number (subjects are unique by force and collar number).
    #[allow(dead_code)] // No test asks for another collar number yet.
    pub fn collar(mut self, collar: &'a str) -> Self {
        self.collar = collar;
        self
    }

    /// Adds a vulnerable victim with contact details as a party.
    pub fn with_victim(mut self) -> Self {
        self.victim = true;
        self
    }

    pub async fn at(self, stage: Stage) -> BuiltCase {
        let (app, s) = (self.app, self.staff);
        let (inv_id, inv) = &s.investigator;
        let case = create_case(app, &s.intake, self.category).await;
        let id = case["id"].as_str().unwrap().to_owned();
        let subject_id = create_subject(app, &s.intake, self.collar, None).await;
        if self.victim {
            app.post(&format!("/api/v1/cases/{id}/parties"))
                .token(&s.intake)
                .json(&json!({"role": "victim", "name": "Jane Roe", "phone": "07700 900123",
                              "email": "jane.roe@example.org", "vulnerability_factors": ["mental_health"]}))
                .send()
                .await
                .expect(201);
        }
        add_allegation(app, &s.intake, &id, &subject_id, self.category)
            .await
            .expect(201);
        let built = BuiltCase { id, subject_id };
        if stage == Stage::Intake {
            return built;
        }
        let (id, subject) = (&built.id, &built.subject_id);
        transition(app, &s.intake, id, "assessment", json!({}))
            .await
            .expect(200);
        decide(
            app,
            &s.supervisor,
            id,
            json!({"kind": "severity_assessment", "subject_id": subject,
                                              "severity": "gross_misconduct", "rationale": "r"}),
        )
        .await
        .expect(201);
        decide(
            app,
            &s.supervisor,
            id,
            json!({"kind": "iopc_referral", "referred_at": "2026-11-03T10:00:00Z",
                                              "mode": "local", "rationale": "r"}),
        )
        .await
        .expect(201);
        if stage == Stage::Assessment {
            return built;
        }
        let tag = etag(app, &s.supervisor, id).await;
        app.put(&format!("/api/v1/cases/{id}/assignment"))
            .token(&s.supervisor)
            .header("if-match", &tag)
            .json(&json!({"investigator_id": inv_id}))
            .send()
            .await
            .expect(200);
        transition(app, &s.supervisor, id, "investigation", json!({}))
            .await
            .expect(200);
        if stage == Stage::Investigation {
            return built;
        }
        decide(
            app,
            inv,
            id,
            json!({"kind": "reg17_notice", "subject_id": subject,
                                    "served_at": "2026-11-05T09:00:00Z", "rationale": "r"}),
        )
        .await
        .expect(201);
        decide(
            app,
            inv,
            id,
            json!({"kind": "final_report", "summary": "s",
                                    "submitted_at": "2026-11-20T09:00:00Z", "rationale": "r"}),
        )
        .await
        .expect(201);
        transition(app, inv, id, "decision", json!({}))
            .await
            .expect(200);
        if stage == Stage::Decision {
            return built;
        }
        decide(app, &s.supervisor, id, json!({"kind": "case_to_answer", "subject_id": subject,
                                              "answer": "gross_misconduct", "proceedings": "hearing",
                                              "rationale": "r"}))
            .await
            .expect(201);
        transition(app, &s.supervisor, id, "proceedings", json!({}))
            .await
            .expect(200);
        built
    }
}
