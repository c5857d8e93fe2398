package evidence

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/rules"
)

// Source is what a bundle reads: the claim and its event chain.
type Source interface {
	// FindClaim returns the claim with its parties, invoices and payments.
	// ENOTFOUND when it is not the tenant's.
	FindClaim(ctx context.Context, tenantID, id string) (*portal.Claim, error)
	// ListEvents pages through the chain in seq order.
	ListEvents(ctx context.Context, tenantID, claimID string, after int64, limit int) ([]*portal.Event, error)
	// LastEvent returns the chain head (nil for a claim without events).
	LastEvent(ctx context.Context, tenantID, claimID string) (*portal.Event, error)
}

// Builder makes bundles. Its zero value is not usable: set Source and
// Signer. A Source that also implements DisputeSource and UserDirectory
// (store.DB does) gives the dossier each dispute's own text and files and
// the agents' names.
type Builder struct {
	Source      Source
	Attachments []portal.AttachmentSource
	Signer      *Signer
	// KeyHistory is published with the key (nil: no retired keys known).
	KeyHistory *KeyHistory
	// Rates computes the amounts shown in the dossier (nil: rules.Default()).
	Rates *rules.Rates
	// Version is the Relais version written in the manifest.
	Version string
	// PageSize is how many events are read at a time (default 500).
	PageSize int
}

//go:embed verify.html
var verifyHTML []byte

// VerifyHTML returns the offline checker page written into every bundle.
func VerifyHTML() []byte { return verifyHTML }

// WriteBundle writes the claim's evidence bundle to w. The bundle is
// deterministic: the same claim state gives the same bytes (entries sorted
// by name, every time set to the last event's time, deterministic Deflate,
// PDF dated by the last event, Ed25519's deterministic signature).
//
// Memory: events are read PageSize at a time and written straight into the
// zip, never all held at once. The dossier PDF is rendered in memory (the
// PDF library keeps its pages until output): its size grows with the
// rendered text, roughly a few hundred bytes per event, not with the
// events themselves; the lists on its cover (stages, offers, payments...)
// keep at most maxSectionItems entries each.
func (b *Builder) WriteBundle(ctx context.Context, tenantID, claimID string, w io.Writer) error {
	_, err := b.writeBundle(ctx, tenantID, claimID, w)
	return err
}

// BundleManifest returns the manifest of the bundle WriteBundle would write
// now, without keeping the bundle: the court documents (portal/court) list
// each file with the SHA-256 the bundle's manifest gives it, so that the
// court file and a bundle made at the same chain head prove each other.
// It reads every file as WriteBundle does (so a file that no longer matches
// its recorded hash is refused the same way).
func (b *Builder) BundleManifest(ctx context.Context, tenantID, claimID string) (Manifest, error) {
	return b.writeBundle(ctx, tenantID, claimID, io.Discard)
}

func (b *Builder) writeBundle(ctx context.Context, tenantID, claimID string, w io.Writer) (Manifest, error) {
	claim, err := b.Source.FindClaim(ctx, tenantID, claimID)
	if err != nil {
		return Manifest{}, err
	}
	headEv, err := b.Source.LastEvent(ctx, tenantID, claim.ID)
	if err != nil {
		return Manifest{}, err
	}
	head := Head{ClaimID: claim.ID, Hash: portal.GenesisHash}
	modified := claim.CreatedAt.UTC()
	if headEv != nil {
		h := headEv.Header()
		head = Head{ClaimID: claim.ID, Seq: headEv.Seq, Hash: headEv.Hash, At: h.At}
		modified = headEv.At.UTC()
	}
	// Every pass reads up to the head fixed here, so that events appended
	// meanwhile do not enter one part of the bundle and not another.
	events := &chainReader{src: b.Source, tenantID: tenantID, claimID: claim.ID, upto: head.Seq, page: b.PageSize}
	var atts []portal.Attachment
	for _, s := range b.Attachments {
		list, err := s.Attachments(ctx, tenantID, claim.ID)
		if err != nil {
			return Manifest{}, fmt.Errorf("list attachments: %w", err)
		}
		atts = append(atts, list...)
	}
	sort.Slice(atts, func(i, j int) bool { return atts[i].Name < atts[j].Name })
	for i, a := range atts {
		if !validAttachmentName(a.Name) {
			return Manifest{}, fmt.Errorf("attachment name %q is not a safe relative path", a.Name)
		}
		if i > 0 && atts[i-1].Name == a.Name {
			return Manifest{}, fmt.Errorf("attachment %q is listed twice", a.Name)
		}
	}
	rates := b.Rates
	if rates == nil {
		if rates, err = rules.Default(); err != nil {
			return Manifest{}, err
		}
	}

	zw := &bundleZip{zw: zip.NewWriter(w), modified: modified}
	// Entries in name order: README.txt, attachments/..., dossier.pdf,
	// events.jsonl, manifest.json, verify.html.
	if err := zw.add(FileReadme, strings.NewReader(readme(claim, head, b.Signer.Fingerprint()))); err != nil {
		return Manifest{}, err
	}
	for _, a := range atts {
		if err := zw.addAttachment(a); err != nil {
			return Manifest{}, err
		}
	}
	pdf, err := b.dossier(ctx, claim, head, atts, events, rates, modified)
	if err != nil {
		return Manifest{}, fmt.Errorf("dossier: %w", err)
	}
	if err := zw.add(FileDossier, bytes.NewReader(pdf)); err != nil {
		return Manifest{}, err
	}
	pdf = nil
	if err := zw.addFunc(FileEvents, func(out io.Writer) error {
		bw := bufio.NewWriterSize(out, 64<<10)
		err := events.each(ctx, func(e *portal.Event) error {
			line, err := portal.CanonicalJSON(LineOf(e))
			if err != nil {
				return err
			}
			bw.Write(line)
			return bw.WriteByte('\n')
		})
		if err != nil {
			return err
		}
		return bw.Flush()
	}); err != nil {
		return Manifest{}, err
	}
	files := append(zw.files, FileEntry{Name: FileVerify, SHA256: portal.SHA256Hex(verifyHTML), Size: int64(len(verifyHTML))})
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	m := Manifest{
		Format: Format, RelaisVersion: b.Version, ClaimID: claim.ID, ChainHead: head, Files: files,
		Signature:  Signature{Algorithm: "Ed25519", PublicKey: b.Signer.PublicKeyBase64(), Fingerprint: b.Signer.Fingerprint()},
		Algorithms: algorithms,
	}
	m.Signature.Value = base64.StdEncoding.EncodeToString(b.Signer.Sign(SignedManifest(m)))
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, err
	}
	if err := zw.addRaw(FileManifest, bytes.NewReader(append(mb, '\n'))); err != nil {
		return Manifest{}, err
	}
	if err := zw.add(FileVerify, bytes.NewReader(verifyHTML)); err != nil {
		return Manifest{}, err
	}
	return m, zw.zw.Close()
}

// BundleFileName is the name a claim's bundle is downloaded under, after
// the claim's reference: "evidence-DOS-2024-0042.zip". The reference is
// folded to ASCII letters, digits, dots, dashes and underscores (accents
// dropped, anything else a dash), so that the name is safe in a
// Content-Disposition header and on every file system; the claim's id
// stands in for a reference with nothing left.
func BundleFileName(reference, claimID string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(reference) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-'):
			b.WriteRune(r)
			dash = r == '-'
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 80 {
			break
		}
	}
	name := strings.Trim(b.String(), "-.")
	if name == "" {
		name = claimID
	}
	return "evidence-" + name + ".zip"
}

func validAttachmentName(n string) bool {
	if n == "" || strings.HasPrefix(n, "/") || strings.Contains(n, "\\") || strings.HasSuffix(n, "/") {
		return false
	}
	for _, part := range strings.Split(n, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

// chainReader pages through a claim's events up to a fixed head.
type chainReader struct {
	src               Source
	tenantID, claimID string
	upto              int64
	page              int
}

func (r *chainReader) each(ctx context.Context, fn func(*portal.Event) error) error {
	page := r.page
	if page <= 0 {
		page = 500
	}
	var after int64
	for after < r.upto {
		evs, err := r.src.ListEvents(ctx, r.tenantID, r.claimID, after, page)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return fmt.Errorf("the event chain ends at %d before its head %d", after, r.upto)
		}
		for _, e := range evs {
			if e.Seq > r.upto {
				return nil
			}
			if e.Seq != after+1 {
				return fmt.Errorf("the event chain jumps from %d to %d", after, e.Seq)
			}
			if err := fn(e); err != nil {
				return err
			}
			after = e.Seq
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// bundleZip writes deterministic entries and records each file's hash.
type bundleZip struct {
	zw       *zip.Writer
	modified time.Time
	files    []FileEntry
}

func (z *bundleZip) create(name string) (io.Writer, error) {
	return z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: z.modified})
}

// addFunc writes an entry produced by fn and records it in the manifest.
func (z *bundleZip) addFunc(name string, fn func(io.Writer) error) error {
	zf, err := z.create(name)
	if err != nil {
		return err
	}
	h := &countingHash{Hash: sha256.New()}
	if err := fn(io.MultiWriter(zf, h)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	z.files = append(z.files, FileEntry{Name: name, SHA256: hex.EncodeToString(h.Sum(nil)), Size: h.n})
	return nil
}

func (z *bundleZip) add(name string, r io.Reader) error {
	return z.addFunc(name, func(w io.Writer) error { _, err := io.Copy(w, r); return err })
}

// addRaw writes an entry that the manifest does not list (the manifest).
func (z *bundleZip) addRaw(name string, r io.Reader) error {
	zf, err := z.create(name)
	if err != nil {
		return err
	}
	_, err = io.Copy(zf, r)
	return err
}

func (z *bundleZip) addAttachment(a portal.Attachment) error {
	rc, err := a.Open()
	if err != nil {
		return fmt.Errorf("open attachment %s: %w", a.Name, err)
	}
	defer rc.Close()
	name := DirAttach + a.Name
	if err := z.add(name, rc); err != nil {
		return err
	}
	if got := z.files[len(z.files)-1].SHA256; a.SHA256 != "" && got != strings.ToLower(a.SHA256) {
		return portal.Errorf(portal.ECONFLICT, "The file %s no longer matches the SHA-256 recorded when it was received (%s, now %s): the bundle was not made.", a.Name, a.SHA256, got)
	}
	return nil
}

type countingHash struct {
	hash.Hash
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.Hash.Write(p)
}

// PublishedKeys returns the current key with the retired ones, for GET
// /api/v1/evidence/public-key.
func (b *Builder) PublishedKeys() PublishedKeys { return Published(b.Signer, b.KeyHistory) }
