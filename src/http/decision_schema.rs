//! The OpenAPI schema of a decision's body: a `oneOf` with `kind` as its discriminator, one
//! schema per kind, built from the kinds themselves ([`DecisionKind`]) and the details each
//! takes, so a client generator gets one typed body per kind, and the document lists only what
//! the server reads (`subject_id` where the kind is per subject, nothing else beside the
//! kind's own fields: the server refuses unknown fields).

use std::borrow::Cow;

use serde_json::json;
use utoipa::openapi::schema::{
    AdditionalProperties, Discriminator, KnownFormat, Object, ObjectBuilder, OneOfBuilder, Schema,
    SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::decision::{
    CaseToAnswer, DecisionKind, FinalReport, IopcReferral, Reg17Notice, SeverityAssessment,
    TwelveMonthReport,
};
use crate::domain::text::Paragraph;
use crate::http::decisions::DecisionBody;

/// The longest rationale the server takes (`text::paragraph`).
pub const RATIONALE_MAX: usize = 20_000;
/// The longest final report summary the server takes.
pub const SUMMARY_MAX: usize = 50_000;

/// Required free text as the server checks it (`domain::text`'s own schema: its length,
/// non-blank and character rules), with a description.
fn text<const MAX: usize>(description: &str) -> RefOr<Schema> {
    let mut schema = Paragraph::<MAX>::schema();
    if let RefOr::T(Schema::Object(object)) = &mut schema {
        object.description = Some(description.to_owned());
    }
    schema
}

fn variant_name(kind: DecisionKind) -> String {
    let mut name = String::new();
    for word in kind.as_str().split('_') {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.push_str(chars.as_str());
        }
    }
    format!("{name}Decision")
}

/// The kind's own fields (the details schema, whose fields sit at the top of the body).
fn details(kind: DecisionKind) -> RefOr<Schema> {
    match kind {
        DecisionKind::SeverityAssessment => SeverityAssessment::schema(),
        DecisionKind::IopcReferral => IopcReferral::schema(),
        DecisionKind::Reg17Notice => Reg17Notice::schema(),
        DecisionKind::FinalReport => FinalReport::schema(),
        DecisionKind::CaseToAnswer => CaseToAnswer::schema(),
        DecisionKind::TwelveMonthReport => TwelveMonthReport::schema(),
    }
}

fn example(kind: DecisionKind) -> serde_json::Value {
    let subject = "7f1c1f2e-1d7e-4c1a-9a51-3c9d8f6b2a10";
    match kind {
        DecisionKind::SeverityAssessment => json!({"kind": kind, "subject_id": subject,
            "severity": "gross_misconduct", "rationale": "If proven, the conduct would justify dismissal."}),
        DecisionKind::IopcReferral => json!({"kind": kind, "referred_at": "2026-11-03T10:00:00Z",
            "mode": "local", "rationale": "APSP is a mandatory referral."}),
        DecisionKind::Reg17Notice => json!({"kind": kind, "subject_id": subject,
            "served_at": "2026-11-05T09:00:00Z", "rationale": "Served in person."}),
        DecisionKind::FinalReport => {
            json!({"kind": kind, "summary": "The evidence supports the allegation.",
            "submitted_at": "2026-11-20T09:00:00Z", "rationale": "Investigation complete."})
        }
        DecisionKind::CaseToAnswer => json!({"kind": kind, "subject_id": subject,
            "answer": "gross_misconduct", "proceedings": "hearing", "rationale": "A case to answer."}),
        DecisionKind::TwelveMonthReport => {
            json!({"kind": kind, "reported_at": "2026-11-30T09:00:00Z",
            "rationale": "Reported to the PCC and the IOPC."})
        }
    }
}

/// The body of one kind of decision, all of its fields at the top level.
fn variant(kind: DecisionKind) -> Object {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(format!("A `{kind}` decision.")))
        .property(
            "kind",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([kind.as_str()])),
        )
        .required("kind")
        .property(
            "rationale",
            text::<RATIONALE_MAX>("Why: every decision records its reasons."),
        )
        .required("rationale")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .examples([example(kind)])
        .build();
    if kind.per_subject() {
        object.properties.insert(
            "subject_id".into(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                .description(Some(
                    "The subject it is about (one with an allegation on the case).",
                ))
                .into(),
        );
        object.required.push("subject_id".into());
    }
    if let RefOr::T(Schema::Object(own)) = details(kind) {
        for (name, schema) in own.properties {
            let schema = match (kind, name.as_str()) {
                (DecisionKind::FinalReport, "summary") => {
                    text::<SUMMARY_MAX>("The report's findings.")
                }
                _ => schema,
            };
            object.properties.insert(name, schema);
        }
        object.required.extend(own.required);
    }
    object
}

impl PartialSchema for DecisionBody {
    fn schema() -> RefOr<Schema> {
        let mut one_of = OneOfBuilder::new();
        let mut discriminator = Discriminator::new("kind");
        for &kind in DecisionKind::ALL {
            let name = variant_name(kind);
            one_of = one_of.item(Ref::from_schema_name(&name));
            discriminator.mapping.insert(
                kind.as_str().to_owned(),
                format!("#/components/schemas/{name}"),
            );
        }
        one_of
            .discriminator(Some(discriminator))
            .description(Some(
                "A decision: `kind`, a required `rationale`, `subject_id` for the kinds about one \
                 subject, and the kind's own fields.",
            ))
            .examples([example(DecisionKind::SeverityAssessment)])
            .into()
    }
}

impl ToSchema for DecisionBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DecisionBody")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        for &kind in DecisionKind::ALL {
            schemas.push((variant_name(kind), variant(kind).into()));
        }
        // What the kinds' own fields refer to (their enums).
        <SeverityAssessment as ToSchema>::schemas(schemas);
        <IopcReferral as ToSchema>::schemas(schemas);
        <Reg17Notice as ToSchema>::schemas(schemas);
        <FinalReport as ToSchema>::schemas(schemas);
        <CaseToAnswer as ToSchema>::schemas(schemas);
        <TwelveMonthReport as ToSchema>::schemas(schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_schema_and_example() {
        assert_eq!(
            variant_name(DecisionKind::TwelveMonthReport),
            "TwelveMonthReportDecision"
        );
        for &kind in DecisionKind::ALL {
            let v = variant(kind);
            assert!(v.required.contains(&"rationale".to_owned()), "{kind}");
            assert_eq!(
                v.required.contains(&"subject_id".to_owned()),
                kind.per_subject()
            );
            let example = v.examples[0].clone();
            let body: DecisionBody = serde_json::from_value(example).unwrap();
            assert!(
                crate::http::decisions::decision_from(body).is_ok(),
                "{kind}"
            );
        }
    }
}
