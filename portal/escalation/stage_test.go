package escalation_test

import (
	"strings"
	"testing"

	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/escalation"
)

// claim builds a snapshot of an open French claim against a business.
func claim(stage portal.Stage, mods ...func(*escalation.Snapshot)) escalation.Snapshot {
	s := escalation.Snapshot{
		Stage:        stage,
		Status:       portal.StatusOpen,
		Jurisdiction: portal.JurisdictionFR,
		DebtorKind:   portal.DebtorBusiness,
	}
	for _, m := range mods {
		m(&s)
	}
	return s
}

func status(st portal.Status) func(*escalation.Snapshot) {
	return func(s *escalation.Snapshot) { s.Status = st }
}

func belgian(kind portal.DebtorKind) func(*escalation.Snapshot) {
	return func(s *escalation.Snapshot) { s.Jurisdiction, s.DebtorKind = portal.JurisdictionBE, kind }
}

func consumer(s *escalation.Snapshot)    { s.DebtorKind = portal.DebtorConsumer }
func crossBorder(s *escalation.Snapshot) { s.CrossBorder = true }
func inProc(p escalation.Procedure) func(*escalation.Snapshot) {
	return func(s *escalation.Snapshot) { s.Procedure = p }
}

func TestTransition(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			from escalation.Snapshot
			to   portal.Stage
			proc escalation.Procedure
		}{
			{"amicable to formal notice", claim(portal.StageAmicable), portal.StageFormalNotice, ""},
			{"formal notice to pre-litigation", claim(portal.StageFormalNotice), portal.StagePreLitigation, ""},
			{"formal notice straight to litigation", claim(portal.StageFormalNotice), portal.StageLitigation, escalation.ProcInjonctionDePayer},
			{"pre-litigation to référé", claim(portal.StagePreLitigation), portal.StageLitigation, escalation.ProcRefereProvision},
			{"pre-litigation to action on the merits", claim(portal.StagePreLitigation, consumer), portal.StageLitigation, escalation.ProcAssignationAuFond},
			{"FR cross-border European order", claim(portal.StagePreLitigation, crossBorder), portal.StageLitigation, escalation.ProcEuropeanOrder},
			{"BE cross-border European order", claim(portal.StagePreLitigation, belgian(portal.DebtorConsumer), crossBorder), portal.StageLitigation, escalation.ProcEuropeanOrder},
			{"BE uncontested B2B", claim(portal.StagePreLitigation, belgian(portal.DebtorBusiness)), portal.StageLitigation, escalation.ProcUncontestedB2B},
			{"BE consumer summons", claim(portal.StageFormalNotice, belgian(portal.DebtorConsumer)), portal.StageLitigation, escalation.ProcCitation},
			{"opposed injonction goes to the merits", claim(portal.StageLitigation, inProc(escalation.ProcInjonctionDePayer)), portal.StageLitigation, escalation.ProcAssignationAuFond},
			{"procedure change while disputed", claim(portal.StageLitigation, inProc(escalation.ProcInjonctionDePayer), status(portal.StatusDisputed)), portal.StageLitigation, escalation.ProcAssignationAuFond},
			{"litigation to judgment", claim(portal.StageLitigation), portal.StageJudgment, ""},
			{"judgment recorded while disputed", claim(portal.StageLitigation, status(portal.StatusDisputed)), portal.StageJudgment, ""},
			{"judgment to enforcement", claim(portal.StageJudgment), portal.StageEnforcement, ""},
			{"back to amicable from formal notice", claim(portal.StageFormalNotice), portal.StageAmicable, ""},
			{"back to amicable after a plan", claim(portal.StagePreLitigation, status(portal.StatusInPlan)), portal.StageAmicable, ""},
			{"back to amicable while disputed", claim(portal.StageFormalNotice, status(portal.StatusDisputed)), portal.StageAmicable, ""},
			{"action withdrawn", claim(portal.StageLitigation), portal.StageAmicable, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if err := escalation.Transition(tt.from, tt.to, tt.proc); err != nil {
					t.Fatalf("Transition(%s → %s) = %v, want nil", tt.from.Stage, tt.to, err)
				}
			})
		}
	})

	t.Run("Refused", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			from escalation.Snapshot
			to   portal.Stage
			proc escalation.Procedure
			code string
			want string // part of the message that says why
		}{
			{"escalate disputed", claim(portal.StageAmicable, status(portal.StatusDisputed)), portal.StageFormalNotice, "",
				portal.ECONFLICT, "cannot escalate a disputed claim: resolve the dispute first"},
			{"escalate in plan", claim(portal.StageFormalNotice, status(portal.StatusInPlan)), portal.StagePreLitigation, "",
				portal.ECONFLICT, "payment plan"},
			{"litigation while disputed", claim(portal.StagePreLitigation, status(portal.StatusDisputed)), portal.StageLitigation, escalation.ProcAssignationAuFond,
				portal.ECONFLICT, "resolve the dispute first"},
			{"enforcement while in plan", claim(portal.StageJudgment, status(portal.StatusInPlan)), portal.StageEnforcement, "",
				portal.ECONFLICT, "payment plan"},
			{"enforcement without judgment", claim(portal.StageLitigation), portal.StageEnforcement, "",
				portal.EINVALID, "without a judgment"},
			{"enforcement from amicable", claim(portal.StageAmicable), portal.StageEnforcement, "",
				portal.EINVALID, "without a judgment"},
			{"judgment without litigation", claim(portal.StagePreLitigation), portal.StageJudgment, "",
				portal.EINVALID, "start a court procedure first"},
			{"settled cannot move", claim(portal.StageFormalNotice, status(portal.StatusSettled)), portal.StagePreLitigation, "",
				portal.ECONFLICT, "settled"},
			{"written off cannot move back", claim(portal.StageFormalNotice, status(portal.StatusWrittenOff)), portal.StageAmicable, "",
				portal.ECONFLICT, "it is written off"},
			{"closed cannot move", claim(portal.StageJudgment, status(portal.StatusClosed)), portal.StageEnforcement, "",
				portal.ECONFLICT, "closed"},
			{"skip formal notice", claim(portal.StageAmicable), portal.StageLitigation, escalation.ProcInjonctionDePayer,
				portal.EINVALID, "send the formal notice first"},
			{"skip to pre-litigation", claim(portal.StageAmicable), portal.StagePreLitigation, "",
				portal.EINVALID, "send the formal notice first"},
			{"back from judgment", claim(portal.StageJudgment), portal.StageAmicable, "",
				portal.EINVALID, "a judgment has been given"},
			{"back to formal notice", claim(portal.StagePreLitigation), portal.StageFormalNotice, "",
				portal.EINVALID, "only a return to amicable"},
			{"same stage", claim(portal.StageFormalNotice), portal.StageFormalNotice, "",
				portal.ECONFLICT, "already at the formal notice stage"},
			{"unknown stage", claim(portal.StageAmicable), portal.Stage("court"), "",
				portal.EINVALID, "unknown stage"},
			{"litigation without procedure", claim(portal.StagePreLitigation), portal.StageLitigation, "",
				portal.EINVALID, "needs a court procedure"},
			{"unknown procedure", claim(portal.StagePreLitigation), portal.StageLitigation, "small_claims",
				portal.EINVALID, "unknown court procedure"},
			{"procedure outside litigation", claim(portal.StageAmicable), portal.StageFormalNotice, escalation.ProcInjonctionDePayer,
				portal.EINVALID, "only when the claim goes to litigation"},
			{"uncontested B2B against consumer", claim(portal.StagePreLitigation, belgian(portal.DebtorConsumer)), portal.StageLitigation, escalation.ProcUncontestedB2B,
				portal.EINVALID, "only for claims against a business debtor"},
			{"uncontested B2B in France", claim(portal.StagePreLitigation), portal.StageLitigation, escalation.ProcUncontestedB2B,
				portal.EINVALID, "only in BE law"},
			{"injonction in Belgium", claim(portal.StagePreLitigation, belgian(portal.DebtorBusiness)), portal.StageLitigation, escalation.ProcInjonctionDePayer,
				portal.EINVALID, "only in FR law"},
			{"European order not cross-border", claim(portal.StagePreLitigation), portal.StageLitigation, escalation.ProcEuropeanOrder,
				portal.EINVALID, "only for cross-border claims"},
			{"same procedure again", claim(portal.StageLitigation, inProc(escalation.ProcRefereProvision)), portal.StageLitigation, escalation.ProcRefereProvision,
				portal.ECONFLICT, "already in litigation"},
			{"uncontested procedure for a disputed claim", claim(portal.StageLitigation, belgian(portal.DebtorBusiness), inProc(escalation.ProcCitation), status(portal.StatusDisputed)),
				portal.StageLitigation, escalation.ProcUncontestedB2B, portal.ECONFLICT, "uncontested procedure for a disputed claim"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				err := escalation.Transition(tt.from, tt.to, tt.proc)
				if code := portal.ErrorCode(err); code != tt.code {
					t.Fatalf("code = %q (%v), want %q", code, err, tt.code)
				}
				if msg := portal.ErrorMessage(err); !strings.Contains(msg, tt.want) {
					t.Fatalf("message = %q, want it to mention %q", msg, tt.want)
				}
			})
		}
	})
}

func TestChangeStatus(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, tt := range []struct{ from, to portal.Status }{
			{portal.StatusOpen, portal.StatusDisputed},
			{portal.StatusDisputed, portal.StatusOpen},
			{portal.StatusOpen, portal.StatusInPlan},
			{portal.StatusInPlan, portal.StatusOpen},
			{portal.StatusInPlan, portal.StatusSettled},
			{portal.StatusInPlan, portal.StatusDisputed},
			{portal.StatusOpen, portal.StatusSettled},
			{portal.StatusOpen, portal.StatusWrittenOff},
			{portal.StatusDisputed, portal.StatusClosed},
			{portal.StatusSettled, portal.StatusOpen},
			{portal.StatusWrittenOff, portal.StatusSettled},
		} {
			t.Run(string(tt.from)+"→"+string(tt.to), func(t *testing.T) {
				if err := escalation.ChangeStatus(claim(portal.StageFormalNotice, status(tt.from)), tt.to); err != nil {
					t.Fatalf("ChangeStatus = %v, want nil", err)
				}
			})
		}
	})

	t.Run("Refused", func(t *testing.T) {
		for _, tt := range []struct {
			from, to portal.Status
			code     string
			want     string
		}{
			{portal.StatusOpen, portal.StatusOpen, portal.ECONFLICT, "already open"},
			{portal.StatusClosed, portal.StatusOpen, portal.ECONFLICT, "closed is final"},
			{portal.StatusDisputed, portal.StatusInPlan, portal.EINVALID, "resolve the dispute first"},
			{portal.StatusSettled, portal.StatusDisputed, portal.EINVALID, "refunded or charged back"},
			// Only ReturnToPlan makes this move, never a request.
			{portal.StatusSettled, portal.StatusInPlan, portal.EINVALID, "refunded or charged back"},
			{portal.StatusWrittenOff, portal.StatusInPlan, portal.EINVALID, "only be reopened or settled"},
			{portal.StatusOpen, portal.Status("paused"), portal.EINVALID, "unknown status"},
		} {
			t.Run(string(tt.from)+"→"+string(tt.to), func(t *testing.T) {
				err := escalation.ChangeStatus(claim(portal.StageFormalNotice, status(tt.from)), tt.to)
				if code := portal.ErrorCode(err); code != tt.code {
					t.Fatalf("code = %q (%v), want %q", code, err, tt.code)
				}
				if msg := portal.ErrorMessage(err); !strings.Contains(msg, tt.want) {
					t.Fatalf("message = %q, want it to mention %q", msg, tt.want)
				}
			})
		}
	})
}

// TestReturnToPlan: a settled claim goes back to its plan when the payment
// that completed it is taken back; no other status does.
func TestReturnToPlan(t *testing.T) {
	for st, ok := range map[portal.Status]bool{
		portal.StatusSettled: true, portal.StatusOpen: false, portal.StatusDisputed: false, portal.StatusInPlan: false,
		portal.StatusWrittenOff: false, portal.StatusClosed: false,
	} {
		err := escalation.ReturnToPlan(claim(portal.StageAmicable, status(st)))
		if (err == nil) != ok {
			t.Errorf("%s: ReturnToPlan = %v", st, err)
		}
		if err != nil && portal.ErrorCode(err) != portal.EINVALID {
			t.Errorf("%s: code %q", st, portal.ErrorCode(err))
		}
	}
}

func TestPauses(t *testing.T) {
	for st, want := range map[portal.Status]bool{
		portal.StatusOpen: false, portal.StatusDisputed: true, portal.StatusInPlan: true,
		portal.StatusSettled: false, portal.StatusWrittenOff: false, portal.StatusClosed: false,
	} {
		if got := escalation.Pauses(st); got != want {
			t.Errorf("Pauses(%s) = %v, want %v", st, got, want)
		}
	}
	for st, want := range map[portal.Status]bool{
		portal.StatusOpen: false, portal.StatusDisputed: false, portal.StatusInPlan: false,
		portal.StatusSettled: true, portal.StatusWrittenOff: true, portal.StatusClosed: true,
	} {
		if got := escalation.Ended(st); got != want {
			t.Errorf("Ended(%s) = %v, want %v", st, got, want)
		}
	}
}

func TestProcedures(t *testing.T) {
	for _, tt := range []struct {
		name  string
		j     portal.Jurisdiction
		k     portal.DebtorKind
		cross bool
		want  string
	}{
		{"FR domestic", portal.JurisdictionFR, portal.DebtorConsumer, false, "injonction_de_payer refere_provision assignation_au_fond"},
		{"FR cross-border", portal.JurisdictionFR, portal.DebtorBusiness, true, "injonction_de_payer refere_provision assignation_au_fond european_order_for_payment"},
		{"BE business", portal.JurisdictionBE, portal.DebtorBusiness, false, "uncontested_b2b citation"},
		{"BE consumer", portal.JurisdictionBE, portal.DebtorConsumer, false, "citation"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range escalation.Procedures(tt.j, tt.k, tt.cross) {
				got = append(got, string(p))
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Fatalf("Procedures = %q, want %q", g, tt.want)
			}
		})
	}
}

// Every stage has a way forward except enforcement, and every move in the
// table is accepted by Transition for an open claim with a fitting procedure.
func TestMovesTableConsistent(t *testing.T) {
	for _, m := range escalation.Moves() {
		s := claim(m.From, crossBorder)
		var proc escalation.Procedure
		if m.To == portal.StageLitigation {
			proc = escalation.ProcAssignationAuFond
			if m.From == portal.StageLitigation {
				s.Procedure = escalation.ProcInjonctionDePayer
			}
		}
		if err := escalation.Transition(s, m.To, proc); err != nil {
			t.Errorf("table move %s → %s refused: %v", m.From, m.To, err)
		}
	}
	if got := escalation.AllowedStages(portal.StageEnforcement); len(got) != 0 {
		t.Errorf("AllowedStages(enforcement) = %v, want none", got)
	}
}

func TestSnapshotOf(t *testing.T) {
	c := &portal.Claim{Stage: portal.StageJudgment, Status: portal.StatusInPlan, Jurisdiction: portal.JurisdictionBE,
		Debtor: &portal.Debtor{Kind: portal.DebtorConsumer}}
	got := escalation.SnapshotOf(c, escalation.ProcCitation, false)
	want := escalation.Snapshot{Stage: portal.StageJudgment, Status: portal.StatusInPlan, Procedure: escalation.ProcCitation,
		Jurisdiction: portal.JurisdictionBE, DebtorKind: portal.DebtorConsumer}
	if got != want {
		t.Fatalf("SnapshotOf = %+v, want %+v", got, want)
	}
}
