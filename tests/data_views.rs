//! Read-only engine accessors the data panels of the app rely on.
#![cfg(not(target_arch = "wasm32"))]

use loglab::engine::{ClientId, TraceKind, World};
use std::rc::Rc;

#[test]
fn a_read_that_waits_for_its_write_is_listed_until_it_is_answered() {
    let scenario = Rc::new(loglab::scenarios::load("read-your-writes-wait").unwrap());
    let mut world = World::new(scenario);
    assert_eq!(world.waiting_reads().count(), 0);
    let mut waited_steps = 0;
    let mut answered = false;
    while world.step() {
        let waiting: Vec<_> = world.waiting_reads().collect();
        let answer = world
            .last_events()
            .iter()
            .any(|e| matches!(&e.kind, TraceKind::SubscriberAnswer(a) if a.waited));
        if answer {
            assert!(waiting.is_empty(), "an answered read waits no more");
            answered = true;
            break;
        }
        if let Some(&(name, client, key, needed)) = waiting.first() {
            // c1's own write of cart is at offset 1: the cache must reach 2.
            assert_eq!(
                (name, client, key, needed),
                ("cache", ClientId(1), "cart", 2)
            );
            waited_steps += 1;
        }
    }
    assert!(answered, "the waiting read is answered");
    assert!(waited_steps > 0, "the read waited for some steps");
}
