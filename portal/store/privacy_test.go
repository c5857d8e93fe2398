package store_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/evidence"
	"github.com/relais/relais/portal/privacy"
	"github.com/relais/relais/portal/privacy/privacytest"
	"github.com/relais/relais/portal/rules"
	"github.com/relais/relais/portal/store"
	"github.com/relais/relais/portal/store/storetest"
)

// eachWithClock runs fn on both databases, each with a fresh database on a
// clock the test moves (2024-06-30 10:00 UTC at the start).
func eachWithClock(t *testing.T, fn func(t *testing.T, db *store.DB, clock *portal.FixedClock)) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			clock := &portal.FixedClock{T: time.Date(2024, 6, 30, 10, 0, 0, 0, time.UTC)}
			fn(t, storetest.MustOpen(t, dialect, clock), clock)
		})
	}
}

// tablesWithTenant are every table that holds tenant data.
var tablesWithTenant = []string{"users", "api_keys", "creditors", "debtors", "claims", "invoices", "payments", "credit_notes",
	"events", "portal_links", "portal_sessions", "disputes", "dispute_files", "negotiation_policies", "conversations", "messages",
	"offers", "agreements", "instalments", "console_sessions", "checkout_sessions", "provider_payments", "stripe_events",
	"stripe_customers", "payment_references", "instalment_charges", "statements", "statement_lines", "reminder_sequences",
	"reminder_steps", "claim_sequences", "reminder_sends", "contact_opt_outs", "unsubscribe_tokens", "letters", "portal_codes", "account_log", "prepared_replies", "surveys", "conversation_reads", "response_breaches",
	"claim_summaries"}

// dump renders every row of every tenant table (of one tenant, or all with
// tenantID ""), blobs as text, one line per row: what a test searches for
// personal data or compares before and after.
func dump(t *testing.T, db *store.DB, tenantID string) string {
	t.Helper()
	var b strings.Builder
	for _, table := range append([]string{"tenants"}, tablesWithTenant...) {
		q, args := "SELECT * FROM "+table, []any{}
		if tenantID != "" {
			col := "tenant_id"
			if table == "tenants" {
				col = "id"
			}
			q, args = q+" WHERE "+col+" = $1", append(args, tenantID)
			if db.Dialect == store.SQLite {
				q = strings.Replace(q, "$1", "?", 1)
			}
		}
		rows, err := db.SQL().Query(q+" ORDER BY 1, 2", args...)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			b.WriteString(table)
			for i, v := range vals {
				if raw, ok := v.([]byte); ok {
					v = string(raw)
				}
				if tm, ok := v.(time.Time); ok {
					v = tm.UTC().Format(time.RFC3339Nano)
				}
				fmt.Fprintf(&b, " %s=%v", cols[i], v)
			}
			b.WriteString("\n")
		}
		rows.Close()
	}
	return b.String()
}

// linesWith returns the dump lines that contain s (case-insensitive).
func linesWith(dump, s string) []string {
	var out []string
	for _, l := range strings.Split(dump, "\n") {
		if strings.Contains(strings.ToLower(l), strings.ToLower(s)) {
			out = append(out, l)
		}
	}
	return out
}

func newPrivacy(db *store.DB, clock portal.Clock) *privacy.Service {
	return &privacy.Service{Store: db, Clock: clock}
}

func bundle(t *testing.T, db *store.DB, signer *evidence.Signer, tenantID, claimID string) []byte {
	t.Helper()
	rates, _ := rules.Default()
	b := &evidence.Builder{Source: db, Signer: signer, Version: "test", Rates: rates,
		Attachments: []portal.AttachmentSource{db, &store.LetterStore{DB: db, Rates: rates}, store.ReminderContent{DB: db}}}
	var buf bytes.Buffer
	if err := b.WriteBundle(context.Background(), tenantID, claimID, &buf); err != nil {
		t.Fatalf("bundle: %v", err)
	}
	return buf.Bytes()
}

// bundleEvents reads events.jsonl of a bundle.
func bundleEvents(t *testing.T, zipped []byte) []evidence.EventLine {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	var out []evidence.EventLine
	for _, f := range zr.File {
		if f.Name != evidence.FileEvents {
			continue
		}
		rc, _ := f.Open()
		defer rc.Close()
		dec := json.NewDecoder(rc)
		for dec.More() {
			var l evidence.EventLine
			if err := dec.Decode(&l); err != nil {
				t.Fatal(err)
			}
			out = append(out, l)
		}
	}
	return out
}

// unzipAll concatenates the uncompressed entries of a zip.
func unzipAll(t *testing.T, zipped []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		out = append(out, b...)
	}
	return out
}

// keptValues are what an erasure must leave alone on a claim.
func keptValues(t *testing.T, db *store.DB, tenantID, claimID string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT reference, currency, jurisdiction, stage, status, created_at FROM claims WHERE id = ?",
		"SELECT kind, language FROM debtors WHERE id = (SELECT debtor_id FROM claims WHERE id = ?)",
		"SELECT number, issue_date, due_date, amount FROM invoices WHERE claim_id = ? ORDER BY id",
		"SELECT amount, currency, received_on, method FROM payments WHERE claim_id = ? ORDER BY id",
		"SELECT number, amount FROM credit_notes WHERE claim_id = ? ORDER BY id",
		"SELECT seq, at, kind, actor_kind, actor_id, ip, user_agent, payload_hash, prev_hash, hash FROM events WHERE claim_id = ? AND kind <> 'claim.personal_data_erased' ORDER BY seq",
		"SELECT reason, status, adjusted_amount FROM disputes WHERE claim_id = ? ORDER BY id",
		"SELECT content_type, size, sha256 FROM dispute_files WHERE dispute_id IN (SELECT id FROM disputes WHERE claim_id = ?) ORDER BY id",
		"SELECT kind, letter_date, total, sha256 FROM letters WHERE claim_id = ? ORDER BY id",
		"SELECT status, balance, schedule, pdf_sha256 FROM agreements WHERE claim_id = ? ORDER BY id",
		"SELECT seq, due_on, amount, status FROM instalments WHERE claim_id = ? ORDER BY id",
		"SELECT kind, status, verdict FROM offers WHERE claim_id = ? ORDER BY id",
		"SELECT seq, kind, internal FROM messages WHERE claim_id = ? ORDER BY id",
		"SELECT status, channel, content_sha256, local_date FROM reminder_sends WHERE claim_id = ? ORDER BY id",
		"SELECT bank_ref, booked_on, amount, status FROM statement_lines WHERE claim_id = ? ORDER BY id",
		"SELECT kind, reference FROM payment_references WHERE claim_id = ?",
	} {
		if db.Dialect == store.Postgres {
			q = strings.Replace(q, "?", "$1", 1)
		}
		rows, err := db.SQL().Query(q, claimID)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			for _, v := range vals {
				if raw, ok := v.([]byte); ok {
					v = string(raw)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteString("\n")
		}
		rows.Close()
	}
	return b.String()
}

func TestRetentionPolicyStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedTenant(t, db, "Alpha")
		svc := newPrivacy(db, nil)
		t.Run("Default", func(t *testing.T) {
			p, err := svc.Retention(ctx, a.ID)
			if err != nil || p != portal.DefaultRetention() {
				t.Fatalf("default policy: %+v %v", p, err)
			}
		})
		t.Run("OK", func(t *testing.T) {
			want := portal.RetentionPolicy{NoPrescriptionMonths: 120, GraceMonths: 6}
			if err := svc.SetRetention(ctx, a.ID, want); err != nil {
				t.Fatal(err)
			}
			tn, err := db.FindTenant(ctx, a.ID)
			if err != nil || tn.Retention != want {
				t.Fatalf("stored %+v %v", tn.Retention, err)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			err := svc.SetRetention(ctx, a.ID, portal.RetentionPolicy{NoPrescriptionMonths: 3, GraceMonths: 6})
			if portal.ErrorCode(err) != portal.EINVALID || portal.ErrorField(err) != "no_prescription_months" {
				t.Fatalf("got %v", err)
			}
			if p, _ := svc.Retention(ctx, a.ID); p.NoPrescriptionMonths != 120 {
				t.Fatalf("a refused policy changed the stored one: %+v", p)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			if err := svc.SetRetention(ctx, "01NOSUCHTENANT0000000000000", portal.DefaultRetention()); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("got %v", err)
			}
		})
	})
}

// TestRetentionDecisions runs the purge over claims in each situation of
// the rule, on both databases, at dates around their retention ends.
func TestRetentionDecisions(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, clock *portal.FixedClock) {
		ctx := context.Background()
		a := seedTenant(t, db, "Alpha")
		svc := newPrivacy(db, clock)
		mk := func(ref string, j portal.Jurisdiction, kind portal.DebtorKind) *portal.Claim {
			c := newClaim(ref)
			c.Jurisdiction, c.Debtor.Kind = j, kind
			c.Invoices = c.Invoices[1:] // one invoice due 2024-01-31
			if err := db.CreateClaim(ctx, a.ID, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		settle := func(c *portal.Claim) {
			if _, err := db.ChangeStatus(ctx, a.ID, c.ID, portal.StatusChange{To: portal.StatusSettled, Reason: "paid"}); err != nil {
				t.Fatal(err)
			}
		}
		open := mk("OPEN", portal.JurisdictionFR, portal.DebtorConsumer)
		court := mk("COURT", portal.JurisdictionFR, portal.DebtorConsumer)
		toCourt := func(c *portal.Claim) {
			for _, ch := range []portal.StageChange{
				{To: portal.StageFormalNotice, Reason: "no answer", FormalNoticeOn: portal.MustDate("2024-06-01")},
				{To: portal.StageLitigation, Procedure: "injonction_de_payer", Reason: "notice period over"},
			} {
				if _, err := db.ChangeStage(ctx, a.ID, c.ID, ch); err != nil {
					t.Fatalf("stage %s: %v", ch.To, err)
				}
			}
		}
		toCourt(court)
		settle(court)
		// The same, once the creditor records the end of the proceedings:
		// the court hold is lifted and the usual periods apply.
		ended := mk("COURT-ENDED", portal.JurisdictionFR, portal.DebtorConsumer)
		toCourt(ended)
		settle(ended)
		if _, err := db.RecordDates(ctx, a.ID, ended.ID, portal.DatesChange{ProceedingsEndedOn: portal.MustDate("2024-06-30"), Reason: "paid to the bailiff"}); err != nil {
			t.Fatal(err)
		}
		disputed := mk("DISPUTED", portal.JurisdictionFR, portal.DebtorConsumer)
		_, token, _ := db.IssueLink(ctx, a.ID, disputed.ID, portal.ChannelEmail, time.Hour)
		op, err := db.OpenLink(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		secret, _ := db.CheckIdentity(ctx, op.Session.ID, "75011")
		sess, _ := db.FindSession(ctx, secret)
		if err := db.FileDispute(ctx, sess, &portal.Dispute{Reason: portal.ReasonWrongAmount, Text: "too much"}); err != nil {
			t.Fatal(err)
		}
		settle(disputed) // paid meanwhile; the dispute stays open
		frBiz, frCon := mk("FR-B2B", portal.JurisdictionFR, portal.DebtorBusiness), mk("FR-B2C", portal.JurisdictionFR, portal.DebtorConsumer)
		be := mk("BE-B2B", portal.JurisdictionBE, portal.DebtorBusiness)
		// A partial payment received on 2024-06-20 restarts the consumer's
		// 2 years (Code civil 2240): until 2026-06-20. The purge reads the
		// payments as the timeline does.
		frPaid := mk("FR-B2C-PAID", portal.JurisdictionFR, portal.DebtorConsumer)
		if err := db.AddPayment(ctx, a.ID, &portal.Payment{ClaimID: frPaid.ID, Amount: 1000, ReceivedOn: portal.MustDate("2024-06-20"), Method: portal.PaymentOther}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*portal.Claim{frBiz, frCon, be, frPaid} {
			settle(c)
		}
		names := map[string]string{open.ID: "OPEN", court.ID: "COURT", ended.ID: "COURT-ENDED", disputed.ID: "DISPUTED", frBiz.ID: "FR-B2B", frCon.ID: "FR-B2C",
			be.ID: "BE-B2B", frPaid.ID: "FR-B2C-PAID"}

		steps := []struct {
			day        string
			wantErased []string
			wantHeld   map[privacy.Hold]int
		}{
			{"2025-06-30", nil, map[privacy.Hold]int{privacy.HoldCourt: 1, privacy.HoldDispute: 1}},                               // inside the grace
			{"2026-01-31", nil, map[privacy.Hold]int{privacy.HoldCourt: 1, privacy.HoldDispute: 1}},                               // FR consumer: last day
			{"2026-02-01", []string{"COURT-ENDED", "FR-B2C"}, map[privacy.Hold]int{privacy.HoldCourt: 1, privacy.HoldDispute: 1}}, // FR consumer prescribed
			{"2026-06-20", nil, map[privacy.Hold]int{privacy.HoldCourt: 1, privacy.HoldDispute: 1}},                               // restarted by the payment: last day
			{"2026-06-21", []string{"FR-B2C-PAID"}, map[privacy.Hold]int{privacy.HoldCourt: 1, privacy.HoldDispute: 1}},
			{"2029-01-31", nil, map[privacy.Hold]int{privacy.HoldCourt: 1, privacy.HoldDispute: 1}},
			{"2029-02-01", []string{"FR-B2B"}, map[privacy.Hold]int{privacy.HoldCourt: 1, privacy.HoldDispute: 1}}, // FR business prescribed
			{"2034-01-31", nil, map[privacy.Hold]int{privacy.HoldCourt: 1, privacy.HoldDispute: 1}},                // BE business: 10 years (old Civil Code 2262bis §1)
			{"2034-02-01", []string{"BE-B2B"}, map[privacy.Hold]int{privacy.HoldCourt: 1, privacy.HoldDispute: 1}},
			{"2060-01-01", nil, map[privacy.Hold]int{privacy.HoldCourt: 1, privacy.HoldDispute: 1}},
		}
		for _, st := range steps {
			clock.T = portal.MustDate(st.day).Time().Add(10 * time.Hour)
			rep, err := svc.Purge(ctx, privacy.PurgeOptions{TenantID: a.ID})
			if err != nil {
				t.Fatalf("%s: %v", st.day, err)
			}
			var got []string
			for _, e := range rep.Erased {
				got = append(got, names[e.ClaimID])
			}
			if fmt.Sprint(got) != fmt.Sprint(st.wantErased) || fmt.Sprint(rep.Held) != fmt.Sprint(st.wantHeld) {
				t.Fatalf("on %s: erased %v held %v, want %v and %v", st.day, got, rep.Held, st.wantErased, st.wantHeld)
			}
		}
		for id, name := range names {
			c, err := db.FindClaim(ctx, a.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			kept := name == "OPEN" || name == "COURT" || name == "DISPUTED"
			if kept != (c.PersonalDataErasedAt == nil) || kept != (c.Debtor.Name == "Dupont SARL") {
				t.Errorf("%s: erased at %v, debtor %q", name, c.PersonalDataErasedAt, c.Debtor.Name)
			}
		}
		// Asked directly, the store refuses a held claim, naming the hold.
		_, err = db.ErasePersonalData(ctx, a.ID, court.ID, false)
		if portal.ErrorCode(err) != portal.ECONFLICT || !strings.Contains(portal.ErrorMessage(err), "court_stage") {
			t.Fatalf("court claim: %v", err)
		}
	})
}

// TestPurge plants claims holding every kind of personal data in two
// tenants, and purges one tenant once past retention.
func TestPurge(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, clock *portal.FixedClock) {
		ctx := context.Background()
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		sa := privacytest.Seed(t, db, a.ID, privacytest.Options{Reference: "A-1", Tag: "zqa1tag"})
		sb := privacytest.Seed(t, db, b.ID, privacytest.Options{Reference: "B-1", Tag: "zqb1tag"})
		svc := newPrivacy(db, clock)
		signer, err := evidence.GenerateSigner()
		if err != nil {
			t.Fatal(err)
		}

		before := dump(t, db, "")
		if n := len(linesWith(before, sa.Tag)); n < 15 {
			t.Fatalf("the seed planted its tag in only %d rows:\n%s", n, strings.Join(linesWith(before, sa.Tag), "\n"))
		}
		dumpB := dump(t, db, b.ID)
		keptA := keptValues(t, db, a.ID, sa.Claim.ID)
		oldBundle := bundle(t, db, signer, a.ID, sa.Claim.ID)
		oldEvents := bundleEvents(t, oldBundle)
		rep, err := evidence.VerifyBundle(bytes.NewReader(oldBundle), int64(len(oldBundle)))
		if err != nil || rep.ErasedPayloads != 0 {
			t.Fatalf("bundle before the purge: %v %+v", err, rep)
		}

		t.Run("InsideRetention", func(t *testing.T) {
			// FR business, due 2024-01-31: the seed's plan, signed 2024-06-30
			// with an acknowledgement of the debt, restarts the 5 years (Code
			// civil 2240, after the payment of 2024-03-05): prescribed after
			// 2029-06-30.
			clock.T = time.Date(2029, 6, 30, 12, 0, 0, 0, time.UTC)
			r, err := svc.Purge(ctx, privacy.PurgeOptions{})
			if err != nil || len(r.Erased) != 0 || r.Kept != 2 || r.Checked != 2 {
				t.Fatalf("%v %+v", err, r)
			}
		})
		clock.T = time.Date(2029, 7, 1, 12, 0, 0, 0, time.UTC)
		t.Run("DryRun", func(t *testing.T) {
			r, err := svc.Purge(ctx, privacy.PurgeOptions{TenantID: a.ID, DryRun: true})
			if err != nil || len(r.Erased) != 1 || r.Erased[0].ClaimID != sa.Claim.ID || !r.DryRun {
				t.Fatalf("%v %+v", err, r)
			}
			n := r.Erased[0].Counts
			if n.DebtorFields != 8 || n.Messages < 4 || n.Offers != 3 || n.Disputes != 1 || n.DisputeFiles != 1 || n.Letters != 1 ||
				n.Agreements != 1 || n.ReminderSends != 1 || n.PaymentReferences != 2 || n.StatementLines != 1 ||
				n.EventPayloads != len(oldEvents) || n.LinksRevoked < 1 || n.UnsubscribeLinks != 1 || n.CardCustomers != 1 {
				t.Fatalf("counts %+v (events %d)", n, len(oldEvents))
			}
			if dump(t, db, "") != before {
				t.Fatal("a dry run changed the database")
			}
		})
		printCopies := func() (n int64) {
			t.Helper()
			q := "SELECT count(*) FROM letters WHERE claim_id = $1 AND print_pdf IS NOT NULL"
			if db.Dialect == store.SQLite {
				q = strings.Replace(q, "$1", "?", 1)
			}
			if err := db.SQL().QueryRow(q, sa.Claim.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		t.Run("OK", func(t *testing.T) {
			if printCopies() == 0 {
				t.Fatal("the seed's letter has no copy to print: the test would not see it kept")
			}
			r, err := svc.Purge(ctx, privacy.PurgeOptions{TenantID: a.ID})
			if err != nil || len(r.Erased) != 1 || r.Tenants != 1 {
				t.Fatalf("%v %+v", err, r)
			}
			after := dump(t, db, "")
			if left := linesWith(after, sa.Tag); len(left) > 0 {
				t.Fatalf("personal data left after the purge:\n%s", strings.Join(left, "\n"))
			}
			afterA := dump(t, db, a.ID) // the seeds share these values between tenants
			for _, v := range []string{sa.IBAN, sa.CallbackPhone, sa.Phone, "1980-05-17"} {
				if left := linesWith(afterA, v); len(left) > 0 {
					t.Fatalf("%s left:\n%s", v, strings.Join(left, "\n"))
				}
			}
			c, err := db.FindClaim(ctx, a.ID, sa.Claim.ID)
			if err != nil {
				t.Fatal(err)
			}
			d := c.Debtor
			if d.Name != portal.ErasedMarker || d.Address != portal.ErasedMarker || d.Email != "" || d.Phone != "" || d.Postcode != "" ||
				d.Country != "" || !d.BirthDate.IsZero() || d.CustomerNumber != "" || c.PersonalDataErasedAt == nil {
				t.Fatalf("debtor after erasure: %+v, erased at %v", d, c.PersonalDataErasedAt)
			}
			if got := keptValues(t, db, a.ID, sa.Claim.ID); got != keptA {
				t.Fatalf("kept values changed:\nbefore %s\nafter  %s", keptA, got)
			}
			if dump(t, db, b.ID) != dumpB {
				t.Fatal("tenant B changed")
			}
			// Only the erasure's event keeps a payload: counts, no data.
			evs, _ := db.ListEvents(ctx, a.ID, sa.Claim.ID, 0, 0)
			last := evs[len(evs)-1]
			if len(evs) != len(oldEvents)+1 || last.Kind != portal.EventPersonalDataErased || !strings.Contains(last.Payload, `"dispute_files":1`) ||
				!strings.Contains(last.Payload, `"keep_until":"2029-06-30"`) {
				t.Fatalf("erasure event: %d events, last %+v", len(evs), last)
			}
			for i, e := range evs[:len(evs)-1] {
				o := oldEvents[i]
				if e.Payload != "" || e.Hash != o.Hash || e.PayloadHash != o.PayloadHash || e.Actor.IP != o.IP || e.Actor.UserAgent != o.UserAgent {
					t.Fatalf("event %d after erasure: %+v, was %+v", e.Seq, e, o)
				}
			}
		})
		t.Run("BundlesStillVerify", func(t *testing.T) {
			if _, err := evidence.VerifyBundle(bytes.NewReader(oldBundle), int64(len(oldBundle))); err != nil {
				t.Fatalf("the bundle made before the purge: %v", err)
			}
			newBundle := bundle(t, db, signer, a.ID, sa.Claim.ID)
			rep, err := evidence.VerifyBundle(bytes.NewReader(newBundle), int64(len(newBundle)))
			if err != nil || rep.ErasedPayloads != int64(len(oldEvents)) || rep.Events != int64(len(oldEvents)+1) {
				t.Fatalf("bundle after the purge: %v %+v", err, rep)
			}
			// The new chain extends the old one: a court holding the old
			// bundle sees the same hashes up to its head.
			newEvents := bundleEvents(t, newBundle)
			for i, o := range oldEvents {
				if n := newEvents[i]; n.Hash != o.Hash || n.PayloadHash != o.PayloadHash || n.Payload != nil {
					t.Fatalf("event %d: old %+v new %+v", o.Seq, o, n)
				}
			}
			if !bytes.Contains(unzipAll(t, oldBundle), []byte(sa.Tag)) {
				t.Fatal("the old bundle did not hold the debtor's data: the next check proves nothing")
			}
			if bytes.Contains(unzipAll(t, newBundle), []byte(sa.Tag)) {
				t.Fatal("the bundle made after the purge still holds personal data")
			}
			for _, f := range rep.Files {
				if strings.HasPrefix(f.Name, "attachments/") {
					t.Errorf("an erased file is still attached: %s", f.Name)
				}
			}
		})
		t.Run("Idempotent", func(t *testing.T) {
			snapshot := dump(t, db, "")
			r, err := svc.Purge(ctx, privacy.PurgeOptions{TenantID: a.ID})
			if err != nil || len(r.Erased) != 0 || r.Checked != 0 {
				t.Fatalf("second purge: %v %+v", err, r)
			}
			if dump(t, db, "") != snapshot {
				t.Fatal("a second purge changed something")
			}
			if _, err := db.ErasePersonalData(ctx, a.ID, sa.Claim.ID, false); portal.ErrorCode(err) != portal.ECONFLICT {
				t.Fatalf("erasing twice: %v", err)
			}
		})
		t.Run("ErasedClaimIsFrozen", func(t *testing.T) {
			if _, err := db.ChangeStatus(ctx, a.ID, sa.Claim.ID, portal.StatusChange{To: portal.StatusOpen, Reason: "x"}); portal.ErrorCode(err) != portal.ECONFLICT {
				t.Fatalf("reopen: %v", err)
			}
			if _, _, err := db.IssueLink(ctx, a.ID, sa.Claim.ID, portal.ChannelEmail, time.Hour); portal.ErrorCode(err) != portal.ECONFLICT {
				t.Fatalf("new link: %v", err)
			}
			links, _ := db.FindLinks(ctx, a.ID, sa.Claim.ID)
			for _, l := range links {
				if l.RevokedAt == nil {
					t.Fatalf("link %s not revoked", l.ID)
				}
			}
			if n := printCopies(); n != 0 {
				t.Fatalf("%d letters keep their copy to print (address and working link) after the purge", n)
			}
			letters, _ := (&store.LetterStore{DB: db}).FindLetters(ctx, a.ID, sa.Claim.ID)
			if _, err := (&store.LetterStore{DB: db}).FindLetter(ctx, a.ID, sa.Claim.ID, letters[0].ID); portal.ErrorCode(err) != portal.EGONE {
				t.Fatalf("erased letter: %v", err)
			}
			ds, _ := db.FindDisputes(ctx, a.ID, sa.Claim.ID)
			if _, err := db.FindDisputeFile(ctx, a.ID, sa.Claim.ID, ds[0].ID, ds[0].Files[0].ID); portal.ErrorCode(err) != portal.EGONE {
				t.Fatalf("erased file: %v", err)
			}
			// An agent can read the (erased) conversation but write nothing
			// new about the debtor.
			conv, err := db.OpenConversation(ctx, a.ID, sa.Claim.ID)
			if err != nil {
				t.Fatalf("the existing conversation: %v", err)
			}
			agent := negotiation.Author{Kind: portal.ActorUser, ID: "agent-1", Name: "Agent"}
			for _, kind := range []negotiation.MessageKind{negotiation.MsgText, negotiation.MsgNote} {
				_, _, err := db.PostMessage(ctx, &negotiation.Message{TenantID: a.ID, ConversationID: conv.ID, ClientID: "after-" + string(kind),
					Kind: kind, Author: agent, Text: "new personal data"})
				if portal.ErrorCode(err) != portal.EGONE {
					t.Fatalf("%s on an erased claim: %v", kind, err)
				}
			}
			if strings.Contains(dump(t, db, ""), "new personal data") {
				t.Fatal("a refused message was stored")
			}
		})
		t.Run("AllTenants", func(t *testing.T) {
			r, err := svc.Purge(ctx, privacy.PurgeOptions{})
			if err != nil || len(r.Erased) != 1 || r.Erased[0].TenantID != b.ID || r.Tenants != 2 {
				t.Fatalf("%v %+v", err, r)
			}
			if left := linesWith(dump(t, db, ""), sb.Tag); len(left) > 0 {
				t.Fatalf("tenant B's data left:\n%s", strings.Join(left, "\n"))
			}
		})
	})
}

// readExport unzips an export: export.json decoded, and the other files.
func readExport(t *testing.T, raw []byte) (*privacy.Export, string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var js []byte
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "export.json" {
			js = b
			continue
		}
		files[f.Name] = b
	}
	var ex privacy.Export
	if err := json.Unmarshal(js, &ex); err != nil {
		t.Fatalf("export.json: %v", err)
	}
	return &ex, string(js), files
}

func TestDebtorExport(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, clock *portal.FixedClock) {
		ctx := context.Background()
		a, b := seedTenant(t, db, "Alpha"), seedTenant(t, db, "Beta")
		x1 := privacytest.Seed(t, db, a.ID, privacytest.Options{Reference: "X-1", Tag: "zqx1tag", Email: "Zoe.X@example.test"})
		x2 := privacytest.Seed(t, db, a.ID, privacytest.Options{Reference: "X-2", Tag: "zqx2tag", Email: "zoe.x@example.test", Final: portal.StatusInPlan})
		y := privacytest.Seed(t, db, a.ID, privacytest.Options{Reference: "Y-1", Tag: "zqy1tag"})
		other := privacytest.Seed(t, db, b.ID, privacytest.Options{Reference: "X-1", Tag: "zqb2tag", Email: "zoe.x@example.test"})
		svc := newPrivacy(db, clock)
		export := func(tenantID string, q portal.DebtorQuery) ([]byte, error) {
			var buf bytes.Buffer
			err := svc.WriteDebtorExport(ctx, tenantID, q, &buf)
			return buf.Bytes(), err
		}
		claimIDs := func(ex *privacy.Export) []string {
			var out []string
			for _, c := range ex.Claims {
				out = append(out, c.Claim.ID+":"+strings.Join(c.MatchedBy, "+"))
			}
			sort.Strings(out)
			return out
		}
		want := []string{x1.Claim.ID + ":claim_id+email+customer_number", x2.Claim.ID + ":email"}
		sort.Strings(want)

		t.Run("ByClaim", func(t *testing.T) {
			raw, err := export(a.ID, portal.DebtorQuery{ClaimID: x1.Claim.ID})
			if err != nil {
				t.Fatal(err)
			}
			ex, js, files := readExport(t, raw)
			if fmt.Sprint(claimIDs(ex)) != fmt.Sprint(want) || ex.Format != privacy.ExportFormat || ex.Tenant.ID != a.ID {
				t.Fatalf("claims %v, want %v", claimIDs(ex), want)
			}
			for _, s := range []string{x1.Tag, x2.Tag, x1.IBAN, x1.CallbackPhone, x1.IP, x1.UserAgent, "1980-05-17", "\"body_text\"", "\"payload\""} {
				if !strings.Contains(js, s) {
					t.Errorf("export.json lacks %q", s)
				}
			}
			for _, s := range []string{y.Tag, other.Tag, other.Claim.ID} {
				if strings.Contains(js, s) {
					t.Errorf("export.json holds %q of another debtor or tenant", s)
				}
			}
			var c1 *privacy.ExportClaim
			for _, c := range ex.Claims {
				if c.Claim.ID == x1.Claim.ID {
					c1 = c
				}
			}
			if len(c1.Disputes) != 1 || len(c1.Messages) < 4 || len(c1.Offers) != 3 || len(c1.Agreements) != 1 || len(c1.Instalments) != 3 ||
				len(c1.Reminders) != 1 || len(c1.Letters) != 1 || len(c1.Links) != 1 || len(c1.StatementLines) != 1 || len(c1.Events) < 20 ||
				len(c1.Claim.Payments) != 2 || len(c1.Files) != 3 {
				t.Fatalf("claim parts: disputes %d messages %d offers %d agreements %d instalments %d reminders %d letters %d links %d lines %d events %d payments %d files %d",
					len(c1.Disputes), len(c1.Messages), len(c1.Offers), len(c1.Agreements), len(c1.Instalments), len(c1.Reminders), len(c1.Letters),
					len(c1.Links), len(c1.StatementLines), len(c1.Events), len(c1.Claim.Payments), len(c1.Files))
			}
			kinds := map[string]bool{}
			for _, f := range c1.Files {
				got, ok := files[f.Path]
				if !ok || portal.SHA256Hex(got) != f.SHA256 {
					t.Errorf("file %s missing or not matching its SHA-256", f.Path)
				}
				kinds[f.Kind] = true
				if f.Kind == "dispute_file" && !bytes.Equal(got, x1.DisputeFile) {
					t.Errorf("dispute file content differs")
				}
				if f.Kind == "agreement" && !bytes.Equal(got, x1.AgreementPDF) {
					t.Errorf("agreement content differs")
				}
			}
			if !kinds["dispute_file"] || !kinds["letter"] || !kinds["agreement"] {
				t.Errorf("file kinds %v", kinds)
			}
		})
		t.Run("ByEmail", func(t *testing.T) {
			raw, err := export(a.ID, portal.DebtorQuery{Email: "  ZOE.x@Example.test "})
			if err != nil {
				t.Fatal(err)
			}
			ex, _, _ := readExport(t, raw)
			want := []string{x1.Claim.ID + ":email", x2.Claim.ID + ":email"}
			sort.Strings(want)
			if fmt.Sprint(claimIDs(ex)) != fmt.Sprint(want) {
				t.Fatalf("claims %v, want %v", claimIDs(ex), want)
			}
		})
		t.Run("ByCustomerNumber", func(t *testing.T) {
			raw, err := export(a.ID, portal.DebtorQuery{CustomerNumber: "CUST-zqy1tag"})
			if err != nil {
				t.Fatal(err)
			}
			ex, js, _ := readExport(t, raw)
			if fmt.Sprint(claimIDs(ex)) != fmt.Sprint([]string{y.Claim.ID + ":customer_number"}) || strings.Contains(js, x1.Tag) {
				t.Fatalf("claims %v", claimIDs(ex))
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			if _, err := export(b.ID, portal.DebtorQuery{ClaimID: x1.Claim.ID}); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("another tenant's claim: %v", err)
			}
			if _, err := export(a.ID, portal.DebtorQuery{Email: "nobody@example.test"}); portal.ErrorCode(err) != portal.ENOTFOUND {
				t.Fatalf("unknown e-mail: %v", err)
			}
			raw, err := export(b.ID, portal.DebtorQuery{Email: "zoe.x@example.test"})
			if err != nil {
				t.Fatal(err)
			}
			if ex, _, _ := readExport(t, raw); len(ex.Claims) != 1 || ex.Claims[0].Claim.ID != other.Claim.ID {
				t.Fatalf("tenant B's export: %v", claimIDs(ex))
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			for _, q := range []portal.DebtorQuery{{}, {Email: "not-an-address"}, {ClaimID: "  "}} {
				if _, err := export(a.ID, q); portal.ErrorCode(err) != portal.EINVALID {
					t.Errorf("%+v: %v", q, err)
				}
			}
		})
		t.Run("AfterErasure", func(t *testing.T) {
			clock.T = time.Date(2029, 7, 1, 12, 0, 0, 0, time.UTC) // the seed's plan signed 2024-06-30 restarted the 5 years
			if _, err := db.ErasePersonalData(ctx, a.ID, x1.Claim.ID, false); err != nil {
				t.Fatal(err)
			}
			raw, err := export(a.ID, portal.DebtorQuery{ClaimID: x1.Claim.ID})
			if err != nil {
				t.Fatal(err)
			}
			ex, js, files := readExport(t, raw)
			// The e-mail is gone, so the other claim no longer matches.
			if len(ex.Claims) != 1 || strings.Contains(js, x1.Tag) || len(files) != 1 || ex.Claims[0].Claim.PersonalDataErasedAt == nil {
				t.Fatalf("export of an erased claim: %v, files %v, tag present %v", claimIDs(ex), files, linesWith(js, x1.Tag))
			}
		})
	})
}
