//! Disjoint sets with a deterministic shape: the root of every set is its
//! smallest member, whatever the order of the unions, so groups come out the
//! same at any thread count (Tarjan 1975, with path halving).

/// Union-find over `0..n`.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> Self {
        Self { parent: (0..n as u32).collect() }
    }

    /// The smallest member of `x`'s set.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[high as usize] = low;
        }
    }

    /// Sets with more than one member, each sorted, ordered by smallest
    /// member.
    pub fn groups(&mut self) -> Vec<Vec<u32>> {
        let n = self.parent.len();
        let mut members: Vec<(u32, u32)> = (0..n as u32).map(|x| (self.find(x), x)).collect();
        members.sort_unstable();
        let mut out: Vec<Vec<u32>> = Vec::new();
        let mut i = 0;
        while i < members.len() {
            let mut j = i + 1;
            while j < members.len() && members[j].0 == members[i].0 {
                j += 1;
            }
            if j - i > 1 {
                out.push(members[i..j].iter().map(|m| m.1).collect());
            }
            i = j;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_smallest_members_whatever_the_order() {
        let edges = [(5, 3), (3, 9), (1, 7), (9, 2)];
        let mut forward = UnionFind::new(10);
        edges.iter().for_each(|&(a, b)| forward.union(a, b));
        let mut backward = UnionFind::new(10);
        edges.iter().rev().for_each(|&(a, b)| backward.union(b, a));
        assert_eq!(forward.groups(), backward.groups());
        assert_eq!(forward.groups(), vec![vec![1, 7], vec![2, 3, 5, 9]]);
        assert_eq!(forward.find(9), 2);
    }
}
