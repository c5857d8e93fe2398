package evidence

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/relais/relais/portal"
)

// Checkpoints (issue 26.6) anchor the chain heads outside the database. A
// bundle's signature shows that the instance signed a chain, not that the
// chain is the one it held before: whoever can rewrite the database can
// recompute a chain and have the instance sign it. A checkpoint is a
// signed list of every chain head of a tenant at one moment, with the
// RFC 6962 Merkle root of that list, sent to the creditor and kept in a
// file outside the database: a later rewrite of any listed event then
// contradicts a checkpoint someone else holds (VerifyBundle with
// AgainstCheckpoint, `relais verify --checkpoint`).

// CheckpointFormat names the checkpoint layout; CheckpointPurpose is part
// of the signed message, so that a checkpoint's signature cannot be passed
// off as a bundle's and the other way round.
const (
	CheckpointFormat  = "relais-checkpoint/1"
	CheckpointPurpose = "relais.evidence.checkpoint.v1"
)

// Checkpoint is a checkpoint file: either complete (Leaves: every chain
// head of the tenant) or an excerpt for one claim (Inclusion: its leaf
// and audit path), both with the same signed tree head.
type Checkpoint struct {
	Format   string `json:"format"`
	TenantID string `json:"tenant_id"`
	// At is when the heads were read, in portal.EventTimeLayout.
	At       string `json:"at"`
	TreeSize int64  `json:"tree_size"`
	// Root is the Merkle root of the leaves (lower-case hex).
	Root   string           `json:"root"`
	Leaves []CheckpointLeaf `json:"leaves,omitempty"`
	// Inclusion is set in an excerpt instead of Leaves.
	Inclusion  *Inclusion           `json:"inclusion,omitempty"`
	Algorithms CheckpointAlgorithms `json:"algorithms"`
	Signature  Signature            `json:"signature"`
}

// CheckpointLeaf is one claim's chain head.
type CheckpointLeaf struct {
	ClaimID   string `json:"claim_id"`
	Reference string `json:"reference"`
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
}

// Inclusion is one leaf with its place in the tree and its audit path
// (RFC 6962 PATH, leaf to root, lower-case hex).
type Inclusion struct {
	Index     int64          `json:"index"`
	Leaf      CheckpointLeaf `json:"leaf"`
	AuditPath []string       `json:"audit_path"`
}

// CheckpointAlgorithms describe in words how a checkpoint is checked.
type CheckpointAlgorithms struct {
	Leaf         string `json:"leaf"`
	Tree         string `json:"tree"`
	SignedFields string `json:"signed_message"`
	Signature    string `json:"signature"`
}

var checkpointAlgorithms = CheckpointAlgorithms{
	Leaf: "Each leaf is the canonical JSON of {claim_id, hash, reference, seq} (as for event hashes): the last event of " +
		"one claim's chain (seq, hash) when the checkpoint was made. Leaves are sorted by claim_id, each claim once.",
	Tree: "root is the Merkle Tree Hash of RFC 6962 section 2.1 over the leaves in order: leaf hash = SHA-256(0x00 || leaf), " +
		"node = SHA-256(0x01 || left || right), split at the largest power of two below the size; SHA-256 of nothing for " +
		"no leaf. An excerpt holds one leaf, its index and its audit path (RFC 6962 section 2.1.1) instead of the leaves.",
	SignedFields: "The canonical JSON of {at, format, public_key_fingerprint, purpose, root, tenant_id, tree_size} " +
		"with purpose = \"" + CheckpointPurpose + "\": the tree head, which the leaves are checked against through root.",
	Signature: "Ed25519 (RFC 8032) over the signed message's UTF-8 bytes, with the public key given here; the same key " +
		"that signs the evidence bundles.",
}

// checkpointHead is the signed message.
type checkpointHead struct {
	Purpose     string `json:"purpose"`
	Format      string `json:"format"`
	TenantID    string `json:"tenant_id"`
	At          string `json:"at"`
	TreeSize    int64  `json:"tree_size"`
	Root        string `json:"root"`
	Fingerprint string `json:"public_key_fingerprint"`
}

// SignedCheckpoint returns the bytes a checkpoint's signature covers.
func SignedCheckpoint(cp *Checkpoint) []byte {
	b, err := portal.CanonicalJSON(checkpointHead{Purpose: CheckpointPurpose, Format: cp.Format, TenantID: cp.TenantID,
		At: cp.At, TreeSize: cp.TreeSize, Root: cp.Root, Fingerprint: cp.Signature.Fingerprint})
	if err != nil {
		panic(err) // strings and an integer always encode
	}
	return b
}

// leafHash is the Merkle leaf hash of l.
func (l CheckpointLeaf) leafHash() Hash {
	b, err := portal.CanonicalJSON(l)
	if err != nil {
		panic(err)
	}
	return MerkleLeafHash(b)
}

// NewCheckpoint signs the chain heads of a tenant read at at.
func NewCheckpoint(tenantID string, at time.Time, heads []portal.ChainHead, s *Signer) (*Checkpoint, error) {
	leaves := make([]CheckpointLeaf, len(heads))
	for i, h := range heads {
		leaves[i] = CheckpointLeaf{ClaimID: h.ClaimID, Reference: h.Reference, Seq: h.Seq, Hash: h.Hash}
	}
	sort.Slice(leaves, func(i, j int) bool { return leaves[i].ClaimID < leaves[j].ClaimID })
	for i := range leaves {
		if err := leaves[i].check(); err != nil {
			return nil, fmt.Errorf("checkpoint of tenant %s: %w", tenantID, err)
		}
		if i > 0 && leaves[i].ClaimID == leaves[i-1].ClaimID {
			return nil, fmt.Errorf("checkpoint of tenant %s: claim %s has two heads", tenantID, leaves[i].ClaimID)
		}
	}
	cp := &Checkpoint{Format: CheckpointFormat, TenantID: tenantID, At: portal.NormalizeEventTime(at).Format(portal.EventTimeLayout),
		TreeSize: int64(len(leaves)), Leaves: leaves, Algorithms: checkpointAlgorithms,
		Signature: Signature{Algorithm: "Ed25519", PublicKey: s.PublicKeyBase64(), Fingerprint: s.Fingerprint()}}
	root := MerkleRoot(leafHashes(leaves))
	cp.Root = hex.EncodeToString(root[:])
	cp.Signature.Value = base64.StdEncoding.EncodeToString(s.Sign(SignedCheckpoint(cp)))
	return cp, nil
}

func leafHashes(leaves []CheckpointLeaf) []Hash {
	out := make([]Hash, len(leaves))
	for i, l := range leaves {
		out[i] = l.leafHash()
	}
	return out
}

func (l CheckpointLeaf) check() error {
	if l.ClaimID == "" || l.Seq < 1 {
		return fmt.Errorf("the leaf %q (seq %d) names no claim or no event", l.ClaimID, l.Seq)
	}
	if b, err := hex.DecodeString(l.Hash); err != nil || len(b) != 32 || hex.EncodeToString(b) != l.Hash {
		return fmt.Errorf("the leaf of claim %s has hash %q, not 64 lower-case hex digits", l.ClaimID, l.Hash)
	}
	return nil
}

// Time is when the checkpoint was made (zero when At is not a time).
func (cp *Checkpoint) Time() time.Time {
	t, _ := time.Parse(portal.EventTimeLayout, cp.At)
	return t
}

// Date is At for people: UTC, to the second.
func (cp *Checkpoint) Date() string {
	if t := cp.Time(); !t.IsZero() {
		return t.UTC().Format(time.RFC3339)
	}
	return cp.At
}

// Marshal is the checkpoint file's bytes: indented JSON and a newline.
func (cp *Checkpoint) Marshal() []byte {
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// Leaf returns the leaf of a claim: from the leaves, or the excerpt's.
func (cp *Checkpoint) Leaf(claimID string) (CheckpointLeaf, bool) {
	if cp.Inclusion != nil {
		return cp.Inclusion.Leaf, cp.Inclusion.Leaf.ClaimID == claimID
	}
	i := sort.Search(len(cp.Leaves), func(i int) bool { return cp.Leaves[i].ClaimID >= claimID })
	if i < len(cp.Leaves) && cp.Leaves[i].ClaimID == claimID {
		return cp.Leaves[i], true
	}
	return CheckpointLeaf{}, false
}

// Excerpt returns the checkpoint for one claim: the same signed tree
// head, the claim's leaf and its audit path, without the other claims
// (which a creditor may not hand to a court or a debtor).
func (cp *Checkpoint) Excerpt(claimID string) (*Checkpoint, error) {
	if cp.Inclusion != nil {
		if cp.Inclusion.Leaf.ClaimID != claimID {
			return nil, fmt.Errorf("the checkpoint is an excerpt for claim %s, not %s", cp.Inclusion.Leaf.ClaimID, claimID)
		}
		return cp, nil
	}
	i := sort.Search(len(cp.Leaves), func(i int) bool { return cp.Leaves[i].ClaimID >= claimID })
	if i == len(cp.Leaves) || cp.Leaves[i].ClaimID != claimID {
		return nil, fmt.Errorf("the checkpoint of %s does not name claim %s", cp.Date(), claimID)
	}
	path := AuditPath(leafHashes(cp.Leaves), i)
	ex := *cp
	ex.Leaves = nil
	ex.Inclusion = &Inclusion{Index: int64(i), Leaf: cp.Leaves[i], AuditPath: make([]string, len(path))}
	for j, h := range path {
		ex.Inclusion.AuditPath[j] = hex.EncodeToString(h[:])
	}
	return &ex, nil
}

// maxCheckpointSize bounds a checkpoint file read by a verifier.
const maxCheckpointSize = 256 << 20

// ParseCheckpoint reads a checkpoint file strictly (no unknown field) and
// checks it with Verify.
func ParseCheckpoint(b []byte) (*Checkpoint, ed25519.PublicKey, error) {
	if len(b) > maxCheckpointSize {
		return nil, nil, errors.New("is too large")
	}
	var cp Checkpoint
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cp); err != nil {
		return nil, nil, fmt.Errorf("is not a checkpoint file: %v", err)
	}
	pub, err := cp.Verify()
	if err != nil {
		return nil, nil, err
	}
	return &cp, pub, nil
}

// Verify checks a checkpoint on its own: the format, the leaves (sorted,
// each claim once, as many as tree_size) or the excerpt's audit path, that
// they give the root, and the Ed25519 signature over the tree head with
// the key it carries, whose fingerprint it must name. It returns that key:
// whose key it is, the caller decides (the bundle's, the published ones).
func (cp *Checkpoint) Verify() (ed25519.PublicKey, error) {
	if cp.Format != CheckpointFormat {
		return nil, fmt.Errorf("format %q is not %q", cp.Format, CheckpointFormat)
	}
	if cp.Time().IsZero() {
		return nil, fmt.Errorf("at %q is not a time", cp.At)
	}
	var root Hash
	switch {
	case cp.Inclusion != nil && cp.Leaves != nil:
		return nil, errors.New("holds both leaves and an excerpt's inclusion proof")
	case cp.Inclusion != nil:
		in := cp.Inclusion
		if err := in.Leaf.check(); err != nil {
			return nil, err
		}
		path := make([]Hash, len(in.AuditPath))
		for i, s := range in.AuditPath {
			b, err := hex.DecodeString(s)
			if err != nil || len(b) != len(Hash{}) {
				return nil, fmt.Errorf("audit path entry %d is not a SHA-256 in hex", i+1)
			}
			copy(path[i][:], b)
		}
		var err error
		if root, err = RootFromInclusion(in.Index, cp.TreeSize, in.Leaf.leafHash(), path); err != nil {
			return nil, fmt.Errorf("the inclusion proof of claim %s: %v", in.Leaf.ClaimID, err)
		}
	default:
		if int64(len(cp.Leaves)) != cp.TreeSize {
			return nil, fmt.Errorf("tree_size is %d but the checkpoint lists %d leaves", cp.TreeSize, len(cp.Leaves))
		}
		for i, l := range cp.Leaves {
			if err := l.check(); err != nil {
				return nil, err
			}
			if i > 0 && l.ClaimID <= cp.Leaves[i-1].ClaimID {
				return nil, fmt.Errorf("leaf %d (claim %s) is not after claim %s: leaves must be sorted, each claim once", i+1, l.ClaimID, cp.Leaves[i-1].ClaimID)
			}
		}
		root = MerkleRoot(leafHashes(cp.Leaves))
	}
	if hex.EncodeToString(root[:]) != cp.Root {
		return nil, fmt.Errorf("the leaves give the Merkle root %x, not the signed root %s: the checkpoint was changed", root, cp.Root)
	}
	if cp.Signature.Algorithm != "Ed25519" {
		return nil, fmt.Errorf("unknown signature algorithm %q", cp.Signature.Algorithm)
	}
	pub, err := base64.StdEncoding.DecodeString(cp.Signature.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("the public key is not a base64 Ed25519 key")
	}
	sig, err := base64.StdEncoding.DecodeString(cp.Signature.Value)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, errors.New("the signature is not a base64 Ed25519 signature")
	}
	if !ed25519.Verify(pub, SignedCheckpoint(cp), sig) {
		return nil, fmt.Errorf("the signature does not match the tree head with the public key %s: the checkpoint was changed", Fingerprint(pub))
	}
	if cp.Signature.Fingerprint != Fingerprint(pub) {
		return nil, fmt.Errorf("the checkpoint names the key %q, but the key that signed it is %s", cp.Signature.Fingerprint, Fingerprint(pub))
	}
	return pub, nil
}

// CheckpointError is why a bundle does not stand with a checkpoint. A
// Contradiction means both are genuine (each signature holds) and they
// disagree about the claim's chain: the chain was rewritten after the
// checkpoint, or the checkpoint is not of this instance's chains.
type CheckpointError struct {
	Date          string // the checkpoint's time, for people
	Contradiction bool
	Msg           string
}

func (e *CheckpointError) Error() string {
	if e.Contradiction {
		return "contradicts checkpoint of " + e.Date + ": " + e.Msg
	}
	return "checkpoint of " + e.Date + ": " + e.Msg
}

// CheckpointReport says how a bundle stands with a checkpoint.
type CheckpointReport struct {
	Date     string
	TenantID string
	TreeSize int64
	Leaf     CheckpointLeaf
	// Later is how many events the bundle holds after the checkpoint's
	// head of the claim.
	Later       int64
	Fingerprint string
	// Excerpt is set when the checkpoint was an excerpt (its audit path
	// checked against the root).
	Excerpt bool
	// SignedBy is the published key that signed it (with TrustedKeys).
	SignedBy *SigningKey
}

// AgainstCheckpoint makes VerifyBundle also check the bundle against a
// checkpoint someone kept: the checkpoint (see Checkpoint.Verify) must be
// signed by the bundle's key (or, with TrustedKey or TrustedKeys, by that
// key or one of the published ones), name the bundle's claim, and the
// bundle's chain must hold at the checkpoint's seq exactly the
// checkpoint's hash. Events after it are fine; a shorter chain or another
// hash contradicts the checkpoint (a *CheckpointError).
func AgainstCheckpoint(cp *Checkpoint) VerifyOption {
	return func(o *verifyOptions) { o.checkpoint = cp }
}

// checkCheckpoint runs after the bundle itself verified. hashAt is the
// bundle's hash of event leaf.Seq ("" when the chain is shorter), first
// the time of its first event.
func checkCheckpoint(o *verifyOptions, m *Manifest, bundleKey ed25519.PublicKey, events int64, hashAt, first string) (*CheckpointReport, error) {
	cp := o.checkpoint
	fail := func(contradiction bool, format string, args ...any) error {
		return &CheckpointError{Date: cp.Date(), Contradiction: contradiction, Msg: fmt.Sprintf(format, args...)}
	}
	pub, err := cp.Verify()
	if err != nil {
		return nil, fail(false, "refused: %v", err)
	}
	rep := &CheckpointReport{Date: cp.Date(), TenantID: cp.TenantID, TreeSize: cp.TreeSize, Fingerprint: Fingerprint(pub), Excerpt: cp.Inclusion != nil}
	switch {
	case o.trusted != nil:
		if !bytes.Equal(o.trusted, pub) {
			return nil, fail(false, "signed with key %s, not the trusted key %s", Fingerprint(pub), Fingerprint(o.trusted))
		}
	case o.keys != nil:
		k, err := publishedSigner(o.keys, cp.Signature.PublicKey)
		if err != nil {
			msg := err.Error()
			var mm *Mismatch
			if errors.As(err, &mm) {
				msg = mm.Msg
			}
			return nil, fail(false, "%s", msg)
		}
		rep.SignedBy = k
	default:
		if !bytes.Equal(bundleKey, pub) {
			return nil, fail(false, "signed with key %s, not the bundle's key %s; if the operator rotated its key in between, pass --key-history with its published keys",
				Fingerprint(pub), Fingerprint(bundleKey))
		}
	}
	leaf, ok := cp.Leaf(m.ClaimID)
	if !ok {
		if cp.Inclusion != nil {
			return nil, fail(false, "is an excerpt for claim %s, not claim %s", cp.Inclusion.Leaf.ClaimID, m.ClaimID)
		}
		if t, err := time.Parse(portal.EventTimeLayout, first); err == nil && !t.After(cp.Time()) {
			return nil, fail(true, "the checkpoint does not list claim %s, whose chain the bundle starts at %s, before the checkpoint", m.ClaimID, first)
		}
		return nil, fail(false, "does not name claim %s (the claim's chain starts at %s, after the checkpoint): check it against a later checkpoint", m.ClaimID, first)
	}
	rep.Leaf = leaf
	if events < leaf.Seq {
		return nil, fail(true, "the checkpoint holds event %d of claim %s (hash %s), but the bundle's chain ends at event %d: events were removed",
			leaf.Seq, m.ClaimID, leaf.Hash, events)
	}
	if hashAt != leaf.Hash {
		return nil, fail(true, "event %d of claim %s has hash %s in the bundle, but the checkpoint holds %s: the chain was rewritten at or before event %d after the checkpoint",
			leaf.Seq, m.ClaimID, hashAt, leaf.Hash, leaf.Seq)
	}
	rep.Later = events - leaf.Seq
	return rep, nil
}
