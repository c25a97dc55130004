//! Block partitions (spec §2): fixed blocks by index order, sorted or interleaved Lipschitz
//! constants, or variable blocks. (Forest partitions for graphs live in `gabp`.)

use crate::Real;

/// How coordinates are grouped into blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partition {
    /// Fixed contiguous blocks `{0..τ−1}, {τ..2τ−1}, …` (`Order`).
    Order,
    /// Fixed blocks after sorting the `L_i` ascending, so a block holds similar constants (`Sort`,
    /// the spec's default "FB").
    Sort,
    /// Fixed blocks after interleaving smallest and largest `L_i` (`Avg`).
    Avg,
    /// Variable blocks: any τ coordinates per iteration ("VB").
    Variable,
}

impl Partition {
    /// True for the fixed-block strategies.
    #[must_use]
    pub fn is_fixed(self) -> bool {
        !matches!(self, Partition::Variable)
    }
}

/// Number of fixed blocks of size ≤ τ covering `dim` coordinates (the last may be smaller).
#[must_use]
pub const fn block_count(dim: usize, tau: usize) -> usize {
    if tau == 0 {
        0
    } else {
        dim.div_ceil(tau)
    }
}

/// Fills `order` (length `dim`) with the coordinate order of the partition; fixed block `k` is
/// `order[kτ .. min((k+1)τ, dim)]`. `lip` holds the `L_i`. O(dim log dim).
pub fn build_order<T: Real>(partition: Partition, lip: &[T], order: &mut [usize]) {
    for (i, o) in order.iter_mut().enumerate() {
        *o = i;
    }
    let key = |i: &usize| lip.get(*i).copied().unwrap_or(T::ZERO);
    match partition {
        Partition::Order | Partition::Variable => {}
        Partition::Sort => sort_by_lipschitz(order, key),
        Partition::Avg => {
            sort_by_lipschitz(order, key);
            // idx[0], idx[n−1], idx[1], idx[n−2], … : rotate the tail into place one by one.
            let n = order.len();
            let mut pos = 1;
            while pos < n {
                if let Some(tail) = order.get_mut(pos..) {
                    tail.rotate_right(1);
                }
                pos += 2;
            }
        }
    }
}

/// Ascending by `L_i`, ties by index (so the order is fully determined).
fn sort_by_lipschitz<T: Real>(order: &mut [usize], key: impl Fn(&usize) -> T) {
    order.sort_unstable_by(|a, b| {
        key(a).partial_cmp(&key(b)).unwrap_or(core::cmp::Ordering::Equal).then(a.cmp(b))
    });
}
