//! The world: nodes, network, event queue, clock and the one RNG.
//!
//! `step` pops the next event and runs it; `apply_input` carries out an
//! input right now. Both count as one step and append to the trace. Nothing
//! else changes a world, which is why a run can be replayed exactly.

use super::check::{Checkers, Violation};
use super::chunked::Chunked;
use super::consumer_group::{ConsumerGroup, GroupConfig};
use super::ids::{ClientId, MsgId, NodeId, Offset, Tick};
use super::input::{Input, TimedInput};
use super::log::Log;
use super::network::{InFlight, Network};
use super::protocol::{ClientRequest, Ctx, Effect, Message, Out, Protocol, Role};
use super::queue::{Event, EventQueue, QueueKey};
use super::rng::SimRng;
use super::scenario::Scenario;
use super::service::{Machine, StateChange, Surroundings};
use super::subscriber::{Subscriber, SubscriberConfig, SUBSCRIBER_NODE};
use super::table::compact;
use super::trace::{
    DropReason, GroupRebalance, SentMessage, SubscriberAnswer, TraceEvent, TraceHasher, TraceKind,
};
use serde::Serialize;
use std::rc::Rc;

/// One server: a durable log, and volatile state a crash throws away.
#[derive(Clone, Debug)]
pub struct Node {
    pub id: NodeId,
    pub up: bool,
    pub log: Log,
    pub machine: Machine,
    /// Durable like the log: the highest epoch this node has promised.
    pub persisted_epoch: u64,
    protocol: Box<dyn Protocol>,
    timer: Option<QueueKey>,
}

impl Node {
    pub fn role(&self) -> Role {
        self.protocol.role()
    }

    pub fn runs_service(&self) -> bool {
        self.protocol.runs_service()
    }

    pub fn epoch(&self) -> u64 {
        self.protocol.epoch()
    }
}

/// An acknowledgement a client received.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ClientAck {
    pub client: ClientId,
    pub node: NodeId,
    pub offset: Offset,
    /// Epoch and writer of the acknowledged record: with the offset, they
    /// identify it, so a checker can tell whether it survived.
    pub epoch: u64,
    pub writer: NodeId,
    pub tick: Tick,
}

#[derive(Clone, Debug)]
pub struct World {
    scenario: Rc<Scenario>,
    tick: Tick,
    step: u64,
    nodes: Vec<Node>,
    node_ids: Vec<NodeId>,
    network: Network,
    queue: EventQueue,
    /// Index of the next scenario input still to happen. Scenario inputs
    /// stay in the shared scenario instead of the queue, so a world clone
    /// does not copy them.
    next_input: usize,
    /// Number of the next write of the scenario's `load`.
    next_load: u64,
    rng: SimRng,
    client_acks: Chunked<ClientAck>,
    trace_hash: TraceHasher,
    trace_len: u64,
    /// The trace events of the most recent step only; callers that want the
    /// whole trace collect these after each step.
    last_events: Vec<TraceEvent>,
    /// Taken out only while they observe a step (they read the world):
    /// boxed so that moving them out and back copies one pointer.
    checkers: Option<Box<Checkers>>,
    /// One per `scenario.subscribers`, same order.
    subscribers: Vec<Subscriber>,
    /// Reads waiting for a subscriber to catch up with the reader's write.
    waiting_reads: Vec<WaitingRead>,
    /// One per `scenario.consumer_groups`, same order.
    groups: Vec<ConsumerGroup>,
    /// Per subscriber, (step, lag) each time its lag changed: the lag
    /// curve over the whole run, at O(1) per change and shared by clones.
    lag_samples: Vec<Chunked<(u64, Offset)>>,
    /// Per subscriber, its lag now: the last of its `lag_samples`.
    lags: Vec<Offset>,
    /// The effect buffer handlers fill, reused so a handler allocates nothing.
    effects_scratch: Vec<Effect>,
}

#[derive(Clone, Debug)]
struct WaitingRead {
    subscriber: usize,
    client: ClientId,
    key: String,
    needed: Offset,
}

impl World {
    /// A world at tick 0 with the scenario's timed inputs scheduled.
    pub fn new(scenario: Rc<Scenario>) -> World {
        let scenario = Self::with_sorted_inputs(scenario);
        let node_ids = scenario.protocol.cluster(scenario.replicas);
        let nodes = node_ids
            .iter()
            .map(|&id| Node {
                id,
                up: true,
                log: Log::new(),
                machine: Machine::new(scenario.service),
                persisted_epoch: 0,
                protocol: scenario.protocol.build(id),
                timer: None,
            })
            .collect();
        let mut world = World {
            rng: SimRng::new(scenario.seed),
            scenario,
            tick: 0,
            step: 0,
            nodes,
            node_ids,
            network: Network::default(),
            queue: EventQueue::default(),
            next_input: 0,
            next_load: 0,
            client_acks: Chunked::default(),
            trace_hash: TraceHasher::default(),
            trace_len: 0,
            last_events: Vec::new(),
            checkers: Some(Box::default()),
            subscribers: Vec::new(),
            waiting_reads: Vec::new(),
            groups: Vec::new(),
            lag_samples: Vec::new(),
            lags: Vec::new(),
            effects_scratch: Vec::new(),
        };
        world.groups = world
            .scenario
            .consumer_groups
            .iter()
            .map(|config| ConsumerGroup::new(config, world.scenario.service))
            .collect();
        // Each coordinator hands out the partitions as the run begins.
        for index in 0..world.groups.len() {
            world.queue.push(0, Event::GroupCheck(index));
        }
        world.subscribers = world
            .scenario
            .subscribers
            .iter()
            .map(|_| Subscriber::new(world.scenario.service))
            .collect();
        world.lags = vec![0; world.subscribers.len()];
        world.lag_samples = world
            .subscribers
            .iter()
            .map(|_| {
                let mut samples = Chunked::default();
                samples.push((0, 0));
                samples
            })
            .collect();
        world.start_nodes();
        world
    }

    /// Lets every protocol set itself up (arm timers); not a step.
    fn start_nodes(&mut self) {
        for node in self.node_ids.clone() {
            self.run_handler(node, |p, ctx, out| p.on_start(ctx, out));
        }
    }

    /// Scenario inputs stable-sorted by tick: at the same tick they keep the
    /// order the file lists them in.
    fn with_sorted_inputs(scenario: Rc<Scenario>) -> Rc<Scenario> {
        if scenario.inputs.is_sorted_by_key(|i| i.tick) {
            return scenario;
        }
        let mut sorted = (*scenario).clone();
        super::sort::sort_by_key(&mut sorted.inputs, |i| i.tick);
        Rc::new(sorted)
    }

    pub fn scenario(&self) -> &Rc<Scenario> {
        &self.scenario
    }

    /// A copy that will run exactly as this world does, without the trace
    /// events of its last step (`last_events` is empty): what a keyframe
    /// keeps. One step's events can be many (a restart replays the whole
    /// log), and a replay from the copy makes them again.
    pub fn snapshot(&self) -> World {
        World {
            scenario: Rc::clone(&self.scenario),
            tick: self.tick,
            step: self.step,
            nodes: self.nodes.clone(),
            node_ids: self.node_ids.clone(),
            network: self.network.clone(),
            queue: self.queue.clone(),
            next_input: self.next_input,
            next_load: self.next_load,
            rng: self.rng.clone(),
            client_acks: self.client_acks.clone(),
            trace_hash: self.trace_hash.clone(),
            trace_len: self.trace_len,
            last_events: Vec::new(),
            checkers: self.checkers.clone(),
            subscribers: self.subscribers.clone(),
            waiting_reads: self.waiting_reads.clone(),
            groups: self.groups.clone(),
            lag_samples: self.lag_samples.clone(),
            lags: self.lags.clone(),
            effects_scratch: Vec::new(),
        }
    }
    pub fn tick(&self) -> Tick {
        self.tick
    }
    /// Steps taken so far: events run plus inputs applied.
    pub fn step_count(&self) -> u64 {
        self.step
    }
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0 as usize)
    }
    pub fn network(&self) -> &Network {
        &self.network
    }
    pub fn queue(&self) -> &EventQueue {
        &self.queue
    }
    /// Acknowledgements clients received, in the order they were sent.
    pub fn client_acks(&self) -> &Chunked<ClientAck> {
        &self.client_acks
    }
    /// The hash of everything traced so far (see `TraceHasher`).
    pub fn trace_hash(&self) -> u64 {
        self.trace_hash.hash()
    }
    /// Bytes a clone of its trace hasher allocates (see `memory`).
    pub(crate) fn trace_hash_heap_bytes(&self) -> usize {
        self.trace_hash.heap_bytes()
    }
    pub fn trace_len(&self) -> u64 {
        self.trace_len
    }
    pub fn last_events(&self) -> &[TraceEvent] {
        &self.last_events
    }
    /// Subscribers, in the order the scenario declares them.
    pub fn subscribers(&self) -> impl Iterator<Item = (&SubscriberConfig, &Subscriber)> {
        self.scenario.subscribers.iter().zip(&self.subscribers)
    }

    /// Consumer groups, in the order the scenario declares them.
    pub fn consumer_groups(&self) -> impl Iterator<Item = (&GroupConfig, &ConsumerGroup)> {
        self.scenario.consumer_groups.iter().zip(&self.groups)
    }

    /// Invariant violations found so far, in the order they began.
    pub fn violations(&self) -> &[Violation] {
        self.checkers.as_ref().map_or(&[], |c| c.violations())
    }
    /// The scenario input that happens next, if any.
    fn next_scenario_input(&self) -> Option<&TimedInput> {
        self.scenario.inputs.get(self.next_input)
    }

    /// When the scenario's load writes next, if it does.
    fn next_load_tick(&self) -> Option<Tick> {
        let load = self.scenario.load.as_ref()?;
        load.tick_of(self.next_load, self.scenario.run_ticks)
    }

    /// When the next event is due, if any.
    pub fn next_tick(&self) -> Option<Tick> {
        // Not `[a, b, c].into_iter().flatten().min()`: that array, written
        // and read straight back, was the benchmark loop's hottest spot.
        let earliest = |a: Option<Tick>, b: Option<Tick>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let input = self.next_scenario_input().map(|i| i.tick);
        earliest(
            earliest(input, self.next_load_tick()),
            self.queue.next_tick(),
        )
    }

    /// Direct access for checker tests that plant a fault by hand.
    #[cfg(test)]
    pub(crate) fn nodes_mut(&mut self) -> &mut [Node] {
        &mut self.nodes
    }

    /// Direct access for checker tests that plant a fault by hand.
    #[cfg(test)]
    pub(crate) fn subscribers_mut(&mut self) -> &mut [Subscriber] {
        &mut self.subscribers
    }

    /// Runs the next event. False when nothing is scheduled.
    /// At equal ticks a scenario input runs before queued events.
    pub fn step(&mut self) -> bool {
        let input_tick = self.next_scenario_input().map(|i| i.tick);
        let load_tick = self.next_load_tick();
        let queue_tick = self.queue.next_tick();
        if input_tick
            .is_some_and(|t| queue_tick.is_none_or(|q| t <= q) && load_tick.is_none_or(|l| t <= l))
        {
            let scenario = Rc::clone(&self.scenario);
            let timed = &scenario.inputs[self.next_input];
            self.next_input += 1;
            self.begin_step();
            self.tick = timed.tick;
            self.carry_out_input(&timed.input);
            self.end_step();
            return true;
        }
        if let Some(tick) = load_tick.filter(|&l| queue_tick.is_none_or(|q| l <= q)) {
            let scenario = Rc::clone(&self.scenario);
            let load = scenario.load.as_ref().expect("a load tick means a load");
            let input = Input::Write {
                client: load.client,
                command: load.command(self.next_load).clone(),
                to: None,
            };
            self.next_load += 1;
            self.begin_step();
            self.tick = tick;
            self.carry_out_input(&input);
            self.end_step();
            return true;
        }
        let Some((tick, event)) = self.queue.pop() else {
            return false;
        };
        self.begin_step();
        self.tick = tick;
        match event {
            Event::Deliver(id) => self.deliver(id),
            Event::Timer(node) => self.fire_timer(node),
            Event::Poll(index) => self.poll_subscriber(index),
            Event::MemberPoll { group, member } => self.poll_member(group, member),
            Event::GroupCheck(group) => self.check_group(group),
        }
        self.end_step();
        true
    }

    /// Runs every event due at or before `limit`.
    pub fn run_until(&mut self, limit: Tick) {
        while self.next_tick().is_some_and(|t| t <= limit) {
            self.step();
        }
    }

    /// Carries out an input now, as one step at the current tick.
    pub fn apply_input(&mut self, input: &Input) {
        self.begin_step();
        self.carry_out_input(input);
        self.end_step();
    }

    fn begin_step(&mut self) {
        self.step += 1;
        self.last_events.clear();
    }

    /// Lets the checkers look at the finished step; they only observe.
    fn end_step(&mut self) {
        let mut checkers = self
            .checkers
            .take()
            .expect("checkers are back after each step");
        checkers.observe(self, &self.last_events);
        self.checkers = Some(checkers);
        self.sample_lags();
    }

    /// Records each subscriber's lag where it changed in this step.
    fn sample_lags(&mut self) {
        for (index, config) in self.scenario.subscribers.iter().enumerate() {
            let end = self.node(config.source).map_or(0, |n| n.log.end());
            let lag = self.subscribers[index].lag(end);
            if self.lags[index] != lag {
                self.lags[index] = lag;
                self.lag_samples[index].push((self.step, lag));
            }
        }
    }

    /// Subscriber `index`'s lag history: (step, lag) at every step where
    /// it changed, starting with (0, 0).
    pub fn lag_samples(&self, index: usize) -> Option<&Chunked<(u64, Offset)>> {
        self.lag_samples.get(index)
    }

    fn record(&mut self, kind: TraceKind) {
        let event = TraceEvent {
            step: self.step,
            tick: self.tick,
            kind,
        };
        self.trace_hash.add(&event);
        self.trace_len += 1;
        self.last_events.push(event);
    }

    fn index(&self, node: NodeId) -> Option<usize> {
        let index = node.0 as usize;
        (index < self.nodes.len()).then_some(index)
    }

    fn carry_out_input(&mut self, input: &Input) {
        match input {
            Input::Write {
                client,
                command,
                to,
            } => {
                let target = to.or_else(|| self.writer());
                let client = *client;
                let Some(node) = target.filter(|&n| self.is_up(n)) else {
                    self.record(TraceKind::RequestLost {
                        node: target,
                        client,
                    });
                    return;
                };
                self.record(TraceKind::Write {
                    node,
                    client,
                    command: command.clone(),
                });
                let request = ClientRequest {
                    client,
                    command: command.clone(),
                };
                self.run_handler(node, |p, ctx, out| p.on_client_request(ctx, request, out));
            }
            Input::Read { client, from, key } => {
                let node = self.node(*from).filter(|n| n.up);
                let value = node.and_then(|n| n.machine.state.read(key.as_deref()));
                let applied_offset = node.map_or(0, |n| n.machine.applied_offset);
                self.record(TraceKind::Read {
                    node: *from,
                    client: *client,
                    key: key.clone(),
                    value,
                    applied_offset,
                });
            }
            Input::QuerySubscriber {
                client,
                name,
                key,
                wait,
            } => {
                let Some(index) = self
                    .scenario
                    .subscribers
                    .iter()
                    .position(|s| &s.name == name)
                else {
                    return;
                };
                // The client's own writes are visible once the subscriber
                // has read past the last one acknowledged to it.
                let needed = self
                    .client_acks
                    .iter_from(0)
                    .filter(|a| a.client == *client)
                    .map(|a| a.offset + 1)
                    .max()
                    .unwrap_or(0);
                let read = WaitingRead {
                    subscriber: index,
                    client: *client,
                    key: key.clone(),
                    needed,
                };
                if *wait && self.subscribers[index].position < needed {
                    self.waiting_reads.push(read);
                } else {
                    self.answer(read, false);
                }
            }
            Input::CrashSubscriber { name } => self.subscriber_input(name, "crashes", |_, s| {
                s.crash();
                true
            }),
            Input::RestartSubscriber { name } => {
                self.subscriber_input(name, "restarts", |config, s| {
                    let was_down = !s.up;
                    if was_down {
                        s.restart(config.kind);
                    }
                    was_down
                })
            }
            Input::PauseSubscriber { name } => self.subscriber_input(name, "pauses", |_, s| {
                let was_running = !s.paused;
                s.paused = true;
                was_running
            }),
            Input::ResumeSubscriber { name } => self.subscriber_input(name, "resumes", |_, s| {
                let was_paused = s.paused;
                s.paused = false;
                was_paused
            }),
            Input::CrashMember { group, member } => {
                let Some(index) = self.group_index(group) else {
                    return;
                };
                if self.groups[index].crash(*member) {
                    self.member_state(index, *member, "crashes");
                    // The coordinator gives up on it after the session timeout.
                    let timeout = self.scenario.consumer_groups[index].session_timeout_ticks;
                    self.queue
                        .push(self.tick + timeout, Event::GroupCheck(index));
                }
            }
            Input::RestartMember { group, member } => {
                let Some(index) = self.group_index(group) else {
                    return;
                };
                if self.groups[index].restart(*member) {
                    self.member_state(index, *member, "restarts and rejoins");
                    self.rebalance(index);
                }
            }
            Input::Promote { node } => {
                let node = *node;
                if self.is_up(node) {
                    self.record(TraceKind::Promote { node });
                    self.run_handler(node, |p, ctx, out| p.on_promote(ctx, out));
                }
            }
            Input::Crash { node } => self.crash(*node),
            Input::Restart { node } => self.restart(*node),
            Input::Partition { from, to, one_way } => {
                for &a in from {
                    for &b in to.iter().filter(|&&b| b != a) {
                        self.cut(a, b);
                        if !one_way {
                            self.cut(b, a);
                        }
                    }
                }
            }
            Input::Isolate { node } => {
                let others: Vec<NodeId> = self
                    .node_ids
                    .iter()
                    .copied()
                    .filter(|n| n != node)
                    .collect();
                for other in others {
                    self.cut(*node, other);
                    self.cut(other, *node);
                }
            }
            Input::Heal => {
                if self.network.heal() {
                    self.record(TraceKind::Heal);
                }
            }
            Input::HealLink { from, to, one_way } => {
                self.reconnect(*from, *to);
                if !one_way {
                    self.reconnect(*to, *from);
                }
            }
        }
    }

    fn reconnect(&mut self, from: NodeId, to: NodeId) {
        if self.network.reconnect(from, to) {
            self.record(TraceKind::Reconnect { from, to });
        }
    }

    fn cut(&mut self, from: NodeId, to: NodeId) {
        if self.network.cut(from, to) {
            self.record(TraceKind::Cut { from, to });
        }
    }

    /// Where a client's write goes by default: the live node that takes
    /// writes, preferring the newest epoch (what a client that follows
    /// leader announcements would pick), then the lowest id.
    pub fn writer(&self) -> Option<NodeId> {
        self.nodes
            .iter()
            .filter(|n| n.up && n.protocol.takes_writes())
            .max_by_key(|n| (n.protocol.epoch(), std::cmp::Reverse(n.id)))
            .map(|n| n.id)
    }

    pub fn is_up(&self, node: NodeId) -> bool {
        self.node(node).is_some_and(|n| n.up)
    }

    fn crash(&mut self, node: NodeId) {
        let Some(index) = self.index(node) else {
            return;
        };
        if !self.nodes[index].up {
            return;
        }
        let protocol = self.scenario.protocol.build(node);
        let n = &mut self.nodes[index];
        n.up = false;
        n.machine = Machine::new(self.scenario.service);
        n.protocol = protocol;
        if let Some(key) = n.timer.take() {
            self.queue.cancel(key);
        }
        self.record(TraceKind::Crash { node });
    }

    fn restart(&mut self, node: NodeId) {
        let Some(index) = self.index(node) else {
            return;
        };
        if self.nodes[index].up {
            return;
        }
        self.nodes[index].up = true;
        self.record(TraceKind::Restart { node });
        self.run_handler(node, |p, ctx, out| p.on_restart(ctx, out));
    }

    /// Applies a subscriber input; `change` says whether it did anything.
    fn subscriber_input(
        &mut self,
        name: &str,
        what: &str,
        change: impl FnOnce(&SubscriberConfig, &mut Subscriber) -> bool,
    ) {
        let scenario = Rc::clone(&self.scenario);
        let Some(index) = scenario.subscribers.iter().position(|s| s.name == name) else {
            return;
        };
        if change(&scenario.subscribers[index], &mut self.subscribers[index]) {
            let subscriber = name.to_owned();
            self.record(TraceKind::SubscriberState {
                subscriber,
                what: what.to_owned(),
            });
            self.wake_subscribers();
        }
    }

    /// Schedules a poll for every running subscriber that has committed
    /// records to read and no poll pending. Nobody waits for a subscriber:
    /// this only ever adds its own events.
    fn wake_subscribers(&mut self) {
        self.wake_members();
        for index in 0..self.subscribers.len() {
            let config = &self.scenario.subscribers[index];
            let available = self
                .node(config.source)
                .map_or(0, |n| n.log.commit_offset());
            let sub = &mut self.subscribers[index];
            sub.max_lag = sub.max_lag.max(available.saturating_sub(sub.position));
            let work = available > sub.position || sub.source_rewound.is_some();
            if sub.up && !sub.paused && !sub.polling && work {
                sub.polling = true;
                self.queue
                    .push(self.tick + config.every_ticks, Event::Poll(index));
            }
        }
    }

    /// Brings each group's topic up to its source's commit and schedules a
    /// poll for every live member with changes waiting and no poll pending.
    fn wake_members(&mut self) {
        for index in 0..self.groups.len() {
            let config = &self.scenario.consumer_groups[index];
            if let Some(source) = self.nodes.get(config.source.0 as usize) {
                self.groups[index]
                    .topic
                    .extend(&source.log, self.scenario.seed, source.id);
            }
            let group = &mut self.groups[index];
            for member in 0..group.members.len() as u8 {
                if !group.members[member as usize].polling && group.has_work(member) {
                    group.members[member as usize].polling = true;
                    self.queue.push(
                        self.tick + config.every_ticks,
                        Event::MemberPoll {
                            group: index,
                            member,
                        },
                    );
                }
            }
        }
    }

    fn group_index(&self, name: &str) -> Option<usize> {
        self.scenario
            .consumer_groups
            .iter()
            .position(|g| g.name == name)
    }

    fn member_state(&mut self, index: usize, member: u8, what: &str) {
        self.record(TraceKind::MemberState {
            group: self.scenario.consumer_groups[index].name.clone(),
            member,
            what: what.to_owned(),
        });
    }

    /// The coordinator's check: rebalance if some partition has no live owner.
    fn check_group(&mut self, index: usize) {
        if self.groups[index].needs_rebalance() {
            self.rebalance(index);
        }
    }

    fn rebalance(&mut self, index: usize) {
        let name = self.scenario.consumer_groups[index].name.clone();
        let commits = self.groups[index].rebalance();
        for (partition, offset) in commits {
            self.record(TraceKind::GroupCommit {
                group: name.clone(),
                partition,
                offset,
            });
        }
        let group = &self.groups[index];
        self.record(TraceKind::GroupRebalance(Box::new(GroupRebalance {
            group: name,
            generation: group.generation,
            owners: group.owner.clone(),
            from: group.position.clone(),
        })));
        self.wake_members();
    }

    fn poll_member(&mut self, index: usize, member: u8) {
        let config = &self.scenario.consumer_groups[index];
        let (name, batch, commit_every) = (
            config.name.clone(),
            config.batch_records,
            config.commit_every_records,
        );
        let group = &mut self.groups[index];
        let Some(m) = group.members.get_mut(member as usize) else {
            return;
        };
        m.polling = false;
        for read in group.poll(member, batch, commit_every) {
            self.record(TraceKind::MemberRead {
                group: name.clone(),
                member,
                partition: read.partition,
                from: read.from,
                to: read.to,
            });
            if let Some(offset) = read.committed {
                self.record(TraceKind::GroupCommit {
                    group: name.clone(),
                    partition: read.partition,
                    offset,
                });
            }
        }
        self.wake_members();
    }

    fn answer(&mut self, read: WaitingRead, waited: bool) {
        let sub = &self.subscribers[read.subscriber];
        self.record(TraceKind::SubscriberAnswer(Box::new(SubscriberAnswer {
            subscriber: self.scenario.subscribers[read.subscriber].name.clone(),
            client: read.client,
            value: sub.view.value_of(&read.key),
            key: read.key,
            position: sub.position,
            needed: read.needed,
            waited,
        })));
    }

    /// Answers the waiting reads this subscriber has now caught up with.
    fn answer_waiting_reads(&mut self, index: usize) {
        let position = self.subscribers[index].position;
        let (ready, still): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting_reads)
            .into_iter()
            .partition(|r| r.subscriber == index && position >= r.needed);
        self.waiting_reads = still;
        ready.into_iter().for_each(|read| self.answer(read, true));
    }

    fn poll_subscriber(&mut self, index: usize) {
        let scenario = Rc::clone(&self.scenario);
        let config = &scenario.subscribers[index];
        self.subscribers[index].polling = false;
        let sub = &self.subscribers[index];
        if !sub.up || sub.paused {
            return;
        }
        let from = sub.position;
        let Some(source) = self.node(config.source).filter(|n| n.up) else {
            // The source is down: try again later.
            self.subscribers[index].polling = true;
            self.queue
                .push(self.tick + config.every_ticks, Event::Poll(index));
            return;
        };
        let commit = source.log.commit_offset();
        let retained_from = scenario
            .retention_records
            .map_or(0, |keep| commit.saturating_sub(keep));
        if let Some(lost_from) = self.subscribers[index].source_rewound {
            // Records it read are gone from its source: rebuild from the
            // source's log as it is now.
            let last = from.saturating_sub(1).max(lost_from);
            let read = if last == lost_from {
                format!("record #{lost_from}")
            } else {
                format!("records #{lost_from}..#{last}")
            };
            let why = format!("read {read} that {} has since truncated", source.id);
            self.rebootstrap(index, commit, why);
            return;
        }
        if from < retained_from {
            // Fell behind the retention point: the records it needs are gone.
            let why = format!("fell behind the retention point #{retained_from}");
            self.rebootstrap(index, retained_from, why);
            return;
        }
        let upto = commit.min(from + config.batch_records);
        // Borrowed straight from the node list, beside the subscriber list.
        let log = &self.nodes[source.id.0 as usize].log;
        let records = (from..upto).filter_map(|o| log.get(o));
        let me = SUBSCRIBER_NODE;
        let outcome = self.subscribers[index].poll(config, records, scenario.seed, me, self.tick);
        let subscriber = config.name.clone();
        if let Some((from, to)) = outcome.read {
            self.record(TraceKind::SubscriberRead {
                subscriber: subscriber.clone(),
                from,
                to,
            });
        }
        if outcome.loaded_rows > 0 {
            let rows = outcome.loaded_rows as u64;
            self.record(TraceKind::SubscriberLoad {
                subscriber: subscriber.clone(),
                rows,
            });
        }
        if let Some(offset) = outcome.committed {
            self.record(TraceKind::SubscriberCommit { subscriber, offset });
        }
        self.answer_waiting_reads(index);
        self.wake_subscribers();
    }

    /// Rebuilds subscriber `index` from its source's log up to `upto`,
    /// compacted, and traces why.
    fn rebootstrap(&mut self, index: usize, upto: Offset, why: String) {
        let scenario = Rc::clone(&self.scenario);
        let config = &scenario.subscribers[index];
        let Some(source) = self.node(config.source) else {
            return;
        };
        let compacted = compact(
            &source.log,
            upto,
            scenario.service,
            scenario.seed,
            source.id,
            0,
        );
        let what = format!(
            "{why}: re-bootstraps from {} compacted records",
            compacted.len()
        );
        self.subscribers[index].bootstrap(config, scenario.service, &compacted, upto);
        self.record(TraceKind::SubscriberState {
            subscriber: config.name.clone(),
            what,
        });
        self.wake_subscribers();
    }

    fn fire_timer(&mut self, node: NodeId) {
        let Some(index) = self.index(node) else {
            return;
        };
        self.nodes[index].timer = None;
        self.record(TraceKind::Timer { node });
        self.run_handler(node, |p, ctx, out| p.on_tick(ctx, out));
    }

    fn deliver(&mut self, id: MsgId) {
        let Some(InFlight {
            from, to, message, ..
        }) = self.network.land(id)
        else {
            return;
        };
        let reason = if self.network.is_cut(from, to) {
            Some(DropReason::Partitioned)
        } else if !self.is_up(to) {
            Some(DropReason::NodeDown)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.record(TraceKind::Drop {
                id,
                from,
                to,
                reason,
            });
            return;
        }
        self.record(TraceKind::Deliver { id, from, to });
        self.run_handler(to, |p, ctx, out| p.on_message(ctx, from, &message, out));
    }

    /// Runs one protocol handler on a live node and carries out its effects.
    fn run_handler(
        &mut self,
        node: NodeId,
        handler: impl FnOnce(&mut dyn Protocol, &Ctx, &mut Out),
    ) {
        let Some(index) = self.index(node) else {
            return;
        };
        if !self.nodes[index].up {
            return;
        }
        let mut out = Out {
            effects: std::mem::take(&mut self.effects_scratch),
        };
        let before = {
            let n = &mut self.nodes[index];
            let before = (n.protocol.role(), n.protocol.epoch());
            let ctx = Ctx {
                me: node,
                tick: self.tick,
                log: &n.log,
                machine: &n.machine,
                nodes: &self.node_ids,
                params: &self.scenario.params,
                seed: self.scenario.seed,
                persisted_epoch: n.persisted_epoch,
            };
            handler(n.protocol.as_mut(), &ctx, &mut out);
            before
        };
        let mut effects = out.effects;
        let protocol = &self.nodes[index].protocol;
        let (role, epoch) = (protocol.role(), protocol.epoch());
        if (role, epoch) != before {
            self.record(TraceKind::Role { node, role, epoch });
        }
        for effect in effects.drain(..) {
            self.carry_out_effect(index, effect);
        }
        self.effects_scratch = effects;
    }

    fn carry_out_effect(&mut self, index: usize, effect: Effect) {
        let node = self.nodes[index].id;
        match effect {
            Effect::Send { to, message } => self.send(node, to, message),
            Effect::Append(record) => {
                let (offset, epoch, writer) = (record.offset, record.epoch, record.writer);
                let payload = record.payload.clone();
                if let Err(e) = self.nodes[index].log.append(record) {
                    panic!("protocol bug on {node}: {e}");
                }
                self.record(TraceKind::Append {
                    node,
                    offset,
                    epoch,
                    writer,
                    payload,
                });
            }
            Effect::Truncate { from } => {
                self.nodes[index].log.truncate_from(from);
                self.record(TraceKind::Truncate { node, from });
                for (sub, config) in self.subscribers.iter_mut().zip(&self.scenario.subscribers) {
                    if config.source == node {
                        sub.source_truncated(from);
                    }
                }
                // Records it applied are gone: rebuild the state from what is left.
                if self.nodes[index].machine.applied_offset > from {
                    self.nodes[index].machine = Machine::new(self.scenario.service);
                    self.apply_log(index, from);
                }
            }
            Effect::Commit { up_to } => match self.nodes[index].log.commit_to(up_to) {
                Ok(true) => {
                    self.record(TraceKind::Commit {
                        node,
                        offset: up_to,
                    });
                    self.wake_subscribers();
                }
                Ok(false) => {}
                Err(e) => panic!("protocol bug on {node}: {e}"),
            },
            Effect::Apply { up_to } => self.apply_log(index, up_to),
            Effect::Reply { client, offset } => {
                let record = self.nodes[index].log.get(offset);
                let (epoch, writer) = record.map_or((0, node), |r| (r.epoch, r.writer));
                self.client_acks.push(ClientAck {
                    client,
                    node,
                    offset,
                    epoch,
                    writer,
                    tick: self.tick,
                });
                self.record(TraceKind::Reply {
                    node,
                    client,
                    offset,
                });
            }
            Effect::PersistEpoch { epoch } => {
                let n = &mut self.nodes[index];
                n.persisted_epoch = n.persisted_epoch.max(epoch);
            }
            Effect::SetTimer { after_ticks } => {
                if let Some(key) = self.nodes[index].timer.take() {
                    self.queue.cancel(key);
                }
                let key = self
                    .queue
                    .push(self.tick + after_ticks.max(1), Event::Timer(node));
                self.nodes[index].timer = Some(key);
            }
        }
    }

    /// Feeds log records to the node's state machine, in offset order.
    fn apply_log(&mut self, index: usize, up_to: Offset) {
        let node = self.nodes[index].id;
        loop {
            let offset = self.nodes[index].machine.applied_offset;
            if offset >= up_to || offset >= self.nodes[index].log.end() {
                break;
            }
            let n = &mut self.nodes[index];
            let Some(record) = n.log.get(offset) else {
                break;
            };
            let around = Surroundings::of(self.scenario.seed, node, self.tick, offset);
            let write = record.change(&n.machine.state, around);
            n.machine.apply(write.as_ref());
            let change = StateChange::of(&n.machine.state, write);
            self.record(TraceKind::Apply {
                node,
                offset,
                change,
            });
        }
    }

    /// Puts a message on the wire. Draws exactly four random numbers per
    /// send whatever happens, so changing one link's settings never shifts
    /// the random stream of everything after it.
    fn send(&mut self, from: NodeId, to: NodeId, message: Message) {
        let link = self.scenario.network.link(from, to);
        let (min, max) = (link.latency_ticks.min, link.latency_ticks.max);
        let lost = self.rng.chance(link.drop);
        let duplicated = self.rng.chance(link.duplicate);
        let latency = self.rng.range(min, max);
        let copy_latency = self.rng.range(min, max);

        let id = self.network.next_id();
        let deliver_tick = self.tick + latency;
        // One message, shared by the trace and the wire (and a duplicate).
        let message = Rc::new(message);
        self.record(TraceKind::Send {
            id,
            from,
            to,
            message: SentMessage(message.clone()),
            deliver_tick,
        });
        let dropped = if self.network.is_cut(from, to) {
            Some(DropReason::Partitioned)
        } else if lost {
            Some(DropReason::Lost)
        } else {
            None
        };
        if let Some(reason) = dropped {
            self.record(TraceKind::Drop {
                id,
                from,
                to,
                reason,
            });
            return;
        }
        if duplicated {
            let copy = self.network.next_id();
            let copy_tick = self.tick + copy_latency;
            self.record(TraceKind::Duplicate {
                id,
                copy,
                deliver_tick: copy_tick,
            });
            self.launch(copy, from, to, message.clone(), copy_tick);
        }
        self.launch(id, from, to, message, deliver_tick);
    }

    fn launch(&mut self, id: MsgId, from: NodeId, to: NodeId, message: Rc<Message>, at: Tick) {
        let sent_tick = self.tick;
        self.network.launch(InFlight {
            id,
            from,
            to,
            message,
            sent_tick,
            deliver_tick: at,
        });
        self.queue.push(at, Event::Deliver(id));
    }

    /// Reads from subscribers still waiting for the reader's own write, in
    /// the order they were asked: (subscriber, client, key, the position
    /// the subscriber must reach).
    pub fn waiting_reads(&self) -> impl Iterator<Item = (&str, ClientId, &str, Offset)> + '_ {
        self.waiting_reads.iter().map(|read| {
            let name = self.scenario.subscribers[read.subscriber].name.as_str();
            (name, read.client, read.key.as_str(), read.needed)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scenarios_for_tests::arithmetic;

    fn partition(a: u8, b: u8) -> Input {
        Input::Partition {
            from: vec![NodeId(a)],
            to: vec![NodeId(b)],
            one_way: false,
        }
    }

    fn heal_link(from: u8, to: u8, one_way: bool) -> Input {
        Input::HealLink {
            from: NodeId(from),
            to: NodeId(to),
            one_way,
        }
    }

    fn cut(world: &World) -> Vec<(u8, u8)> {
        world
            .network()
            .cut_links()
            .map(|(a, b)| (a.0, b.0))
            .collect()
    }

    #[test]
    fn heal_link_reconnects_one_link_and_keeps_the_others_cut() {
        let mut world = World::new(arithmetic());
        world.apply_input(&partition(0, 1));
        world.apply_input(&partition(0, 2));
        let step = world.step_count();
        // Named either way round, it is the same link.
        world.apply_input(&heal_link(1, 0, false));
        assert_eq!(world.step_count(), step + 1, "one input, one step");
        assert_eq!(cut(&world), [(0, 2), (2, 0)]);
        let events: Vec<&TraceKind> = world.last_events().iter().map(|e| &e.kind).collect();
        assert_eq!(
            events,
            [
                &TraceKind::Reconnect {
                    from: NodeId(1),
                    to: NodeId(0)
                },
                &TraceKind::Reconnect {
                    from: NodeId(0),
                    to: NodeId(1)
                },
            ]
        );
    }

    #[test]
    fn heal_link_one_way_restores_one_direction_and_a_working_link_records_nothing() {
        let mut world = World::new(arithmetic());
        world.apply_input(&partition(0, 3));
        world.apply_input(&heal_link(0, 3, true));
        assert_eq!(cut(&world), [(3, 0)]);
        assert_eq!(world.last_events().len(), 1);
        let (hash, trace_len) = (world.trace_hash(), world.trace_len);
        world.apply_input(&heal_link(1, 2, false));
        assert!(world.last_events().is_empty(), "nothing was cut there");
        assert_eq!((world.trace_hash(), world.trace_len), (hash, trace_len));
        assert_eq!(cut(&world), [(3, 0)]);
    }

    #[test]
    fn heal_link_ends_like_cutting_only_the_other_links() {
        // Reconnecting r0–r1 after cutting r0–r1 and r0–r2 leaves the same
        // network as cutting r0–r2 alone; a message from r0 reaches r1.
        let mut world = World::new(arithmetic());
        world.apply_input(&partition(0, 1));
        world.apply_input(&partition(0, 2));
        world.apply_input(&heal_link(0, 1, false));
        let mut only = World::new(arithmetic());
        only.apply_input(&partition(0, 2));
        assert_eq!(cut(&world), cut(&only));
        world.run_until(20);
        only.run_until(20);
        let ends = |w: &World| w.nodes().iter().map(|n| n.log.end()).collect::<Vec<_>>();
        assert_eq!(ends(&world), ends(&only));
        assert!(
            world.node(NodeId(1)).unwrap().log.end() > 0,
            "r1 got records"
        );
    }
}
