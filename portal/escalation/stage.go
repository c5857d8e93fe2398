package escalation

import (
	"strings"

	"github.com/relais/relais/portal"
)

// Procedure is the court procedure of a claim at the litigation stage.
type Procedure string

const (
	// ProcInjonctionDePayer is the French order for payment on application,
	// without a hearing (CPC 1405 ff.). The order must be served within six
	// months (CPC 1411); the debtor may oppose within one month (CPC 1416).
	ProcInjonctionDePayer Procedure = "injonction_de_payer"
	// ProcRefereProvision is the French summary claim for an advance on a
	// debt that is not seriously contestable (CPC 835 al. 2, 873 al. 2).
	ProcRefereProvision Procedure = "refere_provision"
	// ProcAssignationAuFond is the French ordinary action on the merits, the
	// way to go when the debtor contests the claim.
	ProcAssignationAuFond Procedure = "assignation_au_fond"
	// ProcEuropeanOrder is the European order for payment (Regulation (EC)
	// 1896/2006) for cross-border claims; it exists in France and Belgium
	// alike. The defendant has 30 days to oppose (art. 16).
	ProcEuropeanOrder Procedure = "european_order_for_payment"
	// ProcUncontestedB2B is the Belgian recovery of uncontested claims
	// between enterprises (Code judiciaire 1394/20 ff.): a bailiff's summons
	// to pay, one month to pay or contest, then the claim is made
	// enforceable. Business debtors only.
	ProcUncontestedB2B Procedure = "uncontested_b2b"
	// ProcCitation is the Belgian ordinary summons before a court (citation /
	// dagvaarding, Code judiciaire 700): the only domestic route Relais offers
	// for a Belgian consumer claim or a contested Belgian claim. Added here
	// because without it such claims could never reach litigation.
	ProcCitation Procedure = "citation"
)

// procedureRule says where a procedure may be used.
type procedureRule struct {
	proc          Procedure
	jurisdictions []portal.Jurisdiction
	businessOnly  bool
	crossBorder   bool // Reg. 1896/2006 art. 3: at least one party domiciled in another member state
}

// procedures is the table of court procedures Relais knows, by jurisdiction.
var procedures = []procedureRule{
	{ProcInjonctionDePayer, []portal.Jurisdiction{portal.JurisdictionFR}, false, false},
	{ProcRefereProvision, []portal.Jurisdiction{portal.JurisdictionFR}, false, false},
	{ProcAssignationAuFond, []portal.Jurisdiction{portal.JurisdictionFR}, false, false},
	{ProcEuropeanOrder, []portal.Jurisdiction{portal.JurisdictionFR, portal.JurisdictionBE}, false, true},
	{ProcUncontestedB2B, []portal.Jurisdiction{portal.JurisdictionBE}, true, false},
	{ProcCitation, []portal.Jurisdiction{portal.JurisdictionBE}, false, false},
}

// Procedures lists the procedures open to a claim of jurisdiction j against
// a debtor of kind k, in table order. crossBorder says whether the European
// order for payment is possible.
func Procedures(j portal.Jurisdiction, k portal.DebtorKind, crossBorder bool) []Procedure {
	var out []Procedure
	for _, r := range procedures {
		if r.allows(j, k, crossBorder) == "" {
			out = append(out, r.proc)
		}
	}
	return out
}

// allows returns "" when the procedure fits, or the reason it does not.
func (r procedureRule) allows(j portal.Jurisdiction, k portal.DebtorKind, crossBorder bool) string {
	ok := false
	var names []string
	for _, x := range r.jurisdictions {
		names = append(names, string(x))
		if x == j {
			ok = true
		}
	}
	switch {
	case !ok:
		return "it exists only in " + strings.Join(names, " and ") + " law"
	case r.businessOnly && k != portal.DebtorBusiness:
		return "it is only for claims against a business debtor (Code judiciaire 1394/20)"
	case r.crossBorder && !crossBorder:
		return "it is only for cross-border claims, where a party lives in another EU member state (Reg. 1896/2006 art. 3)"
	}
	return ""
}

// Snapshot is what the rules need to know about a claim. Build it with
// SnapshotOf or by hand.
type Snapshot struct {
	Stage        portal.Stage
	Status       portal.Status
	Procedure    Procedure // the current procedure, when Stage is litigation or later
	Jurisdiction portal.Jurisdiction
	DebtorKind   portal.DebtorKind
	// CrossBorder is true when the debtor is domiciled in another EU member
	// state than the creditor's courts (needed for the European order).
	CrossBorder bool
}

// SnapshotOf reads a claim (and its debtor, when loaded) into a Snapshot.
// The procedure and the cross-border flag are not Claim fields, so the
// caller passes them.
func SnapshotOf(c *portal.Claim, proc Procedure, crossBorder bool) Snapshot {
	s := Snapshot{Stage: c.Stage, Status: c.Status, Procedure: proc, Jurisdiction: c.Jurisdiction, CrossBorder: crossBorder}
	if c.Debtor != nil {
		s.DebtorKind = c.Debtor.Kind
	}
	return s
}

// MoveKind says what a stage move means, which decides whether a paused
// claim may make it.
type MoveKind string

const (
	// Escalate is a step the creditor takes against the debtor; refused
	// while the claim is disputed or in a payment plan.
	Escalate MoveKind = "escalate"
	// Record notes what a court decided; allowed while paused, because the
	// court does not wait for the portal.
	Record MoveKind = "record"
	// ChangeProcedure switches court procedure within litigation (an
	// injonction de payer opposed goes on as a contested case; a référé
	// refused because the debt is seriously contested goes to the merits).
	ChangeProcedure MoveKind = "change_procedure"
	// DeEscalate goes back to amicable recovery; always allowed while the
	// claim is not ended.
	DeEscalate MoveKind = "de_escalate"
)

// Move is one allowed line of the stage table.
type Move struct {
	From, To portal.Stage
	Kind     MoveKind
	Why      string
}

// stageOrder is the forward order of the stages.
var stageOrder = []portal.Stage{
	portal.StageAmicable,
	portal.StageFormalNotice,
	portal.StagePreLitigation,
	portal.StageLitigation,
	portal.StageJudgment,
	portal.StageEnforcement,
}

// moves is the stage machine: every allowed stage move, and nothing else.
//
// Choices made here, beyond the straight line amicable → enforcement:
//   - pre-litigation (a last letter from an agency or lawyer) is optional:
//     formal notice may go straight to litigation;
//   - no court step without a formal notice first: it fixes the sum and the
//     deadline and, in France, starts consumer interest (Code civil 1344,
//     1231-6); Belgian courts expect it too;
//   - back to amicable from formal notice, pre-litigation and litigation
//     (the action withdrawn after an agreement), never after a judgment:
//     once there is a title, a payment plan is a status (in_plan), not a
//     stage;
//   - enforcement only from judgment: a commissaire de justice / huissier
//     needs an enforceable title (CPCE L111-2, L111-3).
var moves = []Move{
	//  from                      to                         kind             why
	{portal.StageAmicable, portal.StageFormalNotice, Escalate, "reminders went unanswered: send the formal notice"},
	{portal.StageFormalNotice, portal.StagePreLitigation, Escalate, "the notice period passed: last warning before court"},
	{portal.StageFormalNotice, portal.StageLitigation, Escalate, "the notice period passed: go to court (pre-litigation is optional)"},
	{portal.StagePreLitigation, portal.StageLitigation, Escalate, "the last warning went unanswered: go to court"},
	{portal.StageLitigation, portal.StageLitigation, ChangeProcedure, "the procedure changes (opposition, référé refused, contested summons)"},
	{portal.StageLitigation, portal.StageJudgment, Record, "the court gave judgment, or the order was made enforceable"},
	{portal.StageJudgment, portal.StageEnforcement, Escalate, "the judgment is enforceable and unpaid: instruct a bailiff"},
	{portal.StageFormalNotice, portal.StageAmicable, DeEscalate, "the debtor answered or agreed a plan: back to friendly recovery"},
	{portal.StagePreLitigation, portal.StageAmicable, DeEscalate, "the debtor answered or agreed a plan: back to friendly recovery"},
	{portal.StageLitigation, portal.StageAmicable, DeEscalate, "the action is withdrawn after an agreement"},
}

// Moves returns the stage table, for display and documentation.
func Moves() []Move { return append([]Move(nil), moves...) }

// AllowedStages lists the stages a claim at stage from may move to, ignoring
// its status.
func AllowedStages(from portal.Stage) []portal.Stage {
	var out []portal.Stage
	for _, m := range moves {
		if m.From == from {
			out = append(out, m.To)
		}
	}
	return out
}

func findMove(from, to portal.Stage) (Move, bool) {
	for _, m := range moves {
		if m.From == from && m.To == to {
			return m, true
		}
	}
	return Move{}, false
}

func validStage(s portal.Stage) bool {
	for _, x := range stageOrder {
		if x == s {
			return true
		}
	}
	return false
}

func stageIndex(s portal.Stage) int {
	for i, x := range stageOrder {
		if x == s {
			return i
		}
	}
	return -1
}

// stageName is the plain English name of a stage, for messages.
func stageName(s portal.Stage) string { return strings.ReplaceAll(string(s), "_", " ") }

// Ended reports whether a claim with this status is finished: it cannot
// move stage, and no reminders go out.
func Ended(s portal.Status) bool {
	return s == portal.StatusSettled || s == portal.StatusWrittenOff || s == portal.StatusClosed
}

// Pauses reports whether a status pauses escalation and reminders: a
// disputed claim waits for the dispute to be examined, a claim in a payment
// plan waits while the plan is kept.
func Pauses(s portal.Status) bool {
	return s == portal.StatusDisputed || s == portal.StatusInPlan
}

// Transition checks that a claim in state c may move to stage to, with proc
// the court procedure when to is litigation (and empty otherwise). It
// returns nil when the move is allowed, or a *portal.Error:
//   - EINVALID when the request itself breaks the rules whatever the claim's
//     status (unknown stage, a move the table does not have, a procedure
//     missing, unknown or not open to this claim);
//   - ECONFLICT when the move is in the table but the claim's current status
//     forbids it now (disputed, in a plan, settled, written off, closed,
//     already at that stage).
func Transition(c Snapshot, to portal.Stage, proc Procedure) error {
	if !validStage(c.Stage) {
		return portal.FieldError("stage", "the claim's current stage %q is unknown", string(c.Stage))
	}
	if !validStage(to) {
		return portal.FieldError("stage", "unknown stage %q: use one of %s", string(to), joinStages(stageOrder))
	}
	if Ended(c.Status) {
		return portal.Errorf(portal.ECONFLICT, "cannot move the claim to %s: it is %s, and an ended claim no longer moves stage",
			stageName(to), strings.ReplaceAll(statusName(c.Status), "-", " "))
	}
	if !validStatus(c.Status) {
		return portal.FieldError("status", "the claim's current status %q is unknown", string(c.Status))
	}
	if c.Stage == to && to != portal.StageLitigation {
		return portal.Errorf(portal.ECONFLICT, "the claim is already at the %s stage", stageName(to))
	}

	m, ok := findMove(c.Stage, to)
	if !ok {
		return portal.FieldError("stage", "%s", refusal(c.Stage, to))
	}

	if to == portal.StageLitigation {
		if err := checkProcedure(c, proc); err != nil {
			return err
		}
	} else if proc != "" {
		return portal.FieldError("procedure", "a court procedure is chosen only when the claim goes to litigation, not when it moves to %s", stageName(to))
	}

	if m.Kind == Escalate {
		switch c.Status {
		case portal.StatusDisputed:
			return portal.Errorf(portal.ECONFLICT, "cannot escalate a disputed claim: resolve the dispute first")
		case portal.StatusInPlan:
			return portal.Errorf(portal.ECONFLICT, "cannot escalate a claim in a payment plan: end or cancel the plan first")
		}
	}
	return nil
}

// checkProcedure validates the procedure for a move to litigation.
func checkProcedure(c Snapshot, proc Procedure) error {
	if proc == "" {
		return portal.FieldError("procedure", "going to litigation needs a court procedure: one of %s",
			joinProcs(Procedures(c.Jurisdiction, c.DebtorKind, c.CrossBorder)))
	}
	var rule *procedureRule
	for i := range procedures {
		if procedures[i].proc == proc {
			rule = &procedures[i]
		}
	}
	if rule == nil {
		return portal.FieldError("procedure", "unknown court procedure %q", string(proc))
	}
	if why := rule.allows(c.Jurisdiction, c.DebtorKind, c.CrossBorder); why != "" {
		return portal.FieldError("procedure", "the %s procedure is not open to this claim: %s", procName(proc), why)
	}
	if c.Stage == portal.StageLitigation && c.Procedure == proc {
		return portal.Errorf(portal.ECONFLICT, "the claim is already in litigation by %s", procName(proc))
	}
	if proc == ProcUncontestedB2B && c.Status == portal.StatusDisputed {
		return portal.Errorf(portal.ECONFLICT, "cannot use the uncontested procedure for a disputed claim: resolve the dispute first or choose a summons")
	}
	return nil
}

// refusal explains why a move is not in the table.
func refusal(from, to portal.Stage) string {
	allowed := joinStages(AllowedStages(from))
	if allowed == "" {
		allowed = "no other stage"
	}
	fi, ti := stageIndex(from), stageIndex(to)
	switch {
	case to == portal.StageEnforcement:
		return "cannot start enforcement without a judgment: a bailiff needs an enforceable title, so record the judgment first"
	case to == portal.StageJudgment:
		return "cannot record a judgment before the claim is in litigation: start a court procedure first"
	case from == portal.StageAmicable && ti >= stageIndex(portal.StagePreLitigation):
		return "cannot go from amicable to " + stageName(to) + ": send the formal notice first"
	case ti < fi && (from == portal.StageJudgment || from == portal.StageEnforcement):
		return "cannot go back from " + stageName(from) + " to " + stageName(to) + ": a judgment has been given; record a payment plan as a status instead"
	case ti < fi:
		return "cannot go back from " + stageName(from) + " to " + stageName(to) + ": only a return to amicable is allowed (from " + stageName(from) + ": " + allowed + ")"
	}
	return "cannot move from " + stageName(from) + " to " + stageName(to) + ": from " + stageName(from) + " the claim may move to " + allowed
}

// statusMoves is the status machine: every allowed status change.
//
//   - open ↔ disputed: the debtor contests; the creditor examines and
//     either reopens the claim or gives it up;
//   - open ↔ in_plan: a plan is agreed; it ends by being broken or
//     cancelled (back to open) or paid (settled);
//   - in_plan → disputed: the debtor may still contest during a plan;
//   - disputed → in_plan is not direct: reopen the claim first, so that
//     someone has looked at the dispute;
//   - settled → open: a payment was refunded or charged back;
//   - settled → in_plan is not in the table: only ReturnToPlan makes it,
//     when the payment that completed a plan is taken back;
//   - written_off → open or settled: the debtor is found or pays after all;
//   - closed is final.
var statusMoves = map[portal.Status][]portal.Status{
	portal.StatusOpen:       {portal.StatusDisputed, portal.StatusInPlan, portal.StatusSettled, portal.StatusWrittenOff, portal.StatusClosed},
	portal.StatusDisputed:   {portal.StatusOpen, portal.StatusSettled, portal.StatusWrittenOff, portal.StatusClosed},
	portal.StatusInPlan:     {portal.StatusOpen, portal.StatusDisputed, portal.StatusSettled, portal.StatusWrittenOff, portal.StatusClosed},
	portal.StatusSettled:    {portal.StatusOpen},
	portal.StatusWrittenOff: {portal.StatusOpen, portal.StatusSettled},
	portal.StatusClosed:     {},
}

// AllowedStatuses lists the statuses a claim with status from may change to.
func AllowedStatuses(from portal.Status) []portal.Status {
	return append([]portal.Status(nil), statusMoves[from]...)
}

func validStatus(s portal.Status) bool {
	_, ok := statusMoves[s]
	return ok
}

// ChangeStatus checks that a claim in state c may change to status to.
// Errors: EINVALID for an unknown status or a change the table does not
// have; ECONFLICT when the claim already has that status or is closed.
func ChangeStatus(c Snapshot, to portal.Status) error {
	if !validStatus(to) {
		return portal.FieldError("status", "unknown status %q: use open, disputed, in_plan, settled, written_off or closed", string(to))
	}
	if !validStatus(c.Status) {
		return portal.FieldError("status", "the claim's current status %q is unknown", string(c.Status))
	}
	if c.Status == to {
		return portal.Errorf(portal.ECONFLICT, "the claim is already %s", statusName(to))
	}
	if c.Status == portal.StatusClosed {
		return portal.Errorf(portal.ECONFLICT, "cannot change a closed claim: closed is final")
	}
	for _, s := range statusMoves[c.Status] {
		if s == to {
			return nil
		}
	}
	var why string
	switch {
	case c.Status == portal.StatusDisputed && to == portal.StatusInPlan:
		why = "resolve the dispute first (reopen the claim), then agree the plan"
	case c.Status == portal.StatusSettled:
		why = "a settled claim can only be reopened (open), when a payment is refunded or charged back"
	case c.Status == portal.StatusWrittenOff:
		why = "a written-off claim can only be reopened or settled"
	default:
		why = "allowed from " + statusName(c.Status) + ": " + joinStatuses(statusMoves[c.Status])
	}
	return portal.FieldError("status", "cannot change a %s claim to %s: %s", statusName(c.Status), statusName(to), why)
}

// ReturnToPlan checks that a claim in state c may go back to its plan
// (settled → in_plan): the one move outside statusMoves, made by the store
// alone when a payment that had completed a plan, and so settled the
// claim, is reversed, refunded or charged back and reopens the plan's
// instalments. Nobody asks for it (ChangeStatus refuses it): the plan is
// in force again, and its policy may break it at once. Errors: EINVALID
// for any other status.
func ReturnToPlan(c Snapshot) error {
	if c.Status != portal.StatusSettled {
		return portal.FieldError("status", "only a settled claim goes back to its plan, not a %s one", statusName(c.Status))
	}
	return nil
}

func statusName(s portal.Status) string {
	switch s {
	case portal.StatusInPlan:
		return "in-plan"
	case portal.StatusWrittenOff:
		return "written-off"
	}
	return string(s)
}

func procName(p Procedure) string { return strings.ReplaceAll(string(p), "_", " ") }

func joinStages(ss []portal.Stage) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, string(s))
	}
	return strings.Join(parts, ", ")
}

func joinStatuses(ss []portal.Status) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, string(s))
	}
	return strings.Join(parts, ", ")
}

func joinProcs(ps []Procedure) string {
	if len(ps) == 0 {
		return "(none open to this claim)"
	}
	var parts []string
	for _, p := range ps {
		parts = append(parts, string(p))
	}
	return strings.Join(parts, ", ")
}
