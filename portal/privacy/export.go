package privacy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

// ExportFormat names the layout of a debtor export.
const ExportFormat = "relais-debtor-export/1"

// MaxExportClaims bounds how many claims one export may hold: a query that
// matches more is too broad to be one person's.
const MaxExportClaims = 500

// Ways a claim can match a DebtorQuery, listed in ExportClaim.MatchedBy.
const (
	MatchClaimID        = "claim_id"
	MatchEmail          = "email"
	MatchCustomerNumber = "customer_number"
)

// Matching explains MatchedBy in every export.
const Matching = "A claim is included when it is the claim named (claim_id), when its debtor has the e-mail address " +
	"named or that of the named claim's debtor (email, compared without case), or when its debtor has the customer " +
	"number named, or the named claim's customer number with the same creditor (customer_number). Check that every " +
	"claim is this person's before handing the export out."

// Export is everything held on one debtor in one tenant.
type Export struct {
	Format      string             `json:"format"`
	GeneratedAt time.Time          `json:"generated_at"`
	Tenant      ExportTenant       `json:"tenant"`
	Query       portal.DebtorQuery `json:"query"`
	Matching    string             `json:"matching"`
	Claims      []*ExportClaim     `json:"claims"`
}

// ExportTenant names who holds the data.
type ExportTenant struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ExportClaim is one claim of the debtor with everything attached to it.
// Documents (dispute files, letters, signed agreements) are files of the
// zip, listed in Files.
type ExportClaim struct {
	MatchedBy      []string                   `json:"matched_by"`
	Claim          *portal.Claim              `json:"claim"`
	Disputes       []*portal.Dispute          `json:"disputes"`
	Messages       []*negotiation.Message     `json:"messages"`
	Offers         []*negotiation.OfferRecord `json:"offers"`
	Agreements     []*negotiation.Agreement   `json:"agreements"`
	Instalments    []*portal.Instalment       `json:"instalments"`
	Reminders      []*portal.ReminderSend     `json:"reminders"`
	Letters        []*portal.Letter           `json:"letters"`
	Links          []*portal.PortalLink       `json:"portal_links"`
	StatementLines []*portal.StatementLine    `json:"statement_lines"`
	OptOuts        []*portal.ContactOptOut    `json:"opt_outs"`
	Events         []ExportEvent              `json:"events"`
	Files          []*ExportFile              `json:"files"`
}

// ExportEvent is an evidence event with its payload as JSON (null once
// erased), its actor with IP and user agent, and its hashes.
type ExportEvent struct {
	Seq         int64           `json:"seq"`
	At          time.Time       `json:"at"`
	Kind        string          `json:"kind"`
	Actor       portal.Actor    `json:"actor"`
	Payload     json.RawMessage `json:"payload"`
	PayloadHash string          `json:"payload_hash"`
	Hash        string          `json:"hash"`
}

// EventOf returns the export form of an evidence event.
func EventOf(e *portal.Event) ExportEvent {
	out := ExportEvent{Seq: e.Seq, At: e.At.UTC(), Kind: string(e.Kind), Actor: e.Actor, PayloadHash: e.PayloadHash, Hash: e.Hash}
	out.Payload = json.RawMessage("null")
	if e.Payload != "" && json.Valid([]byte(e.Payload)) {
		out.Payload = json.RawMessage(e.Payload)
	}
	return out
}

// ExportFile is a document of the export: Path inside the zip, and how to
// read it (the content is read only while the zip is written).
type ExportFile struct {
	Path   string `json:"path"`
	Kind   string `json:"kind"` // dispute_file, letter, agreement
	ID     string `json:"id"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`

	Open func() (io.ReadCloser, error) `json:"-"`
}

// WriteDebtorExport implements portal.PrivacyService: a zip with
// export.json (everything, machine-readable), the documents under files/
// and README.txt.
func (s *Service) WriteDebtorExport(ctx context.Context, tenantID string, q portal.DebtorQuery, w io.Writer) error {
	q.Normalize()
	if err := q.Validate(); err != nil {
		return err
	}
	ex, err := s.Store.DebtorExport(ctx, tenantID, q)
	if err != nil {
		return err
	}
	clock := s.Clock
	if clock == nil {
		clock = portal.SystemClock{}
	}
	ex.Format, ex.GeneratedAt, ex.Query, ex.Matching = ExportFormat, clock.Now().UTC().Truncate(time.Second), q, Matching
	files := 0
	for _, c := range ex.Claims {
		files += len(c.Files)
	}
	s.log().InfoContext(ctx, "debtor export", "tenant", tenantID, "claims", len(ex.Claims), "files", files)
	return WriteExportZip(w, ex)
}

// WriteExportZip writes ex as a zip.
func WriteExportZip(w io.Writer, ex *Export) error {
	zw := zip.NewWriter(w)
	mod := ex.GeneratedAt
	create := func(name string) (io.Writer, error) {
		return zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod})
	}
	f, err := create("README.txt")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, exportReadme(ex)); err != nil {
		return err
	}
	f, err = create("export.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ex); err != nil {
		return fmt.Errorf("encode export: %w", err)
	}
	for _, c := range ex.Claims {
		for _, file := range c.Files {
			if err := copyFile(create, file); err != nil {
				return err
			}
		}
	}
	return zw.Close()
}

func copyFile(create func(string) (io.Writer, error), file *ExportFile) error {
	rc, err := file.Open()
	if err != nil {
		return fmt.Errorf("open %s: %w", file.Path, err)
	}
	defer rc.Close()
	out, err := create(file.Path)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, rc)
	return err
}

// exportReadme says what the zip holds, in the four languages of the
// portal: the creditor hands it to the debtor as it is.
func exportReadme(ex *Export) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s: %s\n%s\n\n", ExportFormat, ex.Tenant.Name, ex.GeneratedAt.Format(time.RFC3339), strings.Repeat("=", 40))
	for _, para := range []string{
		"FR - Ce fichier contient toutes les données personnelles que nous détenons à votre sujet dans nos dossiers de " +
			"recouvrement (RGPD, article 15) : export.json (dossiers, factures, paiements, messages, contestations, offres, " +
			"échéanciers, relances, courriers, journal des événements avec adresses IP) et les documents dans files/.",
		"NL - Dit bestand bevat alle persoonsgegevens die wij over u bewaren in onze invorderingsdossiers (AVG, artikel 15): " +
			"export.json (dossiers, facturen, betalingen, berichten, betwistingen, voorstellen, afbetalingsplannen, " +
			"herinneringen, brieven, gebeurtenissenlogboek met IP-adressen) en de documenten in files/.",
		"EN - This file holds all the personal data we keep about you in our debt recovery files (GDPR, article 15): " +
			"export.json (claims, invoices, payments, messages, disputes, offers, payment plans, reminders, letters, the " +
			"event log with IP addresses) and the documents in files/.",
		"DE - Diese Datei enthält alle personenbezogenen Daten, die wir in unseren Inkassoakten über Sie speichern " +
			"(DSGVO, Artikel 15): export.json (Forderungen, Rechnungen, Zahlungen, Nachrichten, Einwände, Angebote, " +
			"Ratenpläne, Mahnungen, Briefe, Ereignisprotokoll mit IP-Adressen) und die Dokumente in files/.",
	} {
		b.WriteString(para + "\n\n")
	}
	fmt.Fprintf(&b, "claims: %d\n", len(ex.Claims))
	return b.String()
}
