package server

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/relais/relais/static"
)

// routes is the one table of every route the app serves, grouped by who
// calls it. The OpenAPI document and the authorisation tests are checked
// against the app's routes, so a route added here without them fails CI.
func (s *Server) routes() {
	app := s.app

	// Probes for orchestrators and load balancers.
	app.Get("/livez", s.handleLivez)
	app.Get("/readyz", s.handleReadyz)
	app.Get("/healthz", s.handleHealthz)

	// The home page: what Relais is, and to open the link of the letter.
	app.Get("/", s.handleHome)

	// Embedded assets, immutable for a release.
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.FS), MaxAge: 3600}))
	app.Get("/favicon.ico", s.handleFavicon)

	// The evidence bundle checker and the signing keys it checks against,
	// public: a court uses them without an account.
	app.Get("/verify", s.handleVerifyPage)
	app.Get("/verify/public-key", s.handleEvidencePublicKey)

	// Creditor API, authenticated by API key.
	app.Get("/api/openapi.json", s.handleOpenAPI)
	api := app.Group("/api/v1", s.requireAPIKey)
	api.Use(s.idempotency) // Idempotency-Key on POSTs (issue 19, idempotency.go)
	api.Post("/claims", s.handleClaimCreate)
	api.Get("/claims", s.handleClaimList)
	api.Get("/exports/claims.csv", s.handleClaimExport)
	api.Post("/claims/import", s.handleClaimImport)
	// Every route under one claim first checks that the claim is the
	// tenant's: another tenant's claim is 404 whatever the route or body.
	claim := api.Group("/claims/:id", s.requireClaim)
	claim.Get("", s.handleClaimShow)
	claim.Post("/payments", s.handlePaymentCreate)
	claim.Post("/payments/:payment_id/reverse", s.handlePaymentReverse)
	claim.Post("/credit-notes", s.handleCreditNoteCreate)
	claim.Patch("/debtor", s.handleDebtorContactUpdate)
	claim.Get("/events", s.handleEventList)
	claim.Get("/instalments", s.handleInstalmentList)
	claim.Get("/promises", s.handlePromiseList)
	claim.Post("/promises", s.handlePromiseCreate)
	claim.Get("/balance", s.handleClaimBalance)
	claim.Post("/links", s.handleLinkCreate)
	claim.Get("/links", s.handleLinkList)
	claim.Delete("/links/:link_id", s.handleLinkRevoke)
	claim.Get("/disputes", s.handleDisputeList)
	claim.Post("/disputes/:dispute_id/resolve", s.handleDisputeResolve)
	claim.Get("/disputes/:dispute_id/files/:file_id", s.handleDisputeFile)
	// Negotiation: offers reach the creditor (CPCE R124-5), and the policy.
	claim.Get("/offers", s.handleOfferList)
	claim.Get("/conversation", s.handleConversationShow)
	claim.Get("/conversation.pdf", s.handleConversationTranscript("pdf")) // the transcript (issue 21)
	claim.Get("/conversation.csv", s.handleConversationTranscript("csv"))
	claim.Get("/policy", s.handlePolicyShow)
	claim.Put("/policy", s.handleClaimPolicyUpdate)
	api.Put("/creditors/:id/policy", s.handleCreditorPolicyUpdate)
	api.Get("/creditors/:id/policy", s.handleCreditorPolicyShow)
	// Creditors of the tenant (issue 19).
	api.Get("/creditors", s.handleCreditorList)
	api.Post("/creditors", s.handleCreditorCreate)
	api.Get("/creditors/:id", s.handleCreditorShow)
	api.Patch("/creditors/:id", s.handleCreditorUpdate)
	// The account log: who changed the account's settings, and what.
	api.Get("/account-log", s.handleAccountLog)
	// Escalation, timeline, letters and evidence.
	claim.Post("/stage", s.handleClaimStage)
	claim.Post("/status", s.handleClaimStatus)
	claim.Post("/dates", s.handleClaimDates)
	claim.Get("/timeline", s.handleClaimTimeline)
	claim.Post("/letters", s.handleLetterCreate)
	claim.Get("/letters", s.handleLetterList)
	claim.Get("/letters/:letter_id.pdf", s.handleLetterPDF)
	claim.Post("/letters/:letter_id/sent", s.handleLetterSent)
	api.Get("/letters/to-print", s.handleLettersToPrint)
	claim.Get("/evidence.zip", s.handleEvidenceBundle)
	claim.Get("/court", s.handleCourtOffers)
	claim.Get("/court/fr-injonction.pdf", s.handleCourtFRInjonction)
	claim.Get("/court/bordereau.pdf", s.handleCourtFRBordereau)
	claim.Get("/court/eu-form-a.json", s.handleCourtFormAJSON)
	claim.Get("/court/eu-form-a.pdf", s.handleCourtFormAPDF)
	claim.Get("/court/be-file.pdf", s.handleCourtBEFile)
	claim.Get("/court/documents", s.handleCourtDocuments)
	claim.Get("/court/documents/:file_id", s.handleCourtDocument)
	claim.Post("/court/:document", s.handleCourtRecord) // recorded as evidence
	api.Get("/evidence/public-key", s.handleEvidencePublicKey)
	// Reminders.
	claim.Put("/sequence", s.handleClaimSequenceSet)
	claim.Get("/reminders", s.handleClaimReminders)
	claim.Post("/reminders/:send_id/bounce", s.handleReminderBounce)
	api.Get("/sequences", s.handleSequenceList)
	api.Post("/sequences", s.handleSequenceCreate)
	api.Get("/template-texts", s.handleTemplateTextList)
	api.Put("/template-texts/:template/:language", s.handleTemplateTextSet)
	api.Delete("/template-texts/:template/:language", s.handleTemplateTextReset)
	// Bank statement reconciliation.
	api.Post("/statements", s.handleStatementImport)
	api.Get("/statements/:id", s.handleStatementShow)
	api.Post("/statements/:id/suggestions/:line_id/accept", s.handleStatementAccept)
	// Personal data: the retention policy, and a debtor's access request
	// (POST: the body names the debtor, never the URL).
	api.Get("/retention", s.handleRetentionShow)
	api.Put("/retention", s.handleRetentionUpdate)
	api.Post("/debtors/export", s.handleDebtorExport)
	// Automatic assignment of waiting conversations to agents (issue 21).
	api.Get("/assignment", s.handleAssignmentShow)
	api.Put("/assignment", s.handleAssignmentUpdate)
	// Interest rates, shared by every tenant: read by any key, changed by
	// the tenants the operator lists (--rate-editors).
	api.Get("/rates", s.handleRatesShow)
	api.Put("/rates/:series/:from", s.handleRateSet)
	// Webhook endpoints of the tenant (issue 19): signed deliveries of its
	// claims' events.
	api.Post("/webhooks", s.handleWebhookCreate)
	api.Get("/webhooks", s.handleWebhookList)
	api.Delete("/webhooks/:id", s.handleWebhookDelete)
	api.Get("/webhooks/:id", s.handleWebhookShow)
	api.Post("/webhooks/:id/rotate", s.handleWebhookRotate)
	api.Post("/webhooks/:id/disable", s.handleWebhookDisable)
	api.Post("/webhooks/:id/enable", s.handleWebhookEnable)
	api.Get("/webhooks/:id/deliveries", s.handleWebhookDeliveries)
	api.Post("/webhooks/:id/deliveries/:delivery_id/resend", s.handleWebhookResend)
	api.Get("/event-kinds", s.handleEventKinds)

	// Debtor portal: server-rendered pages in the debtor's language. The
	// fixed paths come before /p/:token, which takes any other segment.
	p := app.Group("/p", s.portalMiddleware)
	p.Get("/", s.handlePortalHome)
	p.Post("/identity", s.handlePortalIdentity)
	// The one-time code of the second factor, and a new one on request.
	p.Post("/code", s.handlePortalCode)
	p.Post("/code/resend", s.handlePortalCodeResend)
	p.Post("/signout", s.handlePortalSignOut)
	p.Get("/computation", s.handlePortalComputation)
	p.Get("/contest", s.handlePortalContestForm)
	p.Post("/contest", s.handlePortalContest)
	p.Get("/lang/:lang", s.handlePortalLang)
	p.Post("/pay/card", s.handlePortalPayCard)
	p.Post("/pay/setup", s.handlePortalPaySetup)
	p.Post("/plan/move", s.handlePortalPlanMove)
	p.Post("/plan/method", s.handlePortalPlanMethod)
	p.Post("/plan/hardship", s.handlePortalPlanHardship)
	p.Get("/pay/return", s.handlePortalPayReturn)
	p.Get("/pay/qr.png", s.handlePortalPayQR)
	p.Post("/promise", s.handlePortalPromise)
	// Live chat of the debtor on the verified portal session (websocket;
	// Origin must be the base URL).
	p.Get("/chat", s.handleDebtorChat)
	p.Get("/agreements/:id/pdf", s.handleDebtorAgreementPDF)
	p.Get("/agreements/:id/mandate.pdf", s.handleDebtorMandatePDF)
	// The receipt of a claim paid in full (issue 24.11).
	p.Get("/receipt.pdf", s.handlePortalReceipt)
	// The satisfaction question after a resolved conversation (issue 21).
	p.Post("/survey", s.handlePortalSurvey)
	p.Get("/:token", s.handlePortalOpen)

	// Debtor-facing opt-out link of every reminder; the token is the capability.
	app.Get("/u/:token", s.handleUnsubscribeShow)
	app.Post("/u/:token", s.handleUnsubscribeConfirm)

	// Provider webhooks, authenticated by their signature.
	app.Post("/webhooks/stripe", s.handleStripeWebhook)

	// Live chat of agents on their console session (websocket; Origin must
	// be the base URL).
	app.Get("/console/chat/:id", s.handleConsoleChat)
	// The queue page's live updates (websocket, same Origin rule).
	app.Get("/console/queue/live", s.handleConsoleQueueLive)

	// Agent console: sign-in, then pages behind the session cookie, with
	// the session's CSRF token on every form.
	app.Get("/console/login", s.handleConsoleLoginForm)
	app.Post("/console/login", s.handleConsoleLogin)
	con := app.Group("/console", s.requireConsole)
	con.Post("/logout", s.handleConsoleLogout)
	con.Post("/language", s.handleConsoleLanguage)
	con.Post("/away", s.handleConsoleAway) // the user marks themselves away or back (issue 21)
	con.Get("/", s.handleConsoleQueue)
	con.Get("/dashboard", s.handleConsoleDashboard)           // any role: it only reads
	con.Get("/dashboard.csv", s.handleConsoleDashboardExport) // any role
	con.Get("/claims", s.handleConsoleClaims)
	// The creditor's back-office (issue 18): agents and owners create and
	// import claims and change them; any user reads the claim's page.
	con.Get("/claims/new", s.handleConsoleClaimNew)
	con.Post("/claims", s.handleConsoleClaimCreate)
	con.Get("/claims/import", s.handleConsoleImportForm)
	con.Post("/claims/import", s.handleConsoleImportPreview)
	con.Post("/claims/import/confirm", s.handleConsoleImportConfirm)
	con.Get("/claims/:id/manage", s.handleConsoleClaimManage)
	con.Post("/claims/:id/debtor", s.handleConsoleDebtorContact)
	con.Post("/claims/:id/payments", s.handleConsolePayment)
	con.Post("/claims/:id/payments/:payment_id/reverse", s.handleConsolePaymentReverse)
	con.Post("/claims/:id/credit-notes", s.handleConsoleCreditNote)
	con.Post("/claims/:id/promises", s.handleConsolePromise)
	con.Post("/claims/:id/links", s.handleConsoleLinkIssue)
	con.Post("/claims/:id/links/:link_id/revoke", s.handleConsoleLinkRevoke)
	con.Post("/claims/:id/letters", s.handleConsoleLetter)
	con.Get("/claims/:id/letters/:letter_id.pdf", s.handleConsoleLetterPDF)
	con.Post("/claims/:id/letters/:letter_id/sent", s.handleConsoleLetterSent)
	con.Post("/claims/:id/stage", s.handleConsoleStage)
	con.Post("/claims/:id/status", s.handleConsoleStatus)
	con.Post("/claims/:id/dates", s.handleConsoleDates)
	con.Post("/claims/:id/sequence", s.handleConsoleClaimSequence)
	con.Get("/claims.csv", s.handleConsoleClaimExport)
	con.Get("/claims/:id", s.handleConsoleClaim)
	con.Get("/claims/:id/evidence.zip", s.handleConsoleEvidenceBundle)
	con.Get("/claims/:id/timeline", s.handleConsoleTimeline)
	con.Get("/claims/:id/receipt.pdf", s.handleConsoleReceipt)            // agents and owners
	con.Get("/claims/:id/debtor-export.zip", s.handleConsoleDebtorExport) // owners only
	con.Post("/claims/:id/conversation", s.handleConsoleOpenConversation)
	con.Get("/conversations/:id", s.handleConsoleConversation)
	con.Post("/conversations/:id/take", s.handleConsoleTake)
	con.Get("/conversations/:id/transcript.pdf", s.handleConsoleTranscript("pdf")) // ?notes=1: owners only
	con.Get("/conversations/:id/transcript.csv", s.handleConsoleTranscript("csv"))
	con.Post("/conversations/:id/resolve", s.handleConsoleResolve)
	// The page was seen up to seq (console-notify.js): unread counts.
	con.Post("/conversations/:id/read", s.handleConsoleRead)
	con.Get("/satisfaction", s.handleConsoleSatisfaction) // the survey's answers
	con.Get("/agreements/:id/pdf", s.handleConsoleAgreementPDF)
	// Prepared replies of the creditors (issue 21), kept by owners.
	con.Get("/replies", s.handleConsoleReplies)
	con.Post("/replies", s.handleConsoleReplySave)
	con.Get("/replies/:reply_id", s.handleConsoleReplyEdit)
	con.Post("/replies/:reply_id", s.handleConsoleReplySave)
	con.Post("/replies/:reply_id/delete", s.handleConsoleReplyDelete)
	con.Post("/assignment", s.handleConsoleAssignmentSet) // owners: automatic assignment, a form of the replies page
	con.Get("/rates", s.handleConsoleRates)
	con.Post("/rates", s.handleConsoleRateSet) // owners of a rate-editor tenant
	// Disputes: read by any user of the tenant, resolved by agents and owners.
	con.Get("/claims/:id/disputes/:dispute_id", s.handleConsoleDispute)
	con.Get("/claims/:id/disputes/:dispute_id/files/:file_id", s.handleConsoleDisputeFile)
	con.Post("/claims/:id/disputes/:dispute_id/resolve", s.handleConsoleDisputeResolve)
	// Court documents (issue 23): agents and owners.
	con.Get("/claims/:id/court/fr-injonction.pdf", s.handleConsoleCourtDraft("fr-injonction")) // drafts, marked on every page
	con.Get("/claims/:id/court/bordereau.pdf", s.handleConsoleCourtDraft("bordereau"))
	con.Get("/claims/:id/court/eu-form-a.pdf", s.handleConsoleCourtDraft("eu-form-a"))
	con.Get("/claims/:id/court/be-file.pdf", s.handleConsoleCourtDraft("be-file"))
	con.Post("/claims/:id/court/:document", s.handleConsoleCourtRecord)
	con.Get("/claims/:id/court/documents/:file_id", s.handleConsoleCourtDocument)
	// Rules and money (issue 18): any user reads, owners configure.
	con.Get("/policy", s.handleConsolePolicy)
	con.Post("/policy", s.handleConsolePolicySet) // owners
	con.Get("/statements", s.handleConsoleStatements)
	con.Post("/statements", s.handleConsoleStatementImport) // agents and owners, as below
	con.Get("/statements/:id", s.handleConsoleStatement)
	con.Post("/statements/:id/lines/:line_id/accept", s.handleConsoleStatementAccept)
	con.Get("/letters", s.handleConsoleLetters)
	con.Get("/letters/print.pdf", s.handleConsoleLettersPDF)
	con.Post("/letters/posted", s.handleConsoleLettersPosted)
	con.Get("/sequences", s.handleConsoleSequences)
	con.Post("/sequences", s.handleConsoleSequenceCreate)     // owners
	con.Post("/sequences/:id", s.handleConsoleSequenceUpdate) // owners, before a reminder was sent from it
	con.Get("/sequences/templates/:key", s.handleConsoleTemplate)
	con.Post("/sequences/templates/:key/:lang", s.handleConsoleTemplateText) // owners
	con.Get("/retention", s.handleConsoleRetention)
	con.Post("/retention", s.handleConsoleRetentionSet) // owners
	// Webhook endpoints (issue 19): read by any user, changed by owners.
	con.Get("/webhooks", s.handleConsoleWebhooks)
	con.Post("/webhooks", s.handleConsoleWebhookCreate)
	con.Get("/webhooks/:id", s.handleConsoleWebhook)
	con.Post("/webhooks/:id/rotate", s.handleConsoleWebhookRotate)
	con.Post("/webhooks/:id/disable", s.handleConsoleWebhookDisable)
	con.Post("/webhooks/:id/enable", s.handleConsoleWebhookEnable)
	con.Post("/webhooks/:id/delete", s.handleConsoleWebhookDelete)
	con.Post("/webhooks/:id/deliveries/:delivery_id/resend", s.handleConsoleWebhookResend)

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
