package escalation

import (
	"encoding/json"
	"time"

	"github.com/relais/relais/portal"
)

// FactsOf reads the dates the deadline rules need from a claim loaded with
// its debtor, invoices and payments.
//
// Every payment received (positive amount) is an acknowledgement that
// restarts prescription (Code civil 2240, old Civil Code 2248), alongside
// the acknowledgement recorded by hand: the rules take each in turn, so
// the latest one that came in time sets the date. A payment the debtor
// allocated to another invoice than the oldest (Payment.InvoiceID) does
// not acknowledge the oldest invoice, whose prescription is the one shown,
// and is left out. Refunds and chargebacks (negative amounts) are not
// payments by the debtor.
func FactsOf(c *portal.Claim) Facts {
	f := Facts{
		Jurisdiction:          c.Jurisdiction,
		FirstReminderOn:       c.FirstReminderOn,
		FirstReminderChannel:  Channel(c.FirstReminderChannel),
		FormalNoticeOn:        c.FormalNoticeOn,
		NoticePeriodDays:      c.NoticePeriodDays,
		Procedure:             Procedure(c.Procedure),
		OrderOn:               c.OrderOn,
		ServedOn:              c.ServedOn,
		JudgmentOn:            c.JudgmentOn,
		EnforceableOn:         c.EnforceableOn,
		ProceedingsEndedOn:    c.ProceedingsEndedOn,
		LastAcknowledgementOn: c.LastAcknowledgementOn,
		Prescription:          c.Prescription,
	}
	if c.Debtor != nil {
		f.DebtorKind, f.DebtorCountry, f.DebtorPostcode = c.Debtor.Kind, c.Debtor.Country, c.Debtor.Postcode
	}
	for _, inv := range c.Invoices {
		if f.OldestDueDate.IsZero() || inv.DueDate.Before(f.OldestDueDate) {
			f.OldestDueDate = inv.DueDate
		}
	}
	oldest := map[string]bool{}
	for _, inv := range c.Invoices {
		if inv.DueDate == f.OldestDueDate {
			oldest[inv.ID] = true
		}
	}
	for _, p := range c.Payments {
		if p.Amount <= 0 || p.ReceivedOn.IsZero() || (p.InvoiceID != "" && !oldest[p.InvoiceID]) {
			continue
		}
		f.PaymentsOn = append(f.PaymentsOn, p.ReceivedOn)
	}
	return f
}

// NoticeDays is the payment period a formal notice on this claim gives:
// the claim's own, or the jurisdiction's default.
func NoticeDays(c *portal.Claim) int {
	if c.NoticePeriodDays > 0 {
		return c.NoticePeriodDays
	}
	if c.Jurisdiction == portal.JurisdictionBE {
		return DefaultNoticeDaysBE
	}
	return DefaultNoticeDaysFR
}

// StagePayload is the payload of a stage.changed event.
type StagePayload struct {
	From          portal.Stage `json:"from"`
	To            portal.Stage `json:"to"`
	FromProcedure Procedure    `json:"from_procedure,omitempty"`
	Procedure     Procedure    `json:"procedure,omitempty"`
	Reason        string       `json:"reason"`
	By            string       `json:"by"`
}

// Band is a stretch of time a claim spent at one stage (and procedure).
// To is nil for the current band.
type Band struct {
	Stage     portal.Stage `json:"stage"`
	Procedure Procedure    `json:"procedure,omitempty"`
	From      time.Time    `json:"from"`
	To        *time.Time   `json:"to"`
	// Seq is the event that opened the band (0 for the claim's creation).
	Seq int64 `json:"seq"`
}

// Marker is a deadline shown on the timeline.
type Marker struct {
	Kind        DeadlineKind   `json:"kind"`
	Due         portal.Date    `json:"due"`
	WarnFrom    portal.Date    `json:"warn_from"`
	Status      DeadlineStatus `json:"status"`
	Rule        string         `json:"rule"`
	Explanation string         `json:"explanation"`
}

// Timeline is a claim's history and what lies ahead: its events in order,
// its stages as bands, its deadlines as markers. It is plain data, for the
// API and for the console page alike.
type Timeline struct {
	ClaimID   string          `json:"claim_id"`
	Reference string          `json:"reference"`
	Today     portal.Date     `json:"today"`
	Stage     portal.Stage    `json:"stage"`
	Status    portal.Status   `json:"status"`
	Procedure Procedure       `json:"procedure,omitempty"`
	Events    []*portal.Event `json:"events"`
	Bands     []Band          `json:"bands"`
	Deadlines []Marker        `json:"deadlines"`
}

// BuildTimeline assembles the timeline of c from its events (in sequence
// order, all of them: the bands need every stage change). kinds, when not
// empty, filters the events listed; bands and deadlines are never
// filtered. Deadlines are left out once the claim has ended (settled,
// written off, closed).
func BuildTimeline(c *portal.Claim, events []*portal.Event, today portal.Date, kinds []portal.EventKind) *Timeline {
	t := &Timeline{
		ClaimID: c.ID, Reference: c.Reference, Today: today, Stage: c.Stage, Status: c.Status, Procedure: Procedure(c.Procedure),
		Events: []*portal.Event{}, Bands: []Band{}, Deadlines: []Marker{},
	}
	want := map[portal.EventKind]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	var bands []Band
	for _, e := range events {
		if len(want) == 0 || want[e.Kind] {
			t.Events = append(t.Events, e)
		}
		if e.Kind != portal.EventStageChanged {
			continue
		}
		var p StagePayload
		if err := json.Unmarshal([]byte(e.Payload), &p); err != nil || p.To == "" {
			continue // an erased payload: the band boundary is lost, not invented
		}
		if len(bands) == 0 {
			bands = append(bands, Band{Stage: p.From, Procedure: p.FromProcedure, From: c.CreatedAt})
		}
		at := e.At
		bands[len(bands)-1].To = &at
		bands = append(bands, Band{Stage: p.To, Procedure: p.Procedure, From: e.At, Seq: e.Seq})
	}
	if len(bands) == 0 {
		bands = append(bands, Band{Stage: c.Stage, Procedure: Procedure(c.Procedure), From: c.CreatedAt})
	}
	t.Bands = bands
	if !Ended(c.Status) {
		for _, d := range Deadlines(FactsOf(c), today) {
			t.Deadlines = append(t.Deadlines, Marker{Kind: d.Kind, Due: d.Due, WarnFrom: d.WarnFrom, Status: d.Status, Rule: d.Rule, Explanation: d.Explanation})
		}
	}
	return t
}
