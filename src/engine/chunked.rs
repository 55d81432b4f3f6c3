//! An append-only vector whose clones share storage.
//!
//! Items live in sealed chunks behind `Arc` plus a small mutable tail, so a
//! clone (as every timeline keyframe makes) copies a few pointers and at
//! most one chunk's worth of items, however long the vector is.

use std::sync::Arc;

const CHUNK: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunked<T> {
    /// Full chunks of exactly `CHUNK` items, oldest first.
    sealed: Vec<Arc<[T]>>,
    tail: Vec<T>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            sealed: Vec::new(),
            tail: Vec::new(),
        }
    }
}

impl<T: Clone> Chunked<T> {
    pub fn len(&self) -> usize {
        self.sealed.len() * CHUNK + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push(&mut self, item: T) {
        self.tail.push(item);
        if self.tail.len() == CHUNK {
            self.sealed.push(Arc::from(std::mem::take(&mut self.tail)));
        }
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        let chunk = index / CHUNK;
        match self.sealed.get(chunk) {
            Some(items) => items.get(index % CHUNK),
            None if chunk == self.sealed.len() => self.tail.get(index % CHUNK),
            None => None,
        }
    }

    /// Items from `from` on, oldest first.
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = &T> + '_ {
        (from..self.len()).filter_map(move |index| self.get(index))
    }

    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        let full_chunks = len / CHUNK;
        if full_chunks < self.sealed.len() {
            let partial = self.sealed[full_chunks][..len % CHUNK].to_vec();
            self.sealed.truncate(full_chunks);
            self.tail = partial;
        } else {
            self.tail.truncate(len % CHUNK);
        }
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

    #[test]
    fn indexes_across_chunks() {
        let items = of(200);
        assert_eq!(items.len(), 200);
        assert!((0..200).all(|i| items.get(i) == Some(&i)));
        assert_eq!(items.get(200), None);
        assert_eq!(
            items.iter_from(190).copied().collect::<Vec<_>>(),
            (190..200).collect::<Vec<_>>()
        );
    }

    #[test]
    fn truncate_anywhere_then_push() {
        for cut in [0, 1, 63, 64, 65, 127, 128, 129, 150, 199, 200, 250] {
            let mut items = of(200);
            items.truncate(cut);
            let expect = cut.min(200);
            assert_eq!(items.len(), expect, "cut at {cut}");
            assert_eq!(items.iter_from(0).count(), expect);
            items.push(expect);
            assert_eq!(items.get(expect), Some(&expect));
        }
    }

    #[test]
    fn clones_share_sealed_chunks_and_stay_independent() {
        let mut original = of(130);
        let copy = original.clone();
        assert!(Arc::ptr_eq(&original.sealed[0], &copy.sealed[0]));
        original.truncate(10);
        original.push(99);
        assert_eq!(copy.len(), 130);
        assert_eq!(copy.get(100), Some(&100));
        assert_eq!((original.len(), original.get(10)), (11, Some(&99)));
    }
}
