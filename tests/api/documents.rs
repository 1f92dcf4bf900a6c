//! Documents: streamed uploads, integrity, custody, visibility.

use serde_json::json;

use crate::support::TestApp;
use crate::support::{BOUNDARY, assign, create_case, etag, form, staff, upload};

fn stored_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    walk(&e.path())
                } else {
                    1
                }
            })
            .sum()
    }
    walk(&app.documents_dir)
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[actix_web::test]
async fn upload_download_range_custody_and_verify() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (inv_id, inv) = &s.investigator;
    let case = create_case(&app, &s.supervisor, "apsp").await;
    let id = case["id"].as_str().unwrap().to_owned();
    let tag = etag(&app, &s.supervisor, &id).await;
    app.put(&format!("/api/v1/cases/{id}/assignment"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"investigator_id": inv_id}))
        .send()
        .await
        .expect(200);

    // A PNG, claimed by the client to be text: the stored type comes from the bytes.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..300_000u32).map(|i| (i % 251) as u8));
    let doc = upload(
        &app,
        inv,
        &id,
        &[
            ("title", "Screenshot of messages"),
            ("kind", "message_capture"),
            ("collected_by", "DC Jones"),
        ],
        Some(("messages.png", &png)),
    )
    .await
    .expect(201)
    .json();
    assert_eq!(doc["content_type"], "image/png");
    assert_eq!(doc["sha256"], sha256(&png));
    assert_eq!(doc["size_bytes"], png.len());
    let doc_id = doc["id"].as_str().unwrap().to_owned();

    let full = app
        .get(&format!("/api/v1/cases/{id}/documents/{doc_id}/content"))
        .token(inv)
        .send()
        .await
        .expect(200);
    assert_eq!(full.bytes, png);
    assert_eq!(full.header("etag"), Some(format!("\"{}\"", sha256(&png))));
    assert!(
        full.header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
    let part = app
        .get(&format!("/api/v1/cases/{id}/documents/{doc_id}/content"))
        .token(&s.supervisor)
        .header("range", "bytes=8-15")
        .send()
        .await
        .expect(206);
    assert_eq!(part.bytes, png[8..16]);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 8-15/{}", png.len()))
    );
    app.get(&format!("/api/v1/cases/{id}/documents/{doc_id}/content"))
        .token(inv)
        .header("range", "bytes=999999999-")
        .send()
        .await
        .expect(416);

    let custody = app
        .get(&format!("/api/v1/cases/{id}/documents/{doc_id}/custody"))
        .token(inv)
        .send()
        .await
        .expect(200)
        .json();
    let actions: Vec<&str> = custody["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "document.uploaded",
            "document.downloaded",
            "document.downloaded"
        ]
    );
    assert_eq!(custody["events"][1]["actor_id"], inv_id.to_string());
    assert_eq!(custody["events"][1]["after"]["sha256"], sha256(&png));
    assert_eq!(custody["events"][2]["after"]["range"], "bytes=8-15");
    let report = app
        .get("/api/v1/audit/verify")
        .token(&s.auditor)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(report["ok"], true);

    // A new version supersedes; withdrawal hides but keeps.
    let v2 = upload(
        &app,
        inv,
        &id,
        &[
            ("title", "Screenshot, full thread"),
            ("kind", "message_capture"),
            ("supersedes_id", &doc_id),
        ],
        Some(("thread.txt", b"Full thread")),
    )
    .await
    .expect(201)
    .json();
    assert_eq!(v2["supersedes_id"], doc_id);
    assert_eq!(v2["content_type"], "text/plain; charset=utf-8");
    app.post(&format!("/api/v1/cases/{id}/documents/{doc_id}/withdraw"))
        .token(inv)
        .json(&json!({"reason": "Superseded"}))
        .send()
        .await
        .expect(200);
    let listed = app
        .get(&format!("/api/v1/cases/{id}/documents"))
        .token(inv)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let all = app
        .get(&format!(
            "/api/v1/cases/{id}/documents?include_withdrawn=true"
        ))
        .token(inv)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    assert_eq!(stored_files(&app), 2);

    // `probity documents verify` passes, then fails once a stored object is altered on disk.
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_probity"))
            .args(["documents", "verify"])
            .current_dir(std::env::temp_dir())
            .env_clear()
            .env("DATABASE_URL", &app.db.url)
            .env("PROBITY_DOCUMENTS_DIR", &app.documents_dir)
            .env("PROBITY_LOG", "warn")
            .output()
            .unwrap()
    };
    assert_eq!(
        run().status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run().stderr)
    );
    fn first_file(dir: &std::path::Path) -> Option<std::path::PathBuf> {
        for e in std::fs::read_dir(dir).ok()?.flatten() {
            let p = e.path();
            if p.is_dir() {
                if let Some(f) = first_file(&p) {
                    return Some(f);
                }
            } else {
                return Some(p);
            }
        }
        None
    }
    let victim = first_file(&app.documents_dir).unwrap();
    let mut bytes = std::fs::read(&victim).unwrap();
    bytes[0] ^= 0xff;
    std::fs::write(&victim, bytes).unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("MISMATCH"));
}

#[actix_web::test]
async fn documents_are_visible_on_a_need_to_know_basis() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (inv_id, inv) = &s.investigator;
    let (inv_b_id, inv_b) = &s.investigator_b;
    let case = create_case(&app, &s.supervisor, "apsp").await;
    let id = case["id"].as_str().unwrap().to_owned();
    let tag = etag(&app, &s.supervisor, &id).await;
    app.put(&format!("/api/v1/cases/{id}/assignment"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"investigator_id": inv_id}))
        .send()
        .await
        .expect(200);
    let plain = upload(
        &app,
        inv,
        &id,
        &[("title", "Duty roster"), ("kind", "duty_record")],
        Some(("roster.txt", b"Early turn")),
    )
    .await
    .expect(201)
    .json();
    let sensitive = upload(
        &app,
        inv,
        &id,
        &[
            ("title", "Medical record"),
            ("kind", "other"),
            ("sensitive", "true"),
        ],
        Some(("med.txt", b"Private")),
    )
    .await
    .expect(201)
    .json();
    let (plain_id, sensitive_id) = (
        plain["id"].as_str().unwrap(),
        sensitive["id"].as_str().unwrap(),
    );

    // Investigator B cannot see the case: 404 for the document and its content.
    app.get(&format!("/api/v1/cases/{id}/documents/{plain_id}"))
        .token(inv_b)
        .send()
        .await
        .expect(404);
    app.get(&format!("/api/v1/cases/{id}/documents/{plain_id}/content"))
        .token(inv_b)
        .send()
        .await
        .expect(404);
    // Named a member, B sees the plain document but not the sensitive one.
    let tag = etag(&app, &s.supervisor, &id).await;
    app.put(&format!("/api/v1/cases/{id}/members"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"user_ids": [inv_b_id]}))
        .send()
        .await
        .expect(200);
    app.get(&format!("/api/v1/cases/{id}/documents/{plain_id}/content"))
        .token(inv_b)
        .send()
        .await
        .expect(200);
    app.get(&format!("/api/v1/cases/{id}/documents/{sensitive_id}"))
        .token(inv_b)
        .send()
        .await
        .expect(404);
    app.get(&format!(
        "/api/v1/cases/{id}/documents/{sensitive_id}/content"
    ))
    .token(inv_b)
    .send()
    .await
    .expect(404);
    let listed = app
        .get(&format!("/api/v1/cases/{id}/documents"))
        .token(inv_b)
        .send()
        .await
        .expect(200)
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    app.get(&format!(
        "/api/v1/cases/{id}/documents/{sensitive_id}/content"
    ))
    .token(inv)
    .send()
    .await
    .expect(200);
    app.get(&format!(
        "/api/v1/cases/{id}/documents/{sensitive_id}/content"
    ))
    .token(&s.supervisor)
    .send()
    .await
    .expect(200);
}

#[actix_web::test]
async fn too_large_or_broken_uploads_leave_nothing_behind() {
    let app = TestApp::with_settings(&[("PROBITY_DOCUMENT_MAX_BYTES", "1048576")]).await;
    let s = staff(&app).await;
    let case = create_case(&app, &s.supervisor, "apsp").await;
    let id = case["id"].as_str().unwrap().to_owned();
    let big = vec![b'x'; 1024 * 1024 + 1];
    let resp = upload(
        &app,
        &s.supervisor,
        &id,
        &[("title", "Too big"), ("kind", "media")],
        Some(("big.bin", &big)),
    )
    .await
    .expect(413);
    assert_eq!(resp.code(), "payload_too_large");
    // Metadata that fails validation after the bytes were stored: removed again.
    let resp = upload(
        &app,
        &s.supervisor,
        &id,
        &[("title", "Bad"), ("kind", "selfie")],
        Some(("a.txt", b"abc")),
    )
    .await
    .expect(422);
    assert_eq!(resp.json()["errors"][0]["field"], "kind");
    // A body cut off in the middle of the file.
    let mut cut = form(
        &[("title", "Cut"), ("kind", "media")],
        Some(("c.bin", &[7u8; 5000])),
    );
    cut.truncate(cut.len() - 2000);
    let resp = app
        .post(&format!("/api/v1/cases/{id}/documents"))
        .token(&s.supervisor)
        .raw(&format!("multipart/form-data; boundary={BOUNDARY}"), cut)
        .send()
        .await;
    assert_eq!(
        resp.status.as_u16(),
        400,
        "{}",
        String::from_utf8_lossy(&resp.bytes)
    );
    let resp = upload(
        &app,
        &s.supervisor,
        &id,
        &[("title", "No file"), ("kind", "media")],
        None,
    )
    .await
    .expect(400);
    assert_eq!(resp.code(), "invalid_multipart");
    app.post(&format!("/api/v1/cases/{id}/documents"))
        .token(&s.supervisor)
        .json(&json!({"title": "x"}))
        .send()
        .await
        .expect(415);
    assert_eq!(stored_files(&app), 0);
    let listed = app
        .get(&format!(
            "/api/v1/cases/{id}/documents?include_withdrawn=true"
        ))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    assert!(listed["items"].as_array().unwrap().is_empty());
}

/// Attack: read a withdrawn document's bytes after it was taken off the case (a victim's
/// image withdrawn as wrongly collected). Its metadata and custody stay; its content is
/// served only to supervisors who see the case.
#[actix_web::test]
async fn a_withdrawn_documents_content_is_served_only_to_supervisors() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (inv_id, inv) = &s.investigator;
    let case = create_case(&app, &s.supervisor, "apsp").await;
    let id = case["id"].as_str().unwrap().to_owned();
    assign(&app, &s.supervisor, &id, *inv_id).await.expect(200);
    let doc = upload(
        &app,
        inv,
        &id,
        &[("title", "Victim statement"), ("kind", "statement")],
        Some(("statement.txt", b"the victim's own words")),
    )
    .await
    .expect(201)
    .json();
    let doc_id = doc["id"].as_str().unwrap().to_owned();
    let content = format!("/api/v1/cases/{id}/documents/{doc_id}/content");
    app.get(&content).token(inv).send().await.expect(200);
    app.post(&format!("/api/v1/cases/{id}/documents/{doc_id}/withdraw"))
        .token(inv)
        .json(&json!({"reason": "Collected without consent."}))
        .send()
        .await
        .expect(200);

    // The investigator who uploaded it: the content is gone for them (404), the record stays.
    app.get(&content).token(inv).send().await.expect(404);
    app.get(&format!("/api/v1/cases/{id}/documents/{doc_id}"))
        .token(inv)
        .send()
        .await
        .expect(200);
    app.get(&format!("/api/v1/cases/{id}/documents/{doc_id}/custody"))
        .token(inv)
        .send()
        .await
        .expect(200);
    // A supervisor who sees the case still can read it, and that read is in the custody.
    let read = app
        .get(&content)
        .token(&s.supervisor)
        .send()
        .await
        .expect(200);
    assert_eq!(read.bytes, b"the victim's own words");
    let custody = app
        .get(&format!("/api/v1/cases/{id}/documents/{doc_id}/custody"))
        .token(&s.supervisor)
        .send()
        .await
        .expect(200)
        .json();
    let downloads = custody["events"].as_array().map(|e| {
        e.iter()
            .filter(|e| e["action"] == "document.downloaded")
            .count()
    });
    assert_eq!(downloads, Some(2), "{custody}");
}

#[actix_web::test]
async fn custody_is_read_by_everyone_who_may_see_the_document() {
    // The custody record belongs to the document, not to the case's audit trail: a named
    // member who is not the assigned investigator (so may not read the trail) still reads it.
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let (member_id, member) = &s.investigator_b;
    let case = create_case(&app, &s.supervisor, "corruption").await;
    let id = case["id"].as_str().unwrap().to_owned();
    let tag = etag(&app, &s.supervisor, &id).await;
    app.put(&format!("/api/v1/cases/{id}/members"))
        .token(&s.supervisor)
        .header("if-match", &tag)
        .json(&json!({"user_ids": [member_id]}))
        .send()
        .await
        .expect(200);
    let doc = upload(
        &app,
        member,
        &id,
        &[("title", "Duty roster"), ("kind", "duty_record")],
        Some(("roster.txt", b"early turn")),
    )
    .await
    .expect(201)
    .json();
    let doc_id = doc["id"].as_str().unwrap();
    app.get(&format!("/api/v1/cases/{id}/audit"))
        .token(member)
        .send()
        .await
        .expect(404);
    let custody = app
        .get(&format!("/api/v1/cases/{id}/documents/{doc_id}/custody"))
        .token(member)
        .send()
        .await
        .expect(200)
        .json();
    let actions: Vec<&str> = custody["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["document.uploaded"], "{custody}");
}

#[actix_web::test]
async fn an_upload_cut_off_after_the_file_leaves_nothing_behind() {
    let app = TestApp::new().await;
    let s = staff(&app).await;
    let case = create_case(&app, &s.supervisor, "apsp").await;
    let id = case["id"].as_str().unwrap().to_owned();
    // The whole file arrives, then the connection drops in the middle of the next field.
    let mut body = form(&[], Some(("a.bin", &[9u8; 4000])));
    body.truncate(body.len() - format!("--{BOUNDARY}--\r\n").len());
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHalf a ti")
            .as_bytes(),
    );
    let resp = app
        .post(&format!("/api/v1/cases/{id}/documents"))
        .token(&s.supervisor)
        .raw(&format!("multipart/form-data; boundary={BOUNDARY}"), body)
        .send()
        .await;
    assert_eq!(
        resp.status.as_u16(),
        400,
        "{}",
        String::from_utf8_lossy(&resp.bytes)
    );
    // The removal runs beside the response.
    for _ in 0..50 {
        if stored_files(&app) == 0 {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(stored_files(&app), 0);
}

#[actix_web::test]
async fn documents_verify_reports_and_removes_objects_that_no_record_names() {
    let app = TestApp::new().await;
    // Planted as a killed upload would leave them: an object whose record was never written,
    // and the staging file of an upload that never finished; both two hours old.
    let dir = app
        .documents_dir
        .join("documents/0123456789abcdef0123456789abcdef");
    std::fs::create_dir_all(&dir).unwrap();
    let orphan = dir.join("fedcba9876543210fedcba9876543210");
    let staging = dir.join("00112233445566778899aabbccddeeff#1");
    for path in [&orphan, &staging] {
        std::fs::write(path, b"left behind").unwrap();
        let touched = std::process::Command::new("touch")
            .args(["-d", "2 hours ago"])
            .arg(path)
            .status()
            .unwrap();
        assert!(touched.success());
    }
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_probity"))
            .args(["documents", "verify"])
            .args(extra)
            .current_dir(std::env::temp_dir())
            .env_clear()
            .env("DATABASE_URL", &app.db.url)
            .env("PROBITY_DOCUMENTS_DIR", &app.documents_dir)
            .env("PROBITY_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{listed}");
    assert!(
        listed.contains("ORPHAN documents/0123456789abcdef0123456789abcdef/fedcba98"),
        "{listed}"
    );
    assert!(
        listed.contains("STAGING") && listed.contains("#1"),
        "{listed}"
    );
    let out = run(&["--remove-orphans"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!orphan.exists() && !staging.exists());
    assert_eq!(run(&[]).status.code(), Some(0));
}
