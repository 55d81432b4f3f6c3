//! Random fault schedules for seed sweeps.
//!
//! A sweep runs one scenario under many seeds; with faults on, each seed
//! also gets its own schedule of crashes, partitions and a worse network,
//! drawn from a generator seeded by that seed, so any violating seed can be
//! replayed exactly. Faults happen in the first two thirds of the run (the
//! safety phase); then everything is healed and restarted so the protocol
//! must make progress again (the liveness phase).

use super::ids::Tick;
use super::input::{Input, TimedInput};
use super::rng::{Ratio, SimRng};
use super::scenario::Scenario;

/// Mixes the sweep seed so the fault schedule is not the network's stream.
const FAULT_STREAM: u64 = 0x6661_756c_7473_0001;

/// `base` run under `seed`, with a random fault schedule added.
pub fn with_random_faults(base: &Scenario, seed: u64) -> Scenario {
    let mut rng = SimRng::new(seed ^ FAULT_STREAM);
    let mut scenario = base.clone();
    scenario.seed = seed;
    let network = &mut scenario.network;
    network.drop = Ratio {
        num: rng.range(0, 10),
        den: 100,
    };
    network.duplicate = Ratio {
        num: rng.range(0, 10),
        den: 100,
    };
    network.latency_ticks.max += rng.range(0, 6);

    let nodes = scenario.node_ids();
    let pick = |rng: &mut SimRng| nodes[rng.range(0, nodes.len() as u64 - 1) as usize];
    let safety_end: Tick = (scenario.run_ticks * 2 / 3).max(2);
    let mut faults = Vec::new();
    for _ in 0..rng.range(1, 4) {
        let start = rng.range(1, safety_end - 1);
        let end = (start + rng.range(5, 40)).min(safety_end);
        let node = pick(&mut rng);
        let (fault, repair) = match rng.range(0, 2) {
            0 => (Input::Crash { node }, Input::Restart { node }),
            1 => (Input::Isolate { node }, Input::Heal),
            _ => {
                let other = pick(&mut rng);
                (
                    Input::Partition {
                        from: vec![node],
                        to: vec![other],
                        one_way: true,
                    },
                    Input::Heal,
                )
            }
        };
        faults.push(TimedInput {
            tick: start,
            input: fault,
        });
        faults.push(TimedInput {
            tick: end,
            input: repair,
        });
    }
    faults.push(TimedInput {
        tick: safety_end,
        input: Input::Heal,
    });
    for &node in &nodes {
        faults.push(TimedInput {
            tick: safety_end,
            input: Input::Restart { node },
        });
    }
    scenario.inputs.extend(faults);
    super::sort::sort_by_key(&mut scenario.inputs, |i| i.tick);
    scenario
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scenarios_for_tests::arithmetic;

    #[test]
    fn schedules_are_reproducible_valid_and_differ_by_seed() {
        let base = arithmetic();
        let a = with_random_faults(&base, 7);
        assert_eq!(a, with_random_faults(&base, 7));
        assert_ne!(a.inputs, with_random_faults(&base, 8).inputs);
        for seed in 0..200 {
            let scenario = with_random_faults(&base, seed);
            scenario
                .validate()
                .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert!(scenario.inputs.len() > base.inputs.len());
        }
    }
}
