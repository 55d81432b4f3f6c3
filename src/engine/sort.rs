//! Stable sorting that stays small in the browser bundle.
//!
//! The standard library's stable sort (driftsort) is several KiB of code
//! for every element type and comparison it is used with. In wasm these
//! functions sort a list of positions instead, with one merge sort compiled
//! once, and then move the elements into place: a little slower, much
//! smaller. Natively they are the standard sort. A stable sort's result is
//! fully determined by the order, so both give the same slice.

use std::collections::{BTreeMap, BTreeSet};

/// Sorts `v` stably by `key`, like `slice::sort_by_key`.
#[cfg_attr(not(target_arch = "wasm32"), allow(unused_mut))]
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    #[cfg(target_arch = "wasm32")]
    sort_by(v, |a, b| key(a) < key(b));
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_by_key(key);
}

/// Sorts `v` stably, like `slice::sort`.
pub fn sort<T: Ord>(v: &mut [T]) {
    #[cfg(target_arch = "wasm32")]
    sort_by(v, |a, b| a < b);
    #[cfg(not(target_arch = "wasm32"))]
    v.sort();
}

/// Sorts `v` stably by `less`, a strict weak order ("a goes before b").
pub fn sort_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    if v.len() < 2 {
        return;
    }
    #[cfg(target_arch = "wasm32")]
    {
        let order = {
            let v = &*v;
            compact::sorted_positions(v.len(), &mut |a, b| less(&v[a], &v[b]))
        };
        compact::permute(v, order);
    }
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_by(|a, b| {
        if less(a, b) {
            std::cmp::Ordering::Less
        } else if less(b, a) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
}

/// The compact sort, compiled for every target so native tests check it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) mod compact {
    /// Positions `0..n` in stable sorted order by `less` (bottom-up merge
    /// sort; one copy of this code whatever is being sorted).
    #[inline(never)]
    pub fn sorted_positions(n: usize, less: &mut dyn FnMut(usize, usize) -> bool) -> Vec<usize> {
        let mut a: Vec<usize> = (0..n).collect();
        let mut b: Vec<usize> = vec![0; n];
        let mut width = 1;
        while width < n {
            let mut start = 0;
            while start < n {
                let mid = (start + width).min(n);
                let end = (start + 2 * width).min(n);
                let (mut i, mut j, mut k) = (start, mid, start);
                while i < mid && j < end {
                    // Take from the right run only when it goes strictly
                    // before the left one: equal elements keep their order.
                    if less(a[j], a[i]) {
                        b[k] = a[j];
                        j += 1;
                    } else {
                        b[k] = a[i];
                        i += 1;
                    }
                    k += 1;
                }
                b[k..k + (mid - i)].copy_from_slice(&a[i..mid]);
                k += mid - i;
                b[k..k + (end - j)].copy_from_slice(&a[j..end]);
                start = end;
            }
            std::mem::swap(&mut a, &mut b);
            width *= 2;
        }
        a
    }

    /// Rearranges `v` so that the new `v[i]` is the old `v[order[i]]`
    /// (`order` a permutation of the positions), by swaps along cycles.
    pub fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
        const DONE: usize = usize::MAX;
        for start in 0..v.len() {
            let mut i = start;
            while order[i] != DONE {
                let from = order[i];
                order[i] = DONE;
                if from == start {
                    break;
                }
                v.swap(i, from);
                i = from;
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn sort_compact<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
            let order = {
                let v = &*v;
                sorted_positions(v.len(), &mut |a, b| less(&v[a], &v[b]))
            };
            permute(v, order);
        }

        #[test]
        fn matches_the_standard_stable_sort() {
            // Pairs sorted by their first half only: stability shows in the
            // second. Lengths around the merge widths, keys with many ties.
            let mut seed = 0x2545_f491_4f6c_dd1d_u64;
            for len in (0..70).chain([127, 128, 129, 255, 256, 257, 1000]) {
                for keys in [1, 3, 10, 1000] {
                    let v: Vec<(u64, usize)> = (0..len)
                        .map(|i| {
                            seed ^= seed << 13;
                            seed ^= seed >> 7;
                            seed ^= seed << 17;
                            (seed % keys, i)
                        })
                        .collect();
                    let mut expected = v.clone();
                    expected.sort_by_key(|p| p.0);
                    let mut actual = v.clone();
                    sort_compact(&mut actual, |a, b| a.0 < b.0);
                    assert_eq!(actual, expected, "len {len}, {keys} keys");
                }
            }
        }

        #[test]
        fn moves_elements_that_own_memory() {
            let mut v: Vec<String> = ["d", "b", "a", "c", "b"].map(String::from).to_vec();
            sort_compact(&mut v, |a, b| a < b);
            assert_eq!(v, ["a", "b", "b", "c", "d"]);
        }
    }
}

/// Collects pairs into a map, like `collect::<BTreeMap<_, _>>()`, whose
/// std version sorts them first (a stable sort per pair type). In wasm the
/// pairs are inserted one by one: for keys that compare equal only if they
/// are the same (ids, numbers, strings) the map is the same, the last value
/// of a repeated key winning either way.
pub fn map_from<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    #[cfg(target_arch = "wasm32")]
    {
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            map.insert(k, v);
        }
        map
    }
    #[cfg(not(target_arch = "wasm32"))]
    pairs.into_iter().collect()
}

/// Collects items into a set, like `collect::<BTreeSet<_>>()`; see
/// [`map_from`].
pub fn set_from<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    #[cfg(target_arch = "wasm32")]
    {
        let mut set = BTreeSet::new();
        for item in items {
            set.insert(item);
        }
        set
    }
    #[cfg(not(target_arch = "wasm32"))]
    items.into_iter().collect()
}

/// A map of one entry (`BTreeMap::from([(k, v)])` sorts the array).
pub fn map_of_one<K: Ord, V>(key: K, value: V) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.insert(key, value);
    map
}

/// A set of one item (`BTreeSet::from([x])` sorts the array).
pub fn set_of_one<T: Ord>(item: T) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.insert(item);
    set
}
