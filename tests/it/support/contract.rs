//! The contract every [`DealStore`] backend must meet, as reusable async
//! tests (test support, outside the product library). A backend's test
//! file includes this module and calls [`run_all`] (or each check) with a
//! factory that returns a fresh, empty store:
//!
//! ```ignore
//! #[tokio::test(flavor = "multi_thread")]
//! async fn sled_meets_the_contract() {
//!     contract::run_all(|| async { fresh_store() }).await;
//! }
//! ```
//!
//! Each check panics with a message naming the broken guarantee.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

use chrono::{Duration, Local, TimeZone};

use ussbot::deals::model::{Customer, Deal, ModeChoice, SalesMode, Visit};
use ussbot::deals::DealStore;
use ussbot::user::UserKey;

/// A deal for `customer` with no visits, for tests.
pub fn sample_deal(customer: &str) -> Deal {
    let now = Local
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_else(Local::now);
    Deal::new(
        Customer {
            name: customer.to_string(),
            key: customer.to_lowercase(),
            aliases: Vec::new(),
        },
        ModeChoice {
            mode: SalesMode::Quick,
            chosen: false,
            reason: String::new(),
        },
        now,
    )
}

/// A visit with sequence `seq`, for tests.
pub fn sample_visit(seq: u64, customer: &str) -> Visit {
    let at = Local
        .with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .single()
        .unwrap_or_else(Local::now)
        + Duration::minutes(seq as i64);
    Visit {
        seq,
        at,
        logged_at: at,
        raw: format!("拜访了{customer}，第{seq}次"),
        customer: customer.to_string(),
        contacts: Vec::new(),
        activities: Vec::new(),
        objections: Vec::new(),
        man: Vec::new(),
        mode_cue: None,
        next: None,
        touch: ussbot::deals::model::Touch::Visit,
        alias: None,
    }
}

/// A recompute that only stamps `updated`, so checks do not depend on
/// knowledge files.
fn stamp(d: &mut Deal) {
    if let Some(v) = d.last_visit() {
        d.updated = v.logged_at;
    }
}

/// Run every check, each on a fresh store from `make`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn DealStore>>,
{
    put_then_read_back(make().await).await;
    append_creates_then_extends(make().await).await;
    concurrent_appends_lose_nothing(make().await).await;
    users_are_isolated(make().await).await;
    remove_last_visit_takes_the_newest(make().await).await;
    remove_visit_takes_exactly_that_one(make().await).await;
    update_absent_deal_is_none(make().await).await;
    sequence_increases(make().await).await;
}

/// A deal put is read back equal, alone and in the listing.
pub async fn put_then_read_back(store: Arc<dyn DealStore>) {
    let u = UserKey::new("test", "a");
    let mut deal = sample_deal("金鹰国际");
    deal.visits.push(sample_visit(1, "金鹰国际"));
    store.put_deal(&u, &deal).await.expect("put_deal");
    let back = store.deal(&u, &deal.id).await.expect("deal");
    assert_eq!(
        back.as_ref(),
        Some(&deal),
        "a deal must read back as written"
    );
    let all = store.deals(&u).await.expect("deals");
    assert_eq!(all, vec![deal], "the listing must hold exactly the deal");
}

/// The first append creates the deal from the template; later ones extend it.
pub async fn append_creates_then_extends(store: Arc<dyn DealStore>) {
    let u = UserKey::new("test", "a");
    let t = sample_deal("Acme");
    let d1 = store
        .append_visit(&u, &t, &sample_visit(1, "Acme"), &stamp)
        .await
        .expect("append 1");
    assert_eq!(d1.visits.len(), 1);
    let d2 = store
        .append_visit(&u, &t, &sample_visit(2, "Acme"), &stamp)
        .await
        .expect("append 2");
    assert_eq!(
        d2.visits.iter().map(|v| v.seq).collect::<Vec<_>>(),
        vec![1, 2],
        "appends keep every visit in order"
    );
    assert_eq!(
        d2.updated,
        sample_visit(2, "Acme").logged_at,
        "recompute ran"
    );
    // Appending the same visit again (a retried request) is a no-op.
    let d3 = store
        .append_visit(&u, &t, &sample_visit(2, "Acme"), &stamp)
        .await
        .expect("append again");
    assert_eq!(
        d3.visits.len(),
        2,
        "re-appending one visit must not duplicate it"
    );
}

/// Many tasks appending to one deal at once: every visit lands.
pub async fn concurrent_appends_lose_nothing(store: Arc<dyn DealStore>) {
    const TASKS: u64 = 16;
    const EACH: u64 = 8;
    let u = UserKey::new("test", "a");
    let t = sample_deal("金鹰国际");
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let store = store.clone();
        let u = u.clone();
        let t = t.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..EACH {
                let seq = store.next_seq().await.expect("seq");
                let mut v = sample_visit(seq, "金鹰国际");
                v.raw = format!("task {task} visit {i}");
                store
                    .append_visit(&u, &t, &v, &stamp)
                    .await
                    .expect("append");
            }
        }));
    }
    for h in handles {
        h.await.expect("task panicked");
    }
    let deal = store
        .deal(&u, &t.id)
        .await
        .expect("deal")
        .expect("deal exists");
    let seqs: BTreeSet<u64> = deal.visits.iter().map(|v| v.seq).collect();
    assert_eq!(
        deal.visits.len() as u64,
        TASKS * EACH,
        "concurrent appends lost visits"
    );
    assert_eq!(
        seqs.len() as u64,
        TASKS * EACH,
        "visit sequence numbers repeat"
    );
}

/// User B never sees or changes user A's deals, by any operation.
pub async fn users_are_isolated(store: Arc<dyn DealStore>) {
    let a = UserKey::new("discord", "1");
    let b = UserKey::new("discord", "12");
    let t = sample_deal("金鹰国际");
    store
        .append_visit(&a, &t, &sample_visit(1, "金鹰国际"), &stamp)
        .await
        .expect("append");
    assert!(
        store.deals(&b).await.expect("deals").is_empty(),
        "B sees A's deals"
    );
    assert!(
        store.deal(&b, &t.id).await.expect("deal").is_none(),
        "B reads A's deal"
    );
    let changed = store
        .update_deal(&b, &t.id, &|d| {
            d.customer.name = "hacked".into();
            true
        })
        .await
        .expect("update");
    assert!(changed.is_none(), "B changed A's deal");
    assert!(
        store
            .remove_last_visit(&b, &stamp)
            .await
            .expect("undo")
            .is_none(),
        "B's undo removed A's visit"
    );
    // B logging a visit to the same customer makes B's own deal.
    store
        .append_visit(&b, &t, &sample_visit(2, "金鹰国际"), &stamp)
        .await
        .expect("append b");
    let a_deal = store
        .deal(&a, &t.id)
        .await
        .expect("deal")
        .expect("A's deal");
    assert_eq!(a_deal.visits.len(), 1, "B's visit landed in A's deal");
    assert_eq!(a_deal.customer.name, "金鹰国际");
    let users = store.users().await.expect("users");
    assert_eq!(users.len(), 2);
}

/// `/undo` removes the newest visit across deals; a deal with no visit left goes.
pub async fn remove_last_visit_takes_the_newest(store: Arc<dyn DealStore>) {
    let u = UserKey::new("test", "a");
    let x = sample_deal("X公司");
    let y = sample_deal("Y公司");
    store
        .append_visit(&u, &x, &sample_visit(1, "X公司"), &stamp)
        .await
        .expect("1");
    store
        .append_visit(&u, &y, &sample_visit(2, "Y公司"), &stamp)
        .await
        .expect("2");
    store
        .append_visit(&u, &x, &sample_visit(3, "X公司"), &stamp)
        .await
        .expect("3");
    let r = store
        .remove_last_visit(&u, &stamp)
        .await
        .expect("undo")
        .expect("removed");
    assert_eq!(r.visit.seq, 3, "undo must remove the newest visit");
    assert_eq!(r.deal.as_ref().map(|d| d.visits.len()), Some(1));
    let r = store
        .remove_last_visit(&u, &stamp)
        .await
        .expect("undo")
        .expect("removed");
    assert_eq!(r.visit.seq, 2);
    assert!(r.deal.is_none(), "a deal left without visits is deleted");
    assert!(store.deal(&u, &y.id).await.expect("deal").is_none());
    let left = store.deals(&u).await.expect("deals");
    assert_eq!(left.len(), 1);
}

/// Updating a deal that does not exist changes nothing.
pub async fn update_absent_deal_is_none(store: Arc<dyn DealStore>) {
    let u = UserKey::new("test", "a");
    let r = store
        .update_deal(&u, "nobody", &|_| true)
        .await
        .expect("update");
    assert!(r.is_none());
    assert!(
        store.deals(&u).await.expect("deals").is_empty(),
        "update created a deal"
    );
}

/// Sequence numbers only go up.
pub async fn sequence_increases(store: Arc<dyn DealStore>) {
    let a = store.next_seq().await.expect("seq");
    let b = store.next_seq().await.expect("seq");
    assert!(b > a, "next_seq must increase");
}

/// `remove_visit` takes the visit it names, from whichever deal holds it,
/// and only the owner's.
pub async fn remove_visit_takes_exactly_that_one(store: Arc<dyn DealStore>) {
    let (a, b) = (UserKey::new("terminal", "a"), UserKey::new("terminal", "b"));
    for (user, customer, seq) in [
        (&a, "金鹰", 1),
        (&a, "鑫达", 2),
        (&a, "金鹰", 3),
        (&b, "金鹰", 4),
    ] {
        let deal = sample_deal(customer);
        store
            .append_visit(user, &deal, &sample_visit(seq, customer), &stamp)
            .await
            .expect("append");
    }
    assert!(
        store
            .remove_visit(&b, 2, &stamp)
            .await
            .expect("remove")
            .is_none(),
        "b cannot remove a's visit"
    );
    let r = store
        .remove_visit(&a, 1, &stamp)
        .await
        .expect("remove")
        .expect("removed");
    assert_eq!((r.visit.seq, r.customer.as_str()), (1, "金鹰"));
    let left: Vec<u64> = store
        .deals(&a)
        .await
        .expect("deals")
        .iter()
        .flat_map(|d| d.visits.iter().map(|v| v.seq))
        .collect();
    assert_eq!(left.len(), 2);
    assert!(left.contains(&2) && left.contains(&3), "{left:?}");
    assert!(store
        .remove_visit(&a, 1, &stamp)
        .await
        .expect("remove")
        .is_none());
}
