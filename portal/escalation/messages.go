package escalation

import "github.com/relais/relais/portal"

// Message keys for the debtor page. The i18n layer translates them; the
// English texts in DefaultMessages document what each key must say. Keys
// are stable: change the text, never the key.
//
//	stage.<stage>           what the stage means, in plain words
//	stage.<stage>.next      what happens next if nothing is paid
//	status.<status>         a note shown when the status changes the picture
//	procedure.<procedure>   the court procedure, in plain words

// StageKey is the key of the plain-words description of a stage.
func StageKey(s portal.Stage) string { return "stage." + string(s) }

// NextKey is the key of the "what happens next" text of a stage.
func NextKey(s portal.Stage) string { return "stage." + string(s) + ".next" }

// StatusKey is the key of the note shown for a status.
func StatusKey(s portal.Status) string { return "status." + string(s) }

// ProcedureKey is the key of the plain-words name of a procedure.
func ProcedureKey(p Procedure) string { return "procedure." + string(p) }

// DefaultMessages returns the English default text of every key, as a new
// map the caller may keep.
func DefaultMessages() map[string]string {
	return map[string]string{
		"stage.amicable":      "We are asking you to pay a sum that is overdue. Nothing formal has happened yet.",
		"stage.amicable.next": "If the sum stays unpaid, you will receive a formal notice to pay by a set date.",

		"stage.formal_notice":      "You have received a formal notice: a written demand to pay the sum by a set date.",
		"stage.formal_notice.next": "If the sum is not paid or discussed by that date, the creditor may prepare to go to court.",

		"stage.pre_litigation":      "This is the last step before court. You can still pay, propose a payment plan or tell us why you disagree.",
		"stage.pre_litigation.next": "If nothing happens, the creditor may ask a court for an order to pay, which adds costs.",

		"stage.litigation":      "The creditor has asked a court to decide on this debt. You can still pay or contact us.",
		"stage.litigation.next": "The court will decide. If it orders you to pay, the decision can be enforced by a bailiff.",

		"stage.judgment":      "A court has decided that this sum must be paid.",
		"stage.judgment.next": "If the sum is not paid, a bailiff may be instructed to enforce the decision, which adds costs.",

		"stage.enforcement":      "A bailiff has been instructed to enforce the court decision.",
		"stage.enforcement.next": "Contact the bailiff or pay the full sum to stop enforcement measures.",

		"status.open":        "",
		"status.disputed":    "You told us you disagree. Reminders are paused while your answer is examined.",
		"status.in_plan":     "You have a payment plan. Reminders are paused as long as the instalments are paid on time.",
		"status.settled":     "This debt is paid. Thank you.",
		"status.written_off": "The creditor no longer asks for payment of this debt.",
		"status.closed":      "This file is closed.",

		"procedure.injonction_de_payer":        "order for payment (injonction de payer)",
		"procedure.refere_provision":           "summary proceedings for an advance payment (référé-provision)",
		"procedure.assignation_au_fond":        "court case on the merits",
		"procedure.european_order_for_payment": "European order for payment",
		"procedure.uncontested_b2b":            "recovery of an uncontested business debt through a bailiff",
		"procedure.citation":                   "court summons",
	}
}
