package server

import (
	"bytes"
	"html/template"

	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/portal"
)

// The unsubscribe page (/u/<token>) is the opt-out link of every reminder.
// The token is the capability, so the form carries no CSRF token: posting it
// again, or posting it from a mail client's one-click unsubscribe (RFC 8058,
// body "List-Unsubscribe=One-Click"), only records the same opt-out.

var unsubscribeText = map[string]map[string]string{
	"fr": {
		"title": "Se désinscrire", "ask": "Ne plus recevoir de messages par %s de la part de %s au sujet de ce dossier ?",
		"button": "Oui, ne plus me contacter par %s", "done": "C'est noté : vous ne recevrez plus de messages par %s de la part de %s au sujet de ce dossier.",
		"note":  "Le dossier reste ouvert et vous pouvez toujours le consulter avec le lien reçu.",
		"email": "e-mail", "sms": "SMS", "letter": "courrier",
	},
	"nl": {
		"title": "Uitschrijven", "ask": "Geen berichten meer ontvangen via %s van %s over dit dossier?",
		"button": "Ja, contacteer mij niet meer via %s", "done": "Genoteerd: u ontvangt geen berichten meer via %s van %s over dit dossier.",
		"note":  "Het dossier blijft open en u kunt het nog altijd bekijken via de ontvangen link.",
		"email": "e-mail", "sms": "sms", "letter": "brief",
	},
	"en": {
		"title": "Unsubscribe", "ask": "Stop receiving messages by %s from %s about this file?",
		"button": "Yes, stop contacting me by %s", "done": "Done: you will no longer receive messages by %s from %s about this file.",
		"note":  "The file stays open and you can still see it with the link you received.",
		"email": "e-mail", "sms": "SMS", "letter": "letter",
	},
	"de": {
		"title": "Abmelden", "ask": "Keine Nachrichten mehr per %s von %s zu diesem Vorgang erhalten?",
		"button": "Ja, nicht mehr per %s kontaktieren", "done": "Erledigt: Sie erhalten keine Nachrichten mehr per %s von %s zu diesem Vorgang.",
		"note":  "Der Vorgang bleibt offen, und Sie können ihn weiterhin über den erhaltenen Link ansehen.",
		"email": "E-Mail", "sms": "SMS", "letter": "Brief",
	},
}

var unsubscribeNotFound = []string{
	"Ce lien n'est pas valide.", "Deze link is niet geldig.", "This link is not valid.", "Dieser Link ist ungültig.",
}

var unsubscribePage = template.Must(template.New("u").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.T.title}}</title><link rel="stylesheet" href="/static/css/relais.css"></head>
<body><main>
{{if .NotFound}}<h1>{{.T.title}}</h1>{{range .NotFound}}<p>{{.}}</p>{{end}}
{{else if .U.Done}}<h1>{{.T.title}}</h1><p class="ok">{{printf .T.done .Channel .U.Creditor}}</p><p>{{.T.note}}</p>
{{else}}<h1>{{.T.title}}</h1><p>{{printf .T.ask .Channel .U.Creditor}}</p>
<form method="post" action="{{.Action}}"><button type="submit">{{printf .T.button .Channel}}</button></form>
<p>{{.T.note}}</p>
{{end}}</main></body></html>
`))

func (s *Server) renderUnsubscribe(c *fiber.Ctx, status int, u *portal.Unsubscribe) error {
	lang := "en"
	data := map[string]any{"Action": c.Path()}
	if u != nil && portal.ValidLanguage(u.Language) {
		lang = u.Language
	}
	t := unsubscribeText[lang]
	data["Lang"], data["T"], data["U"] = lang, t, u
	if u == nil {
		data["NotFound"] = unsubscribeNotFound
	} else {
		data["Channel"] = t[string(u.Channel)]
	}
	var b bytes.Buffer
	if err := unsubscribePage.Execute(&b, data); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return c.Status(status).Send(b.Bytes())
}

func (s *Server) unsubscribeError(c *fiber.Ctx, err error) error {
	if portal.ErrorCode(err) == portal.ENOTFOUND {
		return s.renderUnsubscribe(c, fiber.StatusNotFound, nil)
	}
	return err
}

func (s *Server) handleUnsubscribeShow(c *fiber.Ctx) error {
	if s.deps.OptOuts == nil {
		return s.renderUnsubscribe(c, fiber.StatusNotFound, nil)
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	u, err := s.deps.OptOuts.FindUnsubscribe(ctx, c.Params("token"))
	if err != nil {
		return s.unsubscribeError(c, err)
	}
	return s.renderUnsubscribe(c, fiber.StatusOK, u)
}

func (s *Server) handleUnsubscribeConfirm(c *fiber.Ctx) error {
	if s.deps.OptOuts == nil {
		return s.renderUnsubscribe(c, fiber.StatusNotFound, nil)
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	ctx = portal.WithActor(ctx, portal.Actor{Kind: portal.ActorDebtor, ID: "unsubscribe", IP: c.IP(), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 300)})
	u, err := s.deps.OptOuts.OptOut(ctx, c.Params("token"))
	if err != nil {
		return s.unsubscribeError(c, err)
	}
	return s.renderUnsubscribe(c, fiber.StatusOK, u)
}
