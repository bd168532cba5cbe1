//! §F back office, first part: staff sign in with an API key of the business; the session
//! has the key's role, ends with the key's revocation or on sign-out; a staff member sees
//! their own agenda, agents and managers every agenda.

mod common;

use common::web::Visitor;
use common::{Server, always_open, setup};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_sign_in_with_their_key_and_see_their_agendas() {
    let s = Server::sqlite().await;
    let t = s.tenant("Mairie").await;
    let other = s.tenant("Autre").await;
    let c = setup(&s, &t).await;
    let admin = Some(t.admin.as_str());
    // A second agenda without the staff member.
    let desk = s
        .post(
            &t.path("/resources"),
            admin,
            json!({"kind": "desk", "name": "Guichet 9", "hours": always_open()}),
        )
        .await;
    let r = s.post(&t.path("/agendas"), admin, json!({"name": "Annexe", "slug": "annexe", "resources": [desk.body["id"]], "services": [c.service]})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let key = |role: &str, subject: Option<i64>| {
        let body = json!({"name": role, "role": role, "subject": subject});
        let s = &s;
        let t = &t;
        async move { s.post(&t.path("/api-keys"), Some(&t.admin), body).await }
    };
    let agent = key("agent", None).await;
    let staff = key("staff", Some(c.staff)).await;
    let (agent_key, agent_id) =
        (agent.body["key"].as_str().unwrap().to_owned(), agent.body["id"].as_i64().unwrap());
    let staff_key = staff.body["key"].as_str().unwrap().to_owned();
    let office = format!("/b/{}/office", t.id);
    let login = format!("/b/{}/office/login", t.id);

    let mut v = Visitor::new(&s.base);
    assert_eq!(v.get(&office).await.location.as_deref(), Some(login.as_str()));
    v.open(&login).await;
    for wrong in
        ["bk_00000000_0000000000000000000000000000000000000000", other.admin.as_str(), "nonsense"]
    {
        let r = v.post(&login, &[("key", wrong)]).await;
        assert_eq!(r.status, 401, "{wrong}");
        assert!(r.shows("Cette clé n'est pas valable"));
    }
    assert_eq!(v.post_raw(&login, &[("key", &agent_key)]).await.status, 403, "CSRF");
    let signed = v.post(&login, &[("key", &agent_key)]).await;
    assert_eq!(signed.location.as_deref(), Some(office.as_str()));
    let cookie = signed
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|h| h.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("bk_o"))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains(&format!("Path=/b/{}/office", t.id)),
        "{cookie}"
    );
    let home = v.open(&office).await;
    assert!(home.html.contains("id=\"role\">agent<"), "{}", home.html);
    assert!(
        home.html.contains("data-agenda=\"accueil\"")
            && home.html.contains("data-agenda=\"annexe\"")
    );
    // The staff member sees their own agenda only.
    let mut w = Visitor::new(&s.base);
    w.open(&login).await;
    w.post(&login, &[("key", &staff_key)]).await;
    let mine = w.open(&office).await;
    assert!(mine.html.contains("id=\"role\">personnel<"));
    assert!(
        mine.html.contains("data-agenda=\"accueil\"")
            && !mine.html.contains("data-agenda=\"annexe\""),
        "{}",
        mine.html
    );
    // Revoking the key ends the session; signing out too.
    let revoked = s
        .call(reqwest::Method::DELETE, &t.path(&format!("/api-keys/{agent_id}")), admin, None, &[])
        .await;
    assert!(revoked.status < 300, "{:?}", revoked.body);
    assert_eq!(v.get(&office).await.status, 303);
    let name = format!("bk_o{}", t.id);
    let old = w.cookies[&name].clone();
    w.post(&format!("/b/{}/office/logout", t.id), &[]).await;
    assert!(!w.cookies.contains_key(&name), "the cookie is cleared");
    w.cookies.insert(name, old);
    assert_eq!(w.get(&office).await.status, 303, "and the session is gone on the server");
    s.stop().await;
}
