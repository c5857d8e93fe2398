package evidence_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// dirAttachments serves the files of a directory as a claim's attachments.
type dirAttachments struct{ dir string }

func (d dirAttachments) Attachments(ctx context.Context, tenantID, claimID string) ([]portal.Attachment, error) {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, err
	}
	var out []portal.Attachment
	for _, e := range entries {
		path := filepath.Join(d.dir, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		out = append(out, portal.Attachment{Name: "uploads/" + e.Name(), SHA256: portal.SHA256Hex(b),
			Open: func() (io.ReadCloser, error) { return os.Open(path) }})
	}
	return out, nil
}

// fixture is a claim with a varied chain on a real database.
type fixture struct {
	db       *store.DB
	clock    *portal.FixedClock
	tenantID string
	claim    *portal.Claim
	builder  *evidence.Builder
	signer   *evidence.Signer
}

// trickyUA holds every character class the canonical JSON escapes.
const trickyUA = "Mozilla/5.0 \"quoted\" back\\slash <b>&amp; tab\there\nnew\u2028line\u2029 ctl\x01\x1f\x7f é 😀 €"

func newFixture(t testing.TB, dialect string, jurisdiction portal.Jurisdiction, extra int) *fixture {
	t.Helper()
	clock := &portal.FixedClock{T: time.Date(2024, 6, 3, 9, 30, 0, 123456000, time.UTC)}
	db := storetest.MustOpen(t, dialect, clock)
	ctx := context.Background()
	tn := &portal.Tenant{Name: "Cabinet Démo"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateCreditor(ctx, &portal.Creditor{TenantID: tn.ID, LegalName: "Boulangerie Martin SAS", Country: "FR", Address: "12 rue des Lilas, 75011 Paris"}); err != nil {
		t.Fatal(err)
	}
	c := &portal.Claim{
		Reference: "R-2024-001", Currency: "EUR", Jurisdiction: jurisdiction,
		Debtor: &portal.Debtor{Kind: portal.DebtorBusiness, Name: "Dupont & Fils SARL", Language: "fr", Postcode: "75011", Address: "3 place de l'Église"},
		Invoices: []*portal.Invoice{
			{Number: "F-1", IssueDate: portal.MustDate("2024-01-01"), DueDate: portal.MustDate("2024-01-31"), Amount: 125000},
		},
	}
	if err := db.CreateClaim(ctx, tn.ID, c); err != nil {
		t.Fatal(err)
	}
	debtor := portal.WithActor(ctx, portal.Actor{Kind: portal.ActorDebtor, ID: "sess-1", IP: "203.0.113.7", UserAgent: trickyUA})
	step := func(actx context.Context, kind portal.EventKind, payload any) {
		t.Helper()
		clock.Advance(37 * time.Minute)
		if _, err := db.AppendEvent(actx, tn.ID, c.ID, kind, payload); err != nil {
			t.Fatal(err)
		}
	}
	step(ctx, portal.EventLinkIssued, map[string]any{"channel": "email"})
	step(debtor, portal.EventLinkOpened, nil)
	step(debtor, portal.EventMessageSent, map[string]any{"text": "Bonjour, j'ai déjà payé la moitié — voici la preuve. « Merci »"})
	step(debtor, portal.EventFileUploaded, map[string]any{"name": "preuve.pdf", "sha256": portal.SHA256Hex([]byte("%PDF-1.4 preuve"))})
	step(ctx, portal.EventOfferMade, map[string]any{"amount": 100000, "instalments": 3})
	step(debtor, portal.EventOfferAccepted, map[string]any{"amount": 100000})
	step(ctx, portal.EventStageChanged, map[string]any{"from": "amicable", "to": "formal_notice", "reason": "pas de paiement"})
	step(debtor, portal.EventMessageSent, map[string]any{"text": "Données personnelles à effacer"})
	for i := 0; i < extra; i++ {
		step(ctx, portal.EventNoteWritten, map[string]any{"i": i, "text": "note"})
	}
	clock.Advance(time.Hour)
	if err := db.AddPayment(ctx, tn.ID, &portal.Payment{ClaimID: c.ID, Amount: 50000, ReceivedOn: portal.DateOf(clock.T), Method: portal.PaymentTransfer, Reference: "VIR-1"}); err != nil {
		t.Fatal(err)
	}
	head, _ := db.LastEvent(ctx, tn.ID, c.ID)
	_ = head
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "preuve.pdf"), []byte("%PDF-1.4 preuve"), 0o600)
	os.WriteFile(filepath.Join(dir, "contrat signé.txt"), []byte("contrat"), 0o600)
	signer, err := evidence.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	b := &evidence.Builder{Source: db, Attachments: []portal.AttachmentSource{dirAttachments{dir}}, Signer: signer, Version: "test-1", PageSize: 4}
	return &fixture{db: db, clock: clock, tenantID: tn.ID, claim: c, builder: b, signer: signer}
}

// eraseOnePayload erases the payload of event 9 as the erasure path does
// it: the claim is marked erased first (the database refuses it
// otherwise), then the payload. The claim then refuses changes.
func (f *fixture) eraseOnePayload(t testing.TB) {
	t.Helper()
	mark, erase := "UPDATE claims SET personal_data_erased_at = ? WHERE id = ?", "UPDATE events SET payload = NULL WHERE claim_id = ? AND seq = 9"
	if f.db.Dialect == store.Postgres {
		mark, erase = "UPDATE claims SET personal_data_erased_at = $1 WHERE id = $2", "UPDATE events SET payload = NULL WHERE claim_id = $1 AND seq = 9"
	}
	if _, err := f.db.SQL().Exec(mark, time.Now().UTC(), f.claim.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SQL().Exec(erase, f.claim.ID); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) bundle(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.builder.WriteBundle(context.Background(), f.tenantID, f.claim.ID, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func verify(b []byte, opts ...evidence.VerifyOption) (*evidence.Report, error) {
	return evidence.VerifyBundle(bytes.NewReader(b), int64(len(b)), opts...)
}

// entries reads a zip into ordered names and contents.
func entries(t testing.TB, b []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		names = append(names, f.Name)
		files[f.Name] = data
	}
	return names, files
}

func rezip(t testing.TB, names []string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBundle(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			f := newFixture(t, d, portal.JurisdictionBE, 5)
			f.eraseOnePayload(t)
			b := f.bundle(t)

			t.Run("Intact", func(t *testing.T) {
				rep, err := verify(b, evidence.TrustedKey(f.signer.PublicKey()))
				if err != nil {
					t.Fatal(err)
				}
				if rep.Events != 15 || rep.Head.Seq != 15 || rep.ErasedPayloads != 1 || rep.ClaimID != f.claim.ID || rep.Fingerprint != f.signer.Fingerprint() {
					t.Fatalf("report: %+v", rep)
				}
				names, files := entries(t, b)
				want := []string{"README.txt", "attachments/uploads/contrat signé.txt", "attachments/uploads/preuve.pdf", "dossier.pdf", "events.jsonl", "manifest.json", "verify.html"}
				if strings.Join(names, "|") != strings.Join(want, "|") {
					t.Fatalf("entries %q", names)
				}
				if !bytes.HasPrefix(files["dossier.pdf"], []byte("%PDF-")) || !strings.Contains(string(files["README.txt"]), "BEWIJSDOSSIER") ||
					!strings.Contains(string(files["README.txt"]), "DOSSIER DE PREUVE") {
					t.Fatal("dossier or README content")
				}
				lines := strings.Split(strings.TrimSuffix(string(files["events.jsonl"]), "\n"), "\n")
				if len(lines) != 15 || !strings.Contains(lines[0], `"seq":1,`) || !strings.Contains(lines[8], `"payload":null`) {
					t.Fatalf("events.jsonl: %d lines, first %s", len(lines), lines[0])
				}
				var m evidence.Manifest
				if err := json.Unmarshal(files["manifest.json"], &m); err != nil || m.RelaisVersion != "test-1" || m.ChainHead.Seq != 15 || len(m.Files) != 6 {
					t.Fatalf("manifest: %v %+v", err, m)
				}
			})
			t.Run("FrenchReadme", func(t *testing.T) {
				g := newFixture(t, d, portal.JurisdictionFR, 0)
				_, files := entries(t, g.bundle(t))
				if s := string(files["README.txt"]); !strings.Contains(s, "DOSSIER DE PREUVE") || strings.Contains(s, "BEWIJSDOSSIER") {
					t.Fatalf("FR readme: %s", s)
				}
			})
			t.Run("Deterministic", func(t *testing.T) {
				f.clock.Advance(24 * time.Hour) // the wall clock must not matter
				if again := f.bundle(t); !bytes.Equal(again, b) {
					t.Fatal("two bundles of the same claim state differ")
				}
			})
			t.Run("NotFound", func(t *testing.T) {
				err := f.builder.WriteBundle(context.Background(), "other-tenant", f.claim.ID, io.Discard)
				if portal.ErrorCode(err) != portal.ENOTFOUND {
					t.Fatalf("other tenant: %v", err)
				}
			})
			t.Run("Tamper", func(t *testing.T) { testTamper(t, f, b) })
		})
	}
}

func testTamper(t *testing.T, f *fixture, b []byte) {
	names, files := entries(t, b)
	lines := strings.SplitAfter(string(files["events.jsonl"]), "\n")
	lines = lines[:len(lines)-1] // the empty string after the last "\n"
	withEvents := func(ls []string) []byte {
		c := map[string][]byte{}
		for k, v := range files {
			c[k] = v
		}
		c["events.jsonl"] = []byte(strings.Join(ls, ""))
		return rezip(t, names, c)
	}
	expect := func(t *testing.T, b []byte, want ...string) {
		t.Helper()
		_, err := verify(b)
		var mm *evidence.Mismatch
		if !errors.As(err, &mm) {
			t.Fatalf("want a mismatch, got %v", err)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("error %q does not name %q", err, w)
			}
		}
	}
	for _, name := range names {
		t.Run("Byte/"+name, func(t *testing.T) {
			c := map[string][]byte{}
			for k, v := range files {
				c[k] = v
			}
			mod := append([]byte(nil), files[name]...)
			mod[len(mod)/2] ^= 0x01
			c[name] = mod
			want := name
			if name == "events.jsonl" {
				want = "event "
			} else if name == "manifest.json" {
				want = ""
			}
			expect(t, rezip(t, names, c), want)
		})
	}
	t.Run("Drop", func(t *testing.T) {
		ls := append(append([]string{}, lines[:6]...), lines[7:]...)
		expect(t, withEvents(ls), "event 7 ", "missing")
	})
	t.Run("Reorder", func(t *testing.T) {
		ls := append([]string{}, lines...)
		ls[4], ls[5] = ls[5], ls[4]
		expect(t, withEvents(ls), "event 5 ", "out of order")
	})
	t.Run("Duplicate", func(t *testing.T) {
		ls := append(append(append([]string{}, lines[:5]...), lines[4]), lines[5:]...)
		expect(t, withEvents(ls), "event 5 ", "duplicated")
	})
	t.Run("Truncate", func(t *testing.T) {
		expect(t, withEvents(lines[:12]), "events.jsonl", "ends at event 12", "truncated")
	})
	t.Run("TruncateMidLine", func(t *testing.T) {
		all := strings.Join(lines, "")
		c := map[string][]byte{}
		for k, v := range files {
			c[k] = v
		}
		c["events.jsonl"] = []byte(all[:len(all)-40])
		expect(t, rezip(t, names, c), "line 15", "truncated")
	})
	t.Run("ForgedPayload", func(t *testing.T) {
		ls := append([]string{}, lines...)
		forged := strings.Replace(ls[3], "moitié", "totalité", 1)
		if forged == ls[3] {
			t.Fatal("the message is not on line 4")
		}
		ls[3] = forged
		expect(t, withEvents(ls), "event 4 ", "payload")
	})
	t.Run("RemovedFile", func(t *testing.T) {
		var ns []string
		for _, n := range names {
			if n != "dossier.pdf" {
				ns = append(ns, n)
			}
		}
		expect(t, rezip(t, ns, files), "dossier.pdf", "missing")
	})
	t.Run("AddedFile", func(t *testing.T) {
		c := map[string][]byte{"attachments/extra.pdf": []byte("x")}
		for k, v := range files {
			c[k] = v
		}
		expect(t, rezip(t, append([]string{"attachments/extra.pdf"}, names...), c), "attachments/extra.pdf", "not listed")
	})
	other, _ := evidence.GenerateSigner()
	var m evidence.Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	withManifest := func(m evidence.Manifest) []byte {
		c := map[string][]byte{}
		for k, v := range files {
			c[k] = v
		}
		c["manifest.json"], _ = json.MarshalIndent(m, "", "  ")
		return rezip(t, names, c)
	}
	t.Run("OtherKeySignature", func(t *testing.T) {
		mm := m
		mm.Signature.Value = base64.StdEncoding.EncodeToString(other.Sign(evidence.SignedManifest(mm)))
		expect(t, withManifest(mm), "manifest.json", "signature does not match")
	})
	t.Run("OtherKeyResigned", func(t *testing.T) {
		mm := m
		mm.Signature.PublicKey, mm.Signature.Fingerprint = other.PublicKeyBase64(), other.Fingerprint()
		mm.Signature.Value = base64.StdEncoding.EncodeToString(other.Sign(evidence.SignedManifest(mm)))
		forged := withManifest(mm)
		// Self-consistent, so it passes alone, but it shows another key...
		rep, err := verify(forged)
		if err != nil || rep.Fingerprint == f.signer.Fingerprint() {
			t.Fatalf("resigned: %v %+v", err, rep)
		}
		// ...and fails against the operator's published key.
		_, err = verify(forged, evidence.TrustedKey(f.signer.PublicKey()))
		if err == nil || !strings.Contains(err.Error(), "not the trusted key") {
			t.Fatalf("trusted key: %v", err)
		}
	})
	t.Run("OtherKeyResignedOperatorFingerprint", func(t *testing.T) {
		// Re-signed with another key but the operator's fingerprint text
		// kept: a reader comparing the text would be misled, so it fails.
		mm := m
		mm.Signature.PublicKey = other.PublicKeyBase64()
		mm.Signature.Value = base64.StdEncoding.EncodeToString(other.Sign(evidence.SignedManifest(mm)))
		expect(t, withManifest(mm), "manifest.json", "names the key")
	})
	t.Run("ManifestTextChanged", func(t *testing.T) {
		// The signature covers the whole manifest (format 2): the Relais
		// version or the algorithms' text cannot change unnoticed.
		mm := m
		mm.RelaisVersion = "9.9.9"
		expect(t, withManifest(mm), "manifest.json", "signature does not match")
		mm = m
		mm.Algorithms.Chain = "anything goes"
		expect(t, withManifest(mm), "manifest.json", "signature does not match")
	})
	t.Run("FormatV1StillVerifies", func(t *testing.T) {
		mm := m
		mm.Format = evidence.FormatV1
		mm.Signature.Value = base64.StdEncoding.EncodeToString(f.signer.Sign(evidence.SignedMessage(m.ChainHead, m.Files)))
		if _, err := verify(withManifest(mm), evidence.TrustedKey(f.signer.PublicKey())); err != nil {
			t.Fatalf("a version 1 bundle: %v", err)
		}
	})
	t.Run("ForgedHeadResigned", func(t *testing.T) {
		// Rewriting the chain and re-signing needs the private key: with
		// only the public key, the old signature no longer matches.
		mm := m
		mm.ChainHead.At = "2030-01-01T00:00:00.000000Z"
		expect(t, withManifest(mm), "manifest.json")
	})
	_ = ed25519.PublicKeySize
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "signing.key")
	s1, created, err := evidence.LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatal(err, created)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", err, st.Mode())
	}
	s2, created, err := evidence.LoadOrCreateKey(path)
	if err != nil || created || !bytes.Equal(s1.PublicKey(), s2.PublicKey()) {
		t.Fatalf("reload: %v %v", err, created)
	}
	os.WriteFile(path, []byte("not a key"), 0o600)
	if _, _, err := evidence.LoadOrCreateKey(path); err == nil {
		t.Fatal("garbage key accepted")
	}
}

// A bundle is named after its claim's reference, folded to a name safe in
// a header and on any file system (issue 24.18).
func TestBundleFileName(t *testing.T) {
	for _, tt := range []struct{ ref, want string }{
		{"R-2024-001", "evidence-R-2024-001.zip"},
		{"DOS 2024/0042", "evidence-DOS-2024-0042.zip"},
		{"Été-№5 \"x\";\r\nSet-Cookie: a=b", "evidence-Ete-5-x-Set-Cookie-a-b.zip"},
		{"../../etc/passwd", "evidence-etc-passwd.zip"},
		{"سارة", "evidence-01hzepy9hvy5vc8q8kprm559cj.zip"},
		{"", "evidence-01hzepy9hvy5vc8q8kprm559cj.zip"},
	} {
		if got := evidence.BundleFileName(tt.ref, "01hzepy9hvy5vc8q8kprm559cj"); got != tt.want {
			t.Errorf("BundleFileName(%q) = %q, want %q", tt.ref, got, tt.want)
		}
	}
}
