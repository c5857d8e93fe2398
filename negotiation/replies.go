package negotiation

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/relais/relais/portal"
)

// PreparedReply is one of a creditor's canned answers, in one language:
// an agent types "/" and its Name in the composer, sees Body filled from
// the claim (FillReply) and sends it as an ordinary message.
type PreparedReply struct {
	ID         string `json:"id"`
	TenantID   string `json:"-"`
	CreditorID string `json:"creditor_id"`
	// Name is the short name typed after "/": lower-case letters, digits,
	// "-" and "_", 1 to 32 of them. One reply per creditor, name and
	// language.
	Name     string `json:"name"`
	Language string `json:"language"`
	// Body is the text with {variables} (ReplyVariables).
	Body      string    `json:"body"`
	UpdatedBy string    `json:"updated_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ReplyVariables are the variables a prepared reply may use, each filled
// from the claim the agent answers on (server: replyValues). {portal_link}
// is the portal's entry address without a link token: a token is a bearer
// secret that would stay readable in the conversation, its transcript and
// the evidence bundle, and the debtor who reads the message is already
// signed in; the entry page asks for the reference and identity again.
var ReplyVariables = []string{
	"agent_name", "balance", "creditor_name", "debtor_name", "next_due_amount", "next_due_date", "portal_link", "reference",
}

// MaxReplyBodyLen bounds a prepared reply; a filled one must still fit a
// message (MaxTextLen).
const MaxReplyBodyLen = 2000

var (
	replyName     = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	replyVariable = regexp.MustCompile(`\{([a-z_]+)\}`)
)

func knownVariable(name string) bool {
	i := sort.SearchStrings(ReplyVariables, name)
	return i < len(ReplyVariables) && ReplyVariables[i] == name
}

// Validate checks a reply before it is stored: EINVALID with the field.
func (r *PreparedReply) Validate() error {
	r.Name, r.Body = strings.TrimSpace(r.Name), strings.TrimSpace(r.Body)
	if !replyName.MatchString(r.Name) {
		return portal.FieldError("name", "The short name is 1 to 32 lower-case letters, digits, - or _, starting with a letter or digit (typed after /).")
	}
	if !portal.ValidLanguage(r.Language) {
		return portal.FieldError("language", "Choose the reply's language: fr, nl, en or de.")
	}
	if r.Body == "" {
		return portal.FieldError("body", "Write the reply's text.")
	}
	if utf8.RuneCountInString(r.Body) > MaxReplyBodyLen || !portal.ValidText(r.Body) {
		return portal.FieldError("body", "The reply's text is at most %d characters of valid text.", MaxReplyBodyLen)
	}
	for _, m := range replyVariable.FindAllStringSubmatch(r.Body, -1) {
		if !knownVariable(m[1]) {
			return portal.FieldError("body", "{%s} is not a variable; use %s.", m[1], "{"+strings.Join(ReplyVariables, "}, {")+"}")
		}
	}
	return nil
}

// Variables lists the variables a reply's body uses, in order of first use.
func (r *PreparedReply) Variables() []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range replyVariable.FindAllStringSubmatch(r.Body, -1) {
		if knownVariable(m[1]) && !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// FillReply replaces each variable of body by its value. A variable the
// claim has no value for (absent or empty in values) is refused with
// EINVALID naming it: a reply is never sent with braces in it.
func FillReply(body string, values map[string]string) (string, error) {
	var missing []string
	out := replyVariable.ReplaceAllStringFunc(body, func(tok string) string {
		name := tok[1 : len(tok)-1]
		if !knownVariable(name) {
			return tok
		}
		v := strings.TrimSpace(values[name])
		if v == "" {
			missing = append(missing, "{"+name+"}")
			return tok
		}
		return v
	})
	if len(missing) > 0 {
		return "", portal.Errorf(portal.EINVALID, "This claim has no value for %s: the reply cannot be sent.", strings.Join(missing, ", "))
	}
	return out, nil
}

// UnfilledVariable returns the first "{variable}" of a prepared reply left
// in text, or "": an agent's message with one is refused.
func UnfilledVariable(text string) string {
	for _, m := range replyVariable.FindAllStringSubmatch(text, -1) {
		if knownVariable(m[1]) {
			return m[0]
		}
	}
	return ""
}

// ReplyStore keeps prepared replies, scoped to a tenant (another tenant's
// reply is ENOTFOUND).
type ReplyStore interface {
	// ListReplies lists the replies of a creditor ("": of every creditor of
	// the tenant), by name then language.
	ListReplies(ctx context.Context, tenantID, creditorID string) ([]*PreparedReply, error)
	FindReply(ctx context.Context, tenantID, id string) (*PreparedReply, error)
	// SaveReply validates r and creates it (ID "") or replaces its name,
	// language and body; ECONFLICT when the creditor already has a reply
	// of that name in that language, ENOTFOUND for an unknown creditor.
	SaveReply(ctx context.Context, r *PreparedReply) error
	DeleteReply(ctx context.Context, tenantID, id string) error
}
