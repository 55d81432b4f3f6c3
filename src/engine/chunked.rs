//! An append-only vector whose clones share storage.
//!
//! Items live in fixed-size chunks behind `Rc`, and every `GROUP` full
//! chunks are gathered behind one more `Rc`. Each slot of a chunk is
//! written once and never changed. A clone (as every timeline keyframe
//! makes) copies one pointer per 4096 items and at most 64 chunk pointers,
//! and shares even the last, partly filled chunk: whichever copy appends
//! first fills the next free slot in place. Another copy appending at the
//! same index later reuses that slot if it holds an equal item (a replay
//! after a seek), or copies the chunk's first items into a chunk of its own
//! (a fork). So keeping a keyframe every few steps costs a few pointers,
//! however long the logs grow.

use std::cell::OnceCell;
use std::fmt;
use std::rc::Rc;

/// Items per chunk.
const CHUNK: usize = 64;
/// Chunks per group.
const GROUP: usize = 64;
/// Items per group.
const GROUP_ITEMS: usize = CHUNK * GROUP;

type Chunk<T> = Rc<[OnceCell<T>]>;

fn new_chunk<T>() -> Chunk<T> {
    (0..CHUNK).map(|_| OnceCell::new()).collect()
}

#[derive(Clone)]
pub struct Chunked<T> {
    /// Full groups, oldest first: `GROUP` full chunks each.
    groups: Vec<Rc<[Chunk<T>]>>,
    /// The chunks after the groups, fewer than `GROUP`: all full but the
    /// last, which holds this copy's items up to `len` (its later slots may
    /// hold another copy's items, which this one never reads).
    chunks: Vec<Chunk<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            groups: Vec::new(),
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone + PartialEq> Chunked<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, item: T) {
        let slot = self.len % CHUNK;
        if slot == 0 {
            self.chunks.push(new_chunk());
        }
        let last = self.chunks.last_mut().expect("a chunk holds the slot");
        // Free: fill it. Taken by an equal item: share it. Taken by a
        // different item (another copy forked here): copy the chunk.
        if let Err(item) = last[slot].set(item) {
            if last[slot].get() != Some(&item) {
                let copy = new_chunk();
                for (to, from) in copy.iter().zip(&last[..slot]) {
                    let _ = to.set(from.get().expect("slots below len are filled").clone());
                }
                let _ = copy[slot].set(item);
                *last = copy;
            }
        }
        self.len += 1;
        if self.len - self.groups.len() * GROUP_ITEMS == GROUP_ITEMS {
            let full = std::mem::take(&mut self.chunks);
            self.groups.push(Rc::from(full));
        }
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        if index >= self.len {
            return None;
        }
        let chunk = match self.groups.get(index / GROUP_ITEMS) {
            Some(group) => &group[(index / CHUNK) % GROUP],
            None => &self.chunks[(index - self.groups.len() * GROUP_ITEMS) / CHUNK],
        };
        chunk[index % CHUNK].get()
    }

    /// Items from `from` on, oldest first.
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = &T> + '_ {
        (from..self.len).filter_map(move |index| self.get(index))
    }

    /// Keeps the first `len` items. The storage stays shared: the next push
    /// copies the last chunk if another copy holds different items there.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let full_groups = len / GROUP_ITEMS;
        let rest = len - full_groups * GROUP_ITEMS;
        if full_groups < self.groups.len() {
            self.chunks = self.groups[full_groups][..rest.div_ceil(CHUNK)].to_vec();
            self.groups.truncate(full_groups);
        } else {
            self.chunks.truncate(rest.div_ceil(CHUNK));
        }
        self.len = len;
    }

    /// Bytes this copy owns itself: its lists of pointers. A clone costs
    /// this much.
    pub fn pointer_bytes(&self) -> usize {
        let pointer = std::mem::size_of::<Chunk<T>>();
        (self.groups.capacity() + self.chunks.capacity()) * pointer
    }

    /// Bytes of the chunks this copy reads, which its clones share (not
    /// counting what the items themselves point to).
    pub fn storage_bytes(&self) -> usize {
        let chunks = self.groups.len() * GROUP + self.chunks.len();
        chunks * CHUNK * std::mem::size_of::<OnceCell<T>>()
    }
}

impl<T: Clone + PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter_from(0).eq(other.iter_from(0))
    }
}

impl<T: Clone + Eq> Eq for Chunked<T> {}

impl<T: Clone + PartialEq + fmt::Debug> fmt::Debug for Chunked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter_from(0)).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(len: usize) -> Chunked<usize> {
        let mut items = Chunked::default();
        (0..len).for_each(|i| items.push(i));
        items
    }

    fn all(items: &Chunked<usize>) -> Vec<usize> {
        items.iter_from(0).copied().collect()
    }

    #[test]
    fn indexes_across_chunks_and_groups() {
        let len = 2 * GROUP_ITEMS + 3 * CHUNK + 5;
        let items = of(len);
        assert_eq!(items.len(), len);
        assert!((0..len).all(|i| items.get(i) == Some(&i)));
        assert_eq!(items.get(len), None);
        assert_eq!(
            items.iter_from(len - 10).copied().collect::<Vec<_>>(),
            (len - 10..len).collect::<Vec<_>>()
        );
        assert_eq!((items.groups.len(), items.chunks.len()), (2, 4));
    }

    #[test]
    fn truncate_anywhere_then_push() {
        let len = GROUP_ITEMS + 200;
        let cuts = [0, 1, 63, 64, 65, 127, 128, 129, 150, 199, 200, 250];
        let cuts = cuts.into_iter().chain([
            GROUP_ITEMS - 1,
            GROUP_ITEMS,
            GROUP_ITEMS + 1,
            GROUP_ITEMS + 64,
            len,
            len + 9,
        ]);
        for cut in cuts {
            let mut items = of(len);
            items.truncate(cut);
            let expect = cut.min(len);
            assert_eq!(items.len(), expect, "cut at {cut}");
            assert_eq!(all(&items), (0..expect).collect::<Vec<_>>());
            items.push(7);
            items.push(8);
            assert_eq!(items.get(expect), Some(&7), "cut at {cut}");
            assert_eq!(items.get(expect + 1), Some(&8), "cut at {cut}");
            assert_eq!(items.len(), expect + 2);
        }
    }

    #[test]
    fn clones_share_every_chunk_and_stay_independent() {
        let mut original = of(130);
        let copy = original.clone();
        assert!(Rc::ptr_eq(&original.chunks[0], &copy.chunks[0]));
        // The partly filled last chunk is shared too, and the original's
        // next items go into it without the copy seeing them.
        assert!(Rc::ptr_eq(&original.chunks[2], &copy.chunks[2]));
        original.push(130);
        assert!(Rc::ptr_eq(&original.chunks[2], &copy.chunks[2]));
        assert_eq!((copy.len(), copy.get(130)), (130, None));

        // A copy that appends the same item again shares it (a replay) ...
        let mut replay = copy.clone();
        replay.push(130);
        assert!(Rc::ptr_eq(&original.chunks[2], &replay.chunks[2]));
        // ... and one that appends another copies the chunk (a fork).
        let mut fork = copy.clone();
        fork.push(999);
        assert!(!Rc::ptr_eq(&original.chunks[2], &fork.chunks[2]));
        assert_eq!(fork.get(130), Some(&999));
        assert_eq!(original.get(130), Some(&130));
        assert_eq!(all(&fork)[..130], all(&copy)[..]);

        original.truncate(10);
        original.push(99);
        assert_eq!(copy.len(), 130);
        assert_eq!(copy.get(100), Some(&100));
        assert_eq!((original.len(), original.get(10)), (11, Some(&99)));
        assert_eq!(replay.get(10), Some(&10));
    }

    #[test]
    fn a_clone_costs_pointers_not_items() {
        let items = of(10 * GROUP_ITEMS);
        let copy = items.clone();
        // Ten group pointers and no loose chunks.
        assert_eq!(
            copy.pointer_bytes(),
            10 * std::mem::size_of::<Chunk<usize>>()
        );
        assert_eq!(
            copy.storage_bytes(),
            10 * GROUP_ITEMS * std::mem::size_of::<OnceCell<usize>>()
        );
    }

    #[test]
    fn equality_and_debug_look_at_items_only() {
        let mut a = of(70);
        let b = of(71);
        assert_ne!(a, b);
        a.push(70);
        assert_eq!(a, b);
        assert_eq!(format!("{:?}", of(3)), "[0, 1, 2]");
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        #[derive(Clone, Debug)]
        enum Op {
            Push(usize, u8),
            Truncate(usize, usize),
            Clone(usize),
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                6 => (0..4usize, 0..4u8).prop_map(|(c, v)| Op::Push(c, v)),
                1 => (0..4usize, 0..300usize).prop_map(|(c, l)| Op::Truncate(c, l)),
                1 => (0..4usize).prop_map(Op::Clone),
            ]
        }

        proptest! {
            /// Four copies pushed, truncated and cloned at random always
            /// read like four plain vectors would.
            #[test]
            fn copies_behave_like_independent_vectors(
                start in 0..5000usize,
                ops in proptest::collection::vec(op(), 0..400),
            ) {
                let first: Vec<usize> = (0..start).collect();
                let mut copies = vec![of(start); 4];
                let mut models = vec![first; 4];
                for op in ops {
                    match op {
                        Op::Push(c, v) => {
                            copies[c].push(usize::from(v));
                            models[c].push(usize::from(v));
                        }
                        Op::Truncate(c, l) => {
                            let l = models[c].len().saturating_sub(l);
                            copies[c].truncate(l);
                            models[c].truncate(l);
                        }
                        Op::Clone(c) => {
                            copies[(c + 1) % 4] = copies[c].clone();
                            models[(c + 1) % 4] = models[c].clone();
                        }
                    }
                }
                for (copy, model) in copies.iter().zip(&models) {
                    prop_assert_eq!(&all(copy), model);
                    prop_assert_eq!(copy.len(), model.len());
                }
            }
        }
    }
}
