package reminders

import "github.com/relais/relais/portal"

// emailFooter ends every e-mail with the opt-out link for e-mail.
var emailFooter = map[string]string{
	"fr": "Vous ne souhaitez plus recevoir d'e-mails au sujet de ce dossier ? {{.UnsubscribeURL}}",
	"nl": "Wilt u geen e-mails meer ontvangen over dit dossier? {{.UnsubscribeURL}}",
	"en": "Do not want e-mails about this file any more? {{.UnsubscribeURL}}",
	"de": "Sie möchten keine E-Mails mehr zu diesem Vorgang erhalten? {{.UnsubscribeURL}}",
}

// templates holds every reminder text in fr, nl, en and de. Keys are what a
// sequence step names. SMS texts are kept short: with two links they must
// fit two segments.
var templates = map[string]tmpl{
	"friendly": {channel: portal.ChannelEmail,
		subject: map[string]string{
			"fr": "Rappel : paiement en attente, dossier {{.Reference}}",
			"nl": "Herinnering: openstaande betaling, dossier {{.Reference}}",
			"en": "Reminder: payment outstanding, file {{.Reference}}",
			"de": "Erinnerung: offene Zahlung, Vorgang {{.Reference}}",
		},
		body: map[string]string{
			"fr": `Bonjour {{.DebtorName}},

Sauf erreur de notre part, la somme de {{.Amount}} due à {{.CreditorName}} (dossier {{.Reference}}, échéance du {{.DueDate}}) n'a pas encore été réglée.

Vous pouvez consulter le détail, payer ou proposer un échéancier en ligne :
{{.PortalURL}}

Si vous avez déjà payé, merci de ne pas tenir compte de ce message. Si vous contestez ce montant, vous pouvez nous le dire par le même lien.

Cordialement,
{{.CreditorName}}`,
			"nl": `Beste {{.DebtorName}},

Tenzij wij ons vergissen, is het bedrag van {{.Amount}} verschuldigd aan {{.CreditorName}} (dossier {{.Reference}}, vervaldag {{.DueDate}}) nog niet betaald.

U kunt de details bekijken, betalen of een afbetalingsplan voorstellen via:
{{.PortalURL}}

Hebt u al betaald, dan mag u dit bericht als niet verzonden beschouwen. Betwist u het bedrag, laat het ons dan weten via dezelfde link.

Met vriendelijke groeten,
{{.CreditorName}}`,
			"en": `Dear {{.DebtorName}},

Unless we are mistaken, the sum of {{.Amount}} owed to {{.CreditorName}} (file {{.Reference}}, due on {{.DueDate}}) has not been paid yet.

You can see the details, pay or propose a payment plan online:
{{.PortalURL}}

If you have already paid, please disregard this message. If you dispute the amount, you can tell us through the same link.

Kind regards,
{{.CreditorName}}`,
			"de": `Guten Tag {{.DebtorName}},

sofern wir uns nicht irren, ist der Betrag von {{.Amount}} an {{.CreditorName}} (Vorgang {{.Reference}}, fällig am {{.DueDate}}) noch nicht bezahlt.

Sie können die Einzelheiten einsehen, bezahlen oder eine Ratenzahlung vorschlagen:
{{.PortalURL}}

Falls Sie bereits bezahlt haben, betrachten Sie diese Nachricht bitte als gegenstandslos. Wenn Sie den Betrag bestreiten, teilen Sie uns dies über denselben Link mit.

Mit freundlichen Grüßen
{{.CreditorName}}`,
		},
	},
	"second": {channel: portal.ChannelEmail,
		subject: map[string]string{
			"fr": "Second rappel : dossier {{.Reference}}",
			"nl": "Tweede herinnering: dossier {{.Reference}}",
			"en": "Second reminder: file {{.Reference}}",
			"de": "Zweite Erinnerung: Vorgang {{.Reference}}",
		},
		body: map[string]string{
			"fr": `Bonjour {{.DebtorName}},

Malgré notre précédent rappel, la somme de {{.Amount}} due à {{.CreditorName}} (dossier {{.Reference}}) reste impayée.

Merci de régler ce montant ou de nous contacter sans tarder par votre espace personnel, où vous pouvez payer en une fois, proposer un paiement échelonné ou contester la créance :
{{.PortalURL}}

Cordialement,
{{.CreditorName}}`,
			"nl": `Beste {{.DebtorName}},

Ondanks onze vorige herinnering blijft het bedrag van {{.Amount}} verschuldigd aan {{.CreditorName}} (dossier {{.Reference}}) onbetaald.

Gelieve dit bedrag te betalen of ons snel te contacteren via uw persoonlijke pagina, waar u in één keer kunt betalen, een afbetalingsplan kunt voorstellen of de vordering kunt betwisten:
{{.PortalURL}}

Met vriendelijke groeten,
{{.CreditorName}}`,
			"en": `Dear {{.DebtorName}},

Despite our previous reminder, the sum of {{.Amount}} owed to {{.CreditorName}} (file {{.Reference}}) remains unpaid.

Please pay this amount or contact us without delay through your personal page, where you can pay at once, propose a payment plan or dispute the claim:
{{.PortalURL}}

Kind regards,
{{.CreditorName}}`,
			"de": `Guten Tag {{.DebtorName}},

trotz unserer letzten Erinnerung ist der Betrag von {{.Amount}} an {{.CreditorName}} (Vorgang {{.Reference}}) weiterhin offen.

Bitte begleichen Sie den Betrag oder kontaktieren Sie uns umgehend über Ihre persönliche Seite, auf der Sie sofort bezahlen, eine Ratenzahlung vorschlagen oder die Forderung bestreiten können:
{{.PortalURL}}

Mit freundlichen Grüßen
{{.CreditorName}}`,
		},
	},
	"final": {channel: portal.ChannelEmail,
		subject: map[string]string{
			"fr": "Dernier rappel avant mise en demeure : dossier {{.Reference}}",
			"nl": "Laatste herinnering vóór ingebrekestelling: dossier {{.Reference}}",
			"en": "Final reminder before formal notice: file {{.Reference}}",
			"de": "Letzte Erinnerung vor der Mahnung: Vorgang {{.Reference}}",
		},
		body: map[string]string{
			"fr": `Bonjour {{.DebtorName}},

La somme de {{.Amount}} due à {{.CreditorName}} (dossier {{.Reference}}, échéance du {{.DueDate}}) reste impayée malgré nos rappels.

Sans paiement ni contact de votre part, une mise en demeure vous sera adressée. Vous pouvez encore payer, proposer un échéancier ou contester la créance ici :
{{.PortalURL}}

Cordialement,
{{.CreditorName}}`,
			"nl": `Beste {{.DebtorName}},

Het bedrag van {{.Amount}} verschuldigd aan {{.CreditorName}} (dossier {{.Reference}}, vervaldag {{.DueDate}}) blijft ondanks onze herinneringen onbetaald.

Zonder betaling of contact van uw kant ontvangt u een ingebrekestelling. U kunt nog betalen, een afbetalingsplan voorstellen of de vordering betwisten via:
{{.PortalURL}}

Met vriendelijke groeten,
{{.CreditorName}}`,
			"en": `Dear {{.DebtorName}},

The sum of {{.Amount}} owed to {{.CreditorName}} (file {{.Reference}}, due on {{.DueDate}}) remains unpaid despite our reminders.

Without payment or contact from you, a formal notice will be sent to you. You can still pay, propose a payment plan or dispute the claim here:
{{.PortalURL}}

Kind regards,
{{.CreditorName}}`,
			"de": `Guten Tag {{.DebtorName}},

der Betrag von {{.Amount}} an {{.CreditorName}} (Vorgang {{.Reference}}, fällig am {{.DueDate}}) ist trotz unserer Erinnerungen weiterhin offen.

Ohne Zahlung oder Nachricht von Ihnen erhalten Sie eine förmliche Mahnung. Sie können noch bezahlen, eine Ratenzahlung vorschlagen oder die Forderung bestreiten:
{{.PortalURL}}

Mit freundlichen Grüßen
{{.CreditorName}}`,
		},
	},
	// be_first_free is the Belgian consumer's first reminder (Code of
	// Economic Law, Book XIX): free, with 14 calendar days to pay from the
	// day after the e-mail before any cost or interest.
	"be_first_free": {channel: portal.ChannelEmail,
		subject: map[string]string{
			"fr": "Premier rappel gratuit : dossier {{.Reference}}",
			"nl": "Eerste kosteloze herinnering: dossier {{.Reference}}",
			"en": "First free reminder: file {{.Reference}}",
			"de": "Erste kostenlose Erinnerung: Vorgang {{.Reference}}",
		},
		body: map[string]string{
			"fr": `Bonjour {{.DebtorName}},

La somme de {{.Amount}} due à {{.CreditorName}} (dossier {{.Reference}}, échéance du {{.DueDate}}) n'a pas encore été payée.

Ce premier rappel est gratuit. Vous disposez de 14 jours calendrier, jusqu'au {{.PayBy}} inclus, pour payer sans aucuns frais ni intérêts de retard (Code de droit économique, livre XIX).

Consulter le détail et payer en ligne :
{{.PortalURL}}

Si vous avez déjà payé, ne tenez pas compte de ce message.

Cordialement,
{{.CreditorName}}`,
			"nl": `Beste {{.DebtorName}},

Het bedrag van {{.Amount}} verschuldigd aan {{.CreditorName}} (dossier {{.Reference}}, vervaldag {{.DueDate}}) is nog niet betaald.

Deze eerste herinnering is kosteloos. U hebt 14 kalenderdagen, tot en met {{.PayBy}}, om te betalen zonder kosten of nalatigheidsinteresten (Wetboek van economisch recht, boek XIX).

Details bekijken en online betalen:
{{.PortalURL}}

Hebt u al betaald, dan mag u dit bericht negeren.

Met vriendelijke groeten,
{{.CreditorName}}`,
			"en": `Dear {{.DebtorName}},

The sum of {{.Amount}} owed to {{.CreditorName}} (file {{.Reference}}, due on {{.DueDate}}) has not been paid yet.

This first reminder is free of charge. You have 14 calendar days, until {{.PayBy}} inclusive, to pay without any costs or late interest (Belgian Code of Economic Law, Book XIX).

See the details and pay online:
{{.PortalURL}}

If you have already paid, please disregard this message.

Kind regards,
{{.CreditorName}}`,
			"de": `Guten Tag {{.DebtorName}},

der Betrag von {{.Amount}} an {{.CreditorName}} (Vorgang {{.Reference}}, fällig am {{.DueDate}}) ist noch nicht bezahlt.

Diese erste Erinnerung ist kostenlos. Sie haben 14 Kalendertage, bis einschließlich {{.PayBy}}, um ohne Kosten oder Verzugszinsen zu zahlen (belgisches Wirtschaftsgesetzbuch, Buch XIX).

Einzelheiten ansehen und online bezahlen:
{{.PortalURL}}

Falls Sie bereits bezahlt haben, betrachten Sie diese Nachricht bitte als gegenstandslos.

Mit freundlichen Grüßen
{{.CreditorName}}`,
		},
	},
	"sms_reminder": {channel: portal.ChannelSMS,
		body: map[string]string{
			"fr": "{{.CreditorName}}: {{.Amount}} restent dus (dossier {{.Reference}}). Detail et paiement: {{.PortalURL}} Stop SMS: {{.UnsubscribeURL}}",
			"nl": "{{.CreditorName}}: {{.Amount}} staat nog open (dossier {{.Reference}}). Details en betalen: {{.PortalURL}} Stop sms: {{.UnsubscribeURL}}",
			"en": "{{.CreditorName}}: {{.Amount}} is still due (file {{.Reference}}). Details and payment: {{.PortalURL}} Stop SMS: {{.UnsubscribeURL}}",
			"de": "{{.CreditorName}}: {{.Amount}} sind noch offen (Vorgang {{.Reference}}). Details und Zahlung: {{.PortalURL}} SMS abbestellen: {{.UnsubscribeURL}}",
		},
	},
	"sms_final": {channel: portal.ChannelSMS,
		body: map[string]string{
			"fr": "{{.CreditorName}}: dernier rappel, {{.Amount}} impayes (dossier {{.Reference}}). Payez ou repondez: {{.PortalURL}} Stop SMS: {{.UnsubscribeURL}}",
			"nl": "{{.CreditorName}}: laatste herinnering, {{.Amount}} onbetaald (dossier {{.Reference}}). Betaal of reageer: {{.PortalURL}} Stop sms: {{.UnsubscribeURL}}",
			"en": "{{.CreditorName}}: final reminder, {{.Amount}} unpaid (file {{.Reference}}). Pay or reply: {{.PortalURL}} Stop SMS: {{.UnsubscribeURL}}",
			"de": "{{.CreditorName}}: letzte Erinnerung, {{.Amount}} offen (Vorgang {{.Reference}}). Zahlen oder antworten: {{.PortalURL}} SMS abbestellen: {{.UnsubscribeURL}}",
		},
	},
	// formal_notice is the text of the letter to print when no letter
	// generator is configured (mise en demeure / ingebrekestelling).
	"formal_notice": {channel: portal.ChannelLetter,
		subject: map[string]string{
			"fr": "Mise en demeure — dossier {{.Reference}}",
			"nl": "Ingebrekestelling — dossier {{.Reference}}",
			"en": "Formal notice — file {{.Reference}}",
			"de": "Mahnung und Zahlungsaufforderung — Vorgang {{.Reference}}",
		},
		body: map[string]string{
			"fr": `{{.DebtorName}},

Malgré nos rappels, la somme de {{.Amount}} due à {{.CreditorName}} au titre du dossier {{.Reference}} (échéance du {{.DueDate}}) demeure impayée.

Par la présente, nous vous mettons en demeure de régler cette somme dans un délai de quinze jours à compter de la réception de ce courrier.

Vous pouvez consulter le détail de la créance, payer, proposer un échéancier ou la contester à l'adresse suivante : {{.PortalURL}}

À défaut de paiement dans ce délai, nous pourrons engager une procédure judiciaire.

{{.CreditorName}}`,
			"nl": `{{.DebtorName}},

Ondanks onze herinneringen blijft het bedrag van {{.Amount}} verschuldigd aan {{.CreditorName}} voor dossier {{.Reference}} (vervaldag {{.DueDate}}) onbetaald.

Wij stellen u hierbij in gebreke om dit bedrag te betalen binnen vijftien dagen na ontvangst van deze brief.

U kunt de details van de vordering bekijken, betalen, een afbetalingsplan voorstellen of de vordering betwisten via: {{.PortalURL}}

Zonder betaling binnen deze termijn kunnen wij een gerechtelijke procedure starten.

{{.CreditorName}}`,
			"en": `{{.DebtorName}},

Despite our reminders, the sum of {{.Amount}} owed to {{.CreditorName}} for file {{.Reference}} (due on {{.DueDate}}) remains unpaid.

We hereby give you formal notice to pay this sum within fifteen days of receiving this letter.

You can see the details of the claim, pay, propose a payment plan or dispute it at: {{.PortalURL}}

Failing payment within this period, we may start court proceedings.

{{.CreditorName}}`,
			"de": `{{.DebtorName}},

trotz unserer Erinnerungen ist der Betrag von {{.Amount}} an {{.CreditorName}} für Vorgang {{.Reference}} (fällig am {{.DueDate}}) weiterhin offen.

Wir fordern Sie hiermit förmlich auf, diesen Betrag innerhalb von fünfzehn Tagen nach Erhalt dieses Schreibens zu zahlen.

Sie können die Einzelheiten der Forderung einsehen, bezahlen, eine Ratenzahlung vorschlagen oder die Forderung bestreiten unter: {{.PortalURL}}

Ohne Zahlung innerhalb dieser Frist können wir gerichtliche Schritte einleiten.

{{.CreditorName}}`,
		},
	},
}
