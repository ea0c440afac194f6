//! Exact similarity of shingle sets, used to verify LSH candidates.
//!
//! Sets are sorted vectors of shingle hashes. The intersection is a merge,
//! or a galloping search when one set is much smaller than the other.
//! *Containment* here is the overlap coefficient |A ∩ B| / min(|A|, |B|): the
//! share of the shorter text found in the longer one, which is what flags an
//! agency story wrapped in an outlet's own lead and ending.

/// Jaccard similarity and containment of two sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overlap {
    /// |A ∩ B|.
    pub intersection: usize,
    /// |A ∩ B| / |A ∪ B|.
    pub jaccard: f64,
    /// |A ∩ B| / min(|A|, |B|).
    pub containment: f64,
}

/// Size of the intersection of two sorted, duplicate-free slices.
pub fn intersection_size<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.is_empty() {
        return 0;
    }
    if large.len() / small.len() >= 16 {
        // Galloping: binary-search each element of the small set in the
        // remaining part of the large one.
        let mut rest = large;
        let mut n = 0;
        for x in small {
            match rest.binary_search(x) {
                Ok(i) => {
                    n += 1;
                    rest = &rest[i + 1..];
                }
                Err(i) => rest = &rest[i..],
            }
        }
        return n;
    }
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < small.len() && j < large.len() {
        match small[i].cmp(&large[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Exact overlap of two sorted, duplicate-free sets. Empty sets overlap
/// nothing.
pub fn overlap<T: Ord>(a: &[T], b: &[T]) -> Overlap {
    let intersection = intersection_size(a, b);
    let union = a.len() + b.len() - intersection;
    let smaller = a.len().min(b.len());
    Overlap {
        intersection,
        jaccard: if union == 0 { 0.0 } else { intersection as f64 / union as f64 },
        containment: if smaller == 0 { 0.0 } else { intersection as f64 / smaller as f64 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        let o = overlap(&[1, 2, 3, 4], &[3, 4, 5]);
        assert_eq!(o.intersection, 2);
        assert!((o.jaccard - 0.4).abs() < 1e-12);
        assert!((o.containment - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(overlap::<u64>(&[], &[]).jaccard, 0.0);
        assert_eq!(overlap::<u64>(&[1], &[]).containment, 0.0);
    }

    proptest! {
        #[test]
        fn intersection_matches_a_set_computation(
            a in proptest::collection::btree_set(0u64..500, 0..200),
            b in proptest::collection::btree_set(0u64..500, 0..5),
        ) {
            let (a, b): (Vec<u64>, Vec<u64>) = (a.into_iter().collect(), b.into_iter().collect());
            let truth = a.iter().filter(|x| b.contains(x)).count();
            prop_assert_eq!(intersection_size(&a, &b), truth);
            prop_assert_eq!(intersection_size(&b, &a), truth);
            let o = overlap(&a, &b);
            prop_assert!((0.0..=1.0).contains(&o.jaccard));
            prop_assert!((0.0..=1.0).contains(&o.containment));
            prop_assert!(o.jaccard <= o.containment + 1e-12);
        }
    }
}
