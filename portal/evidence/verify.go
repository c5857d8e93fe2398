package evidence

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/relais/relais/portal"
)

// Mismatch is why a bundle failed verification: it names the first file or
// event that does not match.
type Mismatch struct {
	File string // the file at fault ("" for the bundle as a whole)
	Seq  int64  // the event at fault (0 when not about one event)
	Line int    // its line in events.jsonl (0 when not about one line)
	Msg  string
}

func (m *Mismatch) Error() string {
	switch {
	case m.Seq > 0 && m.Line > 0:
		return fmt.Sprintf("event %d (%s line %d): %s", m.Seq, FileEvents, m.Line, m.Msg)
	case m.Line > 0:
		return fmt.Sprintf("%s line %d: %s", FileEvents, m.Line, m.Msg)
	case m.File != "":
		return fmt.Sprintf("%s: %s", m.File, m.Msg)
	}
	return m.Msg
}

func mismatch(file, format string, args ...any) *Mismatch {
	return &Mismatch{File: file, Msg: fmt.Sprintf(format, args...)}
}

// Report is the summary of an intact bundle.
type Report struct {
	ClaimID        string
	RelaisVersion  string
	Events         int64
	ErasedPayloads int64
	Head           Head
	Files          []FileEntry
	PublicKey      string // base64
	Fingerprint    string
	// SignedBy is the published key that signed the bundle (only with
	// TrustedKeys).
	SignedBy *SigningKey
	// Warnings are reasons to ask the operator about an intact bundle.
	Warnings []string
	// Checkpoint says how the bundle stands with the checkpoint of
	// AgainstCheckpoint.
	Checkpoint *CheckpointReport
}

// SigningKey is the published key that signed a bundle, with its period.
type SigningKey struct {
	Fingerprint string
	Current     bool      // the operator's current key
	From        time.Time // zero when not published
	Until       time.Time // zero for the current key
	Compromised bool
}

// VerifyOption adjusts VerifyBundle.
type VerifyOption func(*verifyOptions)

type verifyOptions struct {
	trusted    ed25519.PublicKey
	keys       *PublishedKeys
	checkpoint *Checkpoint
}

// TrustedKey makes VerifyBundle also require that the bundle was signed by
// pub (the operator's published key), not merely by the key it carries.
func TrustedKey(pub ed25519.PublicKey) VerifyOption {
	return func(o *verifyOptions) { o.trusted = pub }
}

// TrustedKeys makes VerifyBundle require that the bundle was signed by one
// of the keys the operator publishes (GET /api/v1/evidence/public-key: the
// current key and the retired ones), and report which one with its period
// in Report.SignedBy, with warnings when the bundle's own time does not
// fit that period.
func TrustedKeys(p *PublishedKeys) VerifyOption {
	return func(o *verifyOptions) { o.keys = p }
}

// Limits protect the verifier from hostile bundles.
const (
	maxManifestSize = 16 << 20
	maxLineSize     = 64 << 20
)

// VerifyBundle checks a bundle: the chain in events.jsonl (seq 1..n, each
// prev_hash, each hash, each present payload's hash), that the chain ends
// at the manifest's head, every file's SHA-256 and size against the
// manifest (and no file missing or unlisted), and the Ed25519 signature.
// The error is a *Mismatch naming the first culprit, or an error about the
// zip itself.
func VerifyBundle(r io.ReaderAt, size int64, opts ...VerifyOption) (*Report, error) {
	var o verifyOptions
	for _, f := range opts {
		f(&o)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, mismatch("", "not a readable zip file: %v", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory entry
		}
		if files[f.Name] != nil {
			return nil, mismatch(f.Name, "appears twice in the zip")
		}
		files[f.Name] = f
	}
	m, err := readManifest(files[FileManifest])
	if err != nil {
		return nil, err
	}
	listed := map[string]FileEntry{}
	for _, fe := range m.Files {
		if fe.Name == FileManifest || listed[fe.Name].Name != "" {
			return nil, mismatch(FileManifest, "lists %s twice or lists itself", fe.Name)
		}
		listed[fe.Name] = fe
		if files[fe.Name] == nil {
			return nil, mismatch(fe.Name, "is listed in the manifest but missing from the bundle")
		}
	}
	for name := range files {
		if _, ok := listed[name]; !ok && name != FileManifest {
			return nil, mismatch(name, "is in the bundle but not listed in the manifest")
		}
	}
	if _, ok := listed[FileEvents]; !ok {
		return nil, mismatch(FileEvents, "is missing from the bundle")
	}

	// 1. The chain, so that a changed, missing or moved event is named.
	rep := &Report{ClaimID: m.ClaimID, RelaisVersion: m.RelaisVersion, Files: m.Files}
	rc, err := files[FileEvents].Open()
	if err != nil {
		return nil, mismatch(FileEvents, "cannot be read: %v", err)
	}
	var last *EventLine
	// The checkpoint's event of this claim and the first event's time,
	// for AgainstCheckpoint.
	var cpSeq int64
	var cpHash, first string
	if o.checkpoint != nil {
		if l, ok := o.checkpoint.Leaf(m.ClaimID); ok {
			cpSeq = l.Seq
		}
	}
	err = ReadChain(rc, m.ClaimID, func(l *EventLine) error {
		last = l
		if l.Seq == 1 {
			first = l.At
		}
		if l.Seq == cpSeq {
			cpHash = l.Hash
		}
		rep.Events++
		if l.Payload == nil {
			rep.ErasedPayloads++
		}
		return nil
	})
	rc.Close()
	if err != nil {
		return nil, err
	}
	// 2. The chain ends where the manifest says.
	got := Head{ClaimID: m.ClaimID, Hash: portal.GenesisHash}
	if last != nil {
		got = Head{ClaimID: m.ClaimID, Seq: last.Seq, Hash: last.Hash, At: last.At}
	}
	if got.Seq < m.ChainHead.Seq {
		return nil, mismatch(FileEvents, "ends at event %d but the manifest's chain head is event %d: events %d to %d are missing (log truncated)",
			got.Seq, m.ChainHead.Seq, got.Seq+1, m.ChainHead.Seq)
	}
	if got.Seq > m.ChainHead.Seq {
		return nil, &Mismatch{File: FileEvents, Seq: m.ChainHead.Seq + 1, Line: int(m.ChainHead.Seq + 1),
			Msg: fmt.Sprintf("is after the manifest's chain head (event %d): events were added", m.ChainHead.Seq)}
	}
	if got != m.ChainHead {
		return nil, mismatch(FileManifest, "chain head (event %d, hash %s, at %s) is not the last event of %s (hash %s, at %s)",
			m.ChainHead.Seq, m.ChainHead.Hash, m.ChainHead.At, FileEvents, got.Hash, got.At)
	}
	rep.Head = got
	// 3. Every file's bytes.
	for _, fe := range m.Files {
		sum, n, err := hashZipFile(files[fe.Name])
		if err != nil {
			return nil, mismatch(fe.Name, "cannot be read: %v", err)
		}
		if n != fe.Size || sum != fe.SHA256 {
			return nil, mismatch(fe.Name, "its SHA-256 %s (%d bytes) does not match the manifest's %s (%d bytes): the file was changed", sum, n, fe.SHA256, fe.Size)
		}
	}
	// 4. The signature.
	if m.Signature.Algorithm != "Ed25519" {
		return nil, mismatch(FileManifest, "unknown signature algorithm %q", m.Signature.Algorithm)
	}
	pub, err := base64.StdEncoding.DecodeString(m.Signature.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, mismatch(FileManifest, "the public key is not a base64 Ed25519 key")
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature.Value)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, mismatch(FileManifest, "the signature is not a base64 Ed25519 signature")
	}
	msg := SignedManifest(*m)
	if m.Format == FormatV1 {
		msg = SignedMessage(m.ChainHead, m.Files)
	}
	if !ed25519.Verify(pub, msg, sig) {
		return nil, mismatch(FileManifest, "the signature does not match the chain head and file list with the public key %s", Fingerprint(pub))
	}
	// The fingerprint text is what a reader compares with the operator's
	// published one: it must be the key's, or it misleads (verify.html
	// gives the same verdict).
	if m.Signature.Fingerprint != Fingerprint(pub) {
		return nil, mismatch(FileManifest, "the manifest names the key %q, but the key that signed it is %s", m.Signature.Fingerprint, Fingerprint(pub))
	}
	if o.trusted != nil && !bytes.Equal(o.trusted, pub) {
		return nil, mismatch(FileManifest, "signed with key %s, not the trusted key %s", Fingerprint(pub), Fingerprint(o.trusted))
	}
	rep.PublicKey, rep.Fingerprint = m.Signature.PublicKey, Fingerprint(pub)
	if o.keys != nil {
		if rep.SignedBy, err = publishedSigner(o.keys, m.Signature.PublicKey); err != nil {
			return nil, err
		}
		rep.Warnings = periodWarnings(rep.SignedBy, m.ChainHead)
	}
	// 5. The checkpoint someone kept, once the bundle is known intact.
	if o.checkpoint != nil {
		if rep.Checkpoint, err = checkCheckpoint(&o, m, pub, rep.Events, cpHash, first); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// publishedSigner finds the key pub (base64) among the published keys.
func publishedSigner(p *PublishedKeys, pub string) (*SigningKey, error) {
	if p.PublicKey == pub {
		k := &SigningKey{Fingerprint: p.Fingerprint, Current: true}
		if p.From != nil {
			k.From = *p.From
		}
		return k, nil
	}
	for _, r := range p.History {
		if r.PublicKey == pub {
			return &SigningKey{Fingerprint: r.Fingerprint, From: r.From, Until: r.Until, Compromised: r.Compromised}, nil
		}
	}
	k, _ := base64.StdEncoding.DecodeString(pub)
	if p.PublicKey == "" {
		return nil, mismatch(FileManifest, "signed with key %s, which is none of the %d retired keys of the history", Fingerprint(k), len(p.History))
	}
	return nil, mismatch(FileManifest, "signed with key %s, which is neither the published key %s nor one of the %d retired keys of its history",
		Fingerprint(k), p.Fingerprint, len(p.History))
}

// periodWarnings compares the bundle's time with the period of its key. A
// bundle carries no signing time (the same claim state gives the same
// bytes); its chain head's time is the earliest it can have been signed.
// A head after the key's retirement means the retired key signed later. A
// head before the key's start is normal: a bundle of an older claim made
// after the rotation.
func periodWarnings(k *SigningKey, head Head) []string {
	var w []string
	at, err := time.Parse(portal.EventTimeLayout, head.At)
	if !k.Current && err == nil && at.After(k.Until) {
		w = append(w, fmt.Sprintf("the bundle's last event (%s) is after key %s was retired (%s): the retired key signed it later, "+
			"from an instance not yet restarted after the rotation or from a copy of the retired key; ask the operator why",
			head.At, k.Fingerprint, formatKeyTime(k.Until)))
	}
	if k.Compromised {
		w = append(w, fmt.Sprintf("key %s was retired on %s as compromised: someone else may hold it, so this signature alone does not show "+
			"that the operator made the bundle; compare it with a copy obtained before that date", k.Fingerprint, formatKeyTime(k.Until)))
	}
	return w
}

func readManifest(f *zip.File) (*Manifest, error) {
	if f == nil {
		return nil, mismatch(FileManifest, "is missing from the bundle")
	}
	rc, err := f.Open()
	if err != nil {
		return nil, mismatch(FileManifest, "cannot be read: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxManifestSize+1))
	if err != nil {
		return nil, mismatch(FileManifest, "cannot be read: %v", err)
	}
	if len(b) > maxManifestSize {
		return nil, mismatch(FileManifest, "is too large")
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, mismatch(FileManifest, "is not a valid manifest: %v", err)
	}
	if m.Format != Format && m.Format != FormatV1 {
		return nil, mismatch(FileManifest, "format %q is not %q", m.Format, Format)
	}
	if m.ChainHead.ClaimID != m.ClaimID {
		return nil, mismatch(FileManifest, "the chain head is for claim %q, not %q", m.ChainHead.ClaimID, m.ClaimID)
	}
	return &m, nil
}

func hashZipFile(f *zip.File) (string, int64, error) {
	rc, err := f.Open()
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// ReadChain reads events.jsonl from r and checks it as a chain of claimID:
// seq 1, 2, 3... without gaps or repeats, each prev_hash the previous hash
// (the genesis hash first), each hash recomputed, each present payload's
// SHA-256. fn sees every line once checked. It returns a *Mismatch naming
// the first bad line.
func ReadChain(r io.Reader, claimID string, fn func(*EventLine) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	prev, lineNo := portal.GenesisHash, 0
	var expect int64 = 1
	for {
		raw, err := readLine(br)
		if err == io.EOF {
			return nil
		}
		lineNo++
		if err != nil {
			return &Mismatch{File: FileEvents, Line: lineNo, Msg: err.Error()}
		}
		var l EventLine
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil || dec.More() {
			return &Mismatch{File: FileEvents, Line: lineNo, Msg: "is not a valid event (broken JSON)"}
		}
		bad := func(format string, args ...any) error {
			return &Mismatch{File: FileEvents, Seq: l.Seq, Line: lineNo, Msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case l.Seq < expect:
			return bad("comes after event %d: events are duplicated or out of order", expect-1)
		case l.Seq > expect:
			return &Mismatch{File: FileEvents, Seq: expect, Line: lineNo,
				Msg: fmt.Sprintf("is missing or out of order: line %d holds event %d instead", lineNo, l.Seq)}
		case l.ClaimID != claimID:
			return bad("belongs to claim %q, not %q", l.ClaimID, claimID)
		case l.PrevHash != prev:
			return bad("prev_hash %s is not the previous event's hash %s", l.PrevHash, prev)
		case l.ComputeHash() != l.Hash:
			return bad("its hash does not match its content: the event was changed")
		case l.Payload != nil && portal.SHA256Hex([]byte(*l.Payload)) != l.PayloadHash:
			return bad("its payload does not match payload_hash: the payload was changed")
		}
		if err := fn(&l); err != nil {
			return err
		}
		prev, expect = l.Hash, expect+1
	}
}

// readLine returns the next line without its "\n"; io.EOF at the end. A
// last line without "\n" is refused: events.jsonl always ends with one, so
// a missing one means the file was cut.
func readLine(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		part, err := br.ReadSlice('\n')
		out = append(out, part...)
		if len(out) > maxLineSize {
			return nil, errors.New("is too long")
		}
		switch {
		case err == nil:
			return out[:len(out)-1], nil
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(out) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return nil, errors.New("is cut short (no end of line): the file was truncated")
		default:
			return nil, err
		}
	}
}
