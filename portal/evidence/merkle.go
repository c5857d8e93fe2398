package evidence

import (
	"crypto/sha256"
	"errors"
	"math/bits"
)

// The Merkle tree of a checkpoint is RFC 6962's (section 2.1), the tree
// Certificate Transparency logs publish, so that any of its
// implementations computes the same root:
//
//	MTH({})       = SHA-256()
//	MTH({d0})     = SHA-256(0x00 || d0)
//	MTH(D[0:n])   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
//
// with k the largest power of two smaller than n.

// Hash is one node of the tree.
type Hash [sha256.Size]byte

// MerkleLeafHash is the hash of a leaf's bytes: SHA-256(0x00 || b).
func MerkleLeafHash(b []byte) Hash {
	h := sha256.New()
	h.Write([]byte{0x00})
	h.Write(b)
	var out Hash
	h.Sum(out[:0])
	return out
}

// merkleNode is the hash of an inner node: SHA-256(0x01 || l || r).
func merkleNode(l, r Hash) Hash {
	h := sha256.New()
	h.Write([]byte{0x01})
	h.Write(l[:])
	h.Write(r[:])
	var out Hash
	h.Sum(out[:0])
	return out
}

// split is the largest power of two smaller than n (n > 1).
func split(n int) int { return 1 << (bits.Len(uint(n-1)) - 1) }

// MerkleRoot is the root of the tree whose leaf hashes are leaves, in
// order.
func MerkleRoot(leaves []Hash) Hash {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leaves[0]
	}
	k := split(len(leaves))
	return merkleNode(MerkleRoot(leaves[:k]), MerkleRoot(leaves[k:]))
}

// AuditPath is the inclusion proof of leaf m (RFC 6962 section 2.1.1,
// PATH(m, D[n])): the sibling hashes from the leaf up to the root.
func AuditPath(leaves []Hash, m int) []Hash {
	if len(leaves) <= 1 || m < 0 || m >= len(leaves) {
		return nil
	}
	k := split(len(leaves))
	if m < k {
		return append(AuditPath(leaves[:k], m), MerkleRoot(leaves[k:]))
	}
	return append(AuditPath(leaves[k:], m-k), MerkleRoot(leaves[:k]))
}

// RootFromInclusion computes the root that the audit path of the leaf at
// index in a tree of size leaves leads to (RFC 9162 section 2.1.3.2); the
// proof holds when it is the signed root. A path of the wrong length for
// index and size is an error.
func RootFromInclusion(index, size int64, leaf Hash, path []Hash) (Hash, error) {
	if index < 0 || index >= size {
		return Hash{}, errors.New("the leaf index is not inside the tree")
	}
	fn, sn, r := index, size-1, leaf
	for _, p := range path {
		if sn == 0 {
			return Hash{}, errors.New("the audit path is too long for the tree")
		}
		if fn&1 == 1 || fn == sn {
			r = merkleNode(p, r)
			for fn&1 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			r = merkleNode(r, p)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 {
		return Hash{}, errors.New("the audit path is too short for the tree")
	}
	return r, nil
}
