//! Rough heap accounting, so a timeline can bound its history and report
//! what it holds. The figures are estimates from sizes and counts (no
//! allocator is consulted); `tests/history_memory.rs` checks them against
//! a counting allocator.

use super::check::Violation;
use super::consumer_group::{Change, ConsumerGroup};
use super::log::Record;
use super::network::InFlight;
use super::protocol::Message;
use super::queue::{Event, QueueKey};
use super::service::{State, TableKey, Write};
use super::subscriber::{Folded, Row, Subscriber, View};
use super::world::{Node, World};
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::mem::{size_of, size_of_val};

/// A protocol's own state behind its box: a few offsets and small maps.
const PROTOCOL: usize = 128;

/// A B-tree of `len` entries of `entry` bytes: leaves of eleven slots,
/// about two thirds full, and never less than one leaf.
fn btree_bytes(len: usize, entry: usize) -> usize {
    if len == 0 {
        return 0;
    }
    len.div_ceil(7) * (11 * entry + 2 * size_of::<usize>())
}

fn keys_bytes<'a>(keys: impl Iterator<Item = &'a String>) -> usize {
    keys.map(String::len).sum()
}

fn table_bytes<V>(table: &BTreeMap<String, V>) -> usize {
    btree_bytes(table.len(), size_of::<String>() + size_of::<V>()) + keys_bytes(table.keys())
}

fn state_bytes(state: &State) -> usize {
    match state {
        State::Number(_) => 0,
        // Keys share their text with the commands that wrote them.
        State::Table(table) => btree_bytes(table.len(), size_of::<(TableKey, i64)>()),
    }
}

fn rows_bytes(rows: &[Row]) -> usize {
    size_of_val(rows) + keys_bytes(rows.iter().map(|r| &r.key))
}

fn view_bytes(view: &View) -> usize {
    let index = btree_bytes(
        view.index.len(),
        size_of::<i64>() + size_of::<BTreeSet<String>>(),
    ) + view
        .index
        .values()
        .map(|keys| btree_bytes(keys.len(), size_of::<String>()) + keys_bytes(keys.iter()))
        .sum::<usize>();
    state_bytes(&view.table) + index + table_bytes(&view.counts) + rows_bytes(&view.staged)
}

fn message_bytes(message: &InFlight) -> usize {
    let records = match &*message.message {
        Message::Replicate { records, .. } | Message::Append { records, .. } => records.len(),
        _ => 0,
    };
    size_of::<InFlight>()
        + size_of::<u64>()
        + 2 * size_of::<usize>()
        // The message's own allocation, shared with the trace: two counts
        // and the message.
        + 2 * size_of::<usize>()
        + size_of::<Message>()
        + records * size_of::<Record>()
}

fn node_bytes(node: &Node) -> usize {
    size_of::<Node>() + PROTOCOL + node.log.pointer_bytes() + state_bytes(&node.machine.state)
}

fn subscriber_bytes(subscriber: &Subscriber) -> usize {
    // Its view, the writes since its last commit (a restart takes them back
    // out), the staged rows it would restore and the rows it loaded.
    size_of::<Subscriber>()
        + view_bytes(&subscriber.view)
        + rows_bytes(subscriber.committed_staged())
        + subscriber.uncommitted_writes() * size_of::<(Write, Folded)>()
        + rows_bytes(&subscriber.loaded)
        + btree_bytes(subscriber.loaded.len(), size_of::<u64>())
}

/// What a `Chunked` of `len` items owns in a clone: one fat pointer per
/// group of 4096 items and per chunk of 64 after them (see `chunked`).
fn chunked_pointer_bytes(len: usize) -> usize {
    (len / 4096 + (len % 4096).div_ceil(64)) * 2 * size_of::<usize>()
}

fn group_bytes(group: &ConsumerGroup) -> usize {
    let topic = &group.topic;
    let partitions = (0..topic.partition_count())
        .map(|p| chunked_pointer_bytes(topic.len(p) as usize))
        .sum::<usize>();
    // owner, position, committed and the private `reached`: one word each
    // per partition.
    let per_partition = 4 * size_of::<u64>() * topic.partition_count() as usize;
    size_of::<ConsumerGroup>()
        + partitions
        + per_partition
        + size_of_val(group.members.as_slice())
        + table_bytes(&group.sink)
        + state_bytes(topic.source_table())
}

/// A violation found, with its explanation, and the checkers' note that it
/// was reported (a key of about the same size, in a B-tree).
fn violation_bytes(violation: &Violation) -> usize {
    size_of::<Violation>()
        + 2 * size_of_val(violation.nodes.as_slice())
        + violation.explanation.len()
        + btree_bytes(1, size_of::<(&str, String)>())
}

/// Bytes a clone of `world` allocates: everything but the log records,
/// which clones share.
pub fn world_bytes(world: &World) -> usize {
    size_of::<World>()
        + world.nodes().iter().map(node_bytes).sum::<usize>()
        + world
            .network()
            .in_flight()
            .map(message_bytes)
            .sum::<usize>()
        + world.queue().len() * (size_of::<QueueKey>() + size_of::<Event>())
        + world.client_acks().pointer_bytes()
        + world
            .consumer_groups()
            .map(|(_, g)| group_bytes(g))
            .sum::<usize>()
        + world
            .subscribers()
            .map(|(_, s)| subscriber_bytes(s))
            .sum::<usize>()
        + size_of_val(world.last_events())
        + world.trace_hash_heap_bytes()
        + world
            .violations()
            .iter()
            .map(violation_bytes)
            .sum::<usize>()
}

/// Bytes of the log records and acknowledgements `world` reads, which its
/// clones share.
pub fn shared_bytes(world: &World) -> usize {
    world
        .nodes()
        .iter()
        .map(|node| node.log.storage_bytes())
        .sum::<usize>()
        + world.client_acks().storage_bytes()
        + world
            .consumer_groups()
            .map(|(_, g)| {
                let topic = &g.topic;
                let chunks: usize = (0..topic.partition_count())
                    .map(|p| (topic.len(p) as usize).div_ceil(64))
                    .sum();
                chunks * 64 * size_of::<OnceCell<Change>>()
            })
            .sum::<usize>()
}
