package evidence_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/relais/relais/portal/evidence"
)

// The RFC 6962 reference data of Certificate Transparency (the leaves and
// tree heads of transparency-dev/merkle's testonly package): a tree no
// other implementation agrees with would prove nothing to anyone.
var (
	ctLeaves = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	ctRoots  = []string{
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	ctInclusion = []struct {
		index int
		path  []string
	}{
		{0, []string{"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{5, []string{"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	}
)

func ctLeafHashes(t *testing.T) []evidence.Hash {
	t.Helper()
	out := make([]evidence.Hash, len(ctLeaves))
	for i, s := range ctLeaves {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = evidence.MerkleLeafHash(b)
	}
	return out
}

func hexOf(h evidence.Hash) string { return hex.EncodeToString(h[:]) }

func TestMerkleRFC6962(t *testing.T) {
	leaves := ctLeafHashes(t)
	t.Run("Roots", func(t *testing.T) {
		for n := 0; n <= len(leaves); n++ {
			if got := hexOf(evidence.MerkleRoot(leaves[:n])); got != ctRoots[n] {
				t.Errorf("size %d: root %s, RFC 6962 reference %s", n, got, ctRoots[n])
			}
		}
	})
	t.Run("InclusionVectors", func(t *testing.T) {
		root := evidence.MerkleRoot(leaves)
		for _, v := range ctInclusion {
			path := evidence.AuditPath(leaves, v.index)
			if len(path) != len(v.path) {
				t.Fatalf("leaf %d: path of %d, reference %d", v.index, len(path), len(v.path))
			}
			for i := range path {
				if hexOf(path[i]) != v.path[i] {
					t.Errorf("leaf %d path[%d] = %s, reference %s", v.index, i, hexOf(path[i]), v.path[i])
				}
			}
			got, err := evidence.RootFromInclusion(int64(v.index), 8, leaves[v.index], path)
			if err != nil || got != root {
				t.Errorf("leaf %d: proof gives %s, %v; root %s", v.index, hexOf(got), err, hexOf(root))
			}
		}
	})
	// Every shape of the recursion, against an independent computation:
	// the tree built bottom-up level by level, an odd node carried up.
	t.Run("EveryLeafEverySize", func(t *testing.T) {
		var many []evidence.Hash
		for i := 0; i < 37; i++ {
			many = append(many, evidence.MerkleLeafHash([]byte{byte(i), byte(i * 7)}))
		}
		for n := 1; n <= len(many); n++ {
			tree := many[:n]
			root := evidence.MerkleRoot(tree)
			if want := bottomUpRoot(tree); root != want {
				t.Fatalf("size %d: recursive root %s, bottom-up %s", n, hexOf(root), hexOf(want))
			}
			for i := 0; i < n; i++ {
				path := evidence.AuditPath(tree, i)
				if got, err := evidence.RootFromInclusion(int64(i), int64(n), tree[i], path); err != nil || got != root {
					t.Fatalf("size %d leaf %d: %v", n, i, err)
				}
				if n > 1 {
					if got, err := evidence.RootFromInclusion(int64((i+1)%n), int64(n), tree[i], path); err == nil && got == root {
						t.Fatalf("size %d leaf %d: the proof holds at another index", n, i)
					}
					bad := append([]evidence.Hash(nil), path...)
					bad[0][0] ^= 1
					if got, err := evidence.RootFromInclusion(int64(i), int64(n), tree[i], bad); err == nil && got == root {
						t.Fatalf("size %d leaf %d: a changed path still holds", n, i)
					}
				}
				if _, err := evidence.RootFromInclusion(int64(i), int64(n), tree[i], append(path, root)); err == nil {
					t.Fatalf("size %d leaf %d: a path too long accepted", n, i)
				}
			}
		}
	})
	t.Run("ErrOutside", func(t *testing.T) {
		if _, err := evidence.RootFromInclusion(8, 8, leaves[0], nil); err == nil {
			t.Fatal("index 8 of a tree of 8 accepted")
		}
	})
}

// bottomUpRoot hashes pairs level by level, carrying an odd last node up
// unchanged: the same tree as RFC 6962's split, computed another way.
func bottomUpRoot(level []evidence.Hash) evidence.Hash {
	for len(level) > 1 {
		var next []evidence.Hash
		for i := 0; i+1 < len(level); i += 2 {
			b := append([]byte{0x01}, level[i][:]...)
			next = append(next, sha256.Sum256(append(b, level[i+1][:]...)))
		}
		if len(level)%2 == 1 {
			next = append(next, level[len(level)-1])
		}
		level = next
	}
	return level[0]
}
