//! A map from GUIDs to small values whose entries can be fetched from memory ahead of their use. Rows name
//! their users, principals and records in no order, so the entry of a row's id is seldom in the processor's
//! cache: in a hash map, every row waits for memory. Here an entry is one slot of an open-addressing table,
//! and the caller asks for it to be fetched a few rows before it reads or updates it.

use crate::id::Guid;

#[derive(Clone, Debug, Default)]
pub struct IdMap<V> {
    /// A power of two of slots (or none), at most half of them used.
    slots: Vec<Slot<V>>,
    used: usize,
}

#[derive(Clone, Copy, Debug, Default)]
struct Slot<V> {
    used: bool,
    key: u128,
    value: V,
}

impl<V: Copy + Default> IdMap<V> {
    fn home(&self, key: Guid) -> usize {
        let bits = self.slots.len().trailing_zeros();
        let mixed = ((key.0 as u64) ^ ((key.0 >> 64) as u64).rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // (The high bits of a product depend on every bit of the key: sequential GUIDs spread too.)
        (mixed.checked_shr(64 - bits).unwrap_or(0)) as usize
    }

    /// Asks for the slot of `key` to be fetched into the cache (a hint: nothing happens elsewhere than x86-64).
    pub fn prefetch(&self, key: Guid) {
        if self.slots.is_empty() {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(slot) = self.slots.get(self.home(key)) {
            let first = (slot as *const Slot<V>).cast::<i8>();
            let last = first.wrapping_add(std::mem::size_of::<Slot<V>>() - 1);
            // SAFETY: a prefetch is a hint that never faults; the addresses are the first and the last byte of
            // a slot (which can straddle two cache lines).
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(first);
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(last);
            }
        }
    }

    /// The value of `key`, made with `new` when it has none.
    pub fn entry(&mut self, key: Guid, new: impl FnOnce() -> V) -> &mut V {
        if (self.used + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].used && self.slots[i].key != key.0 {
            i = (i + 1) & mask;
        }
        let slot = &mut self.slots[i];
        if !slot.used {
            *slot = Slot {
                used: true,
                key: key.0,
                value: new(),
            };
            self.used += 1;
        }
        &mut slot.value
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(1024);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|s| s.used) {
            let mut i = self.home(Guid(s.key));
            while self.slots[i].used {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }

    /// Every key and its value, in no order.
    pub fn into_entries(self) -> impl Iterator<Item = (Guid, V)> {
        self.slots
            .into_iter()
            .filter(|s| s.used)
            .map(|s| (Guid(s.key), s.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_a_hash_map_through_growth() {
        let mut map: IdMap<u64> = IdMap::default();
        let mut naive = std::collections::HashMap::new();
        for i in 0..50_000u128 {
            // Sequential ids, ids that differ only in their high half, and repeats.
            let key = Guid(match i % 3 {
                0 => i % 7_000,
                1 => (i % 5_000) << 64,
                _ => i.wrapping_mul(0x9E37_79B9_7F4A_7C15_u128 << 40) % 9_000,
            });
            map.prefetch(key);
            *map.entry(key, || 100) += 1;
            *naive.entry(key).or_insert(100u64) += 1;
        }
        let mut got: Vec<(Guid, u64)> = map.into_entries().collect();
        got.sort();
        let mut want: Vec<(Guid, u64)> = naive.into_iter().collect();
        want.sort();
        assert!(want.len() > 10_000);
        assert_eq!(got, want);
    }
}
