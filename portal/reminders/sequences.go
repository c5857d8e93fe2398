package reminders

import (
	"sort"
	"strings"

	"github.com/relais/relais/portal"
)

// StepSpec is a step of a built-in sequence.
type StepSpec struct {
	DayOffset int
	Channel   portal.Channel
	Template  string
}

// Builtin is a default sequence shipped with Relais.
type Builtin struct {
	Key   string // "fr-business", "fr-consumer", "be-business", "be-consumer"
	Name  string
	Steps []StepSpec
}

// Builtins are the default sequences, one per jurisdiction and debtor kind.
//
// Belgian consumers (Code of Economic Law, Book XIX): the first reminder is
// free and gives 14 calendar days to pay before any cost or interest runs
// (counted from the day after an e-mail). Its template states this, and the
// next step comes after that period. French consumers: no recovery costs may
// be charged without an enforceable title (CPCE L111-8), so the texts ask
// for the balance only; the formal notice starts interest (Code civil 1231-6).
var Builtins = []Builtin{
	{Key: "fr-business", Name: "France — business debtors", Steps: []StepSpec{
		{3, portal.ChannelEmail, "friendly"},
		{10, portal.ChannelSMS, "sms_reminder"},
		{20, portal.ChannelEmail, "second"},
		{30, portal.ChannelLetter, "formal_notice"},
	}},
	{Key: "fr-consumer", Name: "France — consumers", Steps: []StepSpec{
		{5, portal.ChannelEmail, "friendly"},
		{12, portal.ChannelSMS, "sms_reminder"},
		{22, portal.ChannelEmail, "second"},
		{35, portal.ChannelLetter, "formal_notice"},
	}},
	{Key: "be-business", Name: "Belgium — business debtors", Steps: []StepSpec{
		{3, portal.ChannelEmail, "friendly"},
		{10, portal.ChannelSMS, "sms_reminder"},
		{20, portal.ChannelEmail, "second"},
		{30, portal.ChannelLetter, "formal_notice"},
	}},
	{Key: "be-consumer", Name: "Belgium — consumers (Book XIX)", Steps: []StepSpec{
		{3, portal.ChannelEmail, "be_first_free"},
		{10, portal.ChannelSMS, "sms_reminder"},
		{21, portal.ChannelEmail, "final"},
		{35, portal.ChannelLetter, "formal_notice"},
	}},
}

// BuiltinKey names the default sequence of a jurisdiction and debtor kind.
func BuiltinKey(j portal.Jurisdiction, k portal.DebtorKind) string {
	return strings.ToLower(string(j)) + "-" + string(k)
}

// FindBuiltin returns the built-in sequence with key.
func FindBuiltin(key string) (Builtin, bool) {
	for _, b := range Builtins {
		if b.Key == key {
			return b, true
		}
	}
	return Builtin{}, false
}

// MaxSteps bounds a sequence.
const MaxSteps = 20

// ValidateSequence checks a sequence a creditor defines: a name, 1 to
// MaxSteps steps with offsets from 0 to 365 days in increasing order, a
// known channel and a template of that channel. It numbers the steps.
func ValidateSequence(s *portal.ReminderSequence) error {
	if strings.TrimSpace(s.Name) == "" {
		return portal.FieldError("name", "name is required")
	}
	if len([]rune(s.Name)) > portal.MaxNameLen {
		return portal.FieldError("name", "name is longer than %d characters", portal.MaxNameLen)
	}
	if len(s.Steps) == 0 || len(s.Steps) > MaxSteps {
		return portal.FieldError("steps", "steps must list between 1 and %d steps", MaxSteps)
	}
	prev := -1
	for i, st := range s.Steps {
		f := func(name string) string { return "steps[" + itoa(i) + "]." + name }
		if st.DayOffset < 0 || st.DayOffset > 365 {
			return portal.FieldError(f("day_offset"), "%s must be between 0 and 365 days after the due date", f("day_offset"))
		}
		if st.DayOffset < prev {
			return portal.FieldError(f("day_offset"), "%s must not come before the previous step's day", f("day_offset"))
		}
		prev = st.DayOffset
		if !st.Channel.Valid() {
			return portal.FieldError(f("channel"), "%s must be email, sms or letter", f("channel"))
		}
		t, ok := templates[st.TemplateKey]
		if !ok {
			return portal.FieldError(f("template"), "%s %q is not a known template (one of %s)", f("template"), st.TemplateKey, strings.Join(TemplateKeys(), ", "))
		}
		if t.channel != st.Channel {
			return portal.FieldError(f("template"), "%s %q is a %s template, not %s", f("template"), st.TemplateKey, t.channel, st.Channel)
		}
		st.Position = i + 1
	}
	return nil
}

// Done is a step already handled for a claim (sent, failed, skipped...),
// with the local date it was handled on.
type Done struct {
	StepID string
	On     portal.Date
}

// NextStep returns the first step of steps (in position order) not yet
// done, if it is due on today. A step is due DayOffset days after dueDate,
// and never sooner after the previous step than the sequence spaces them:
// a claim loaded long after its due date receives its steps one by one at
// the sequence's intervals, not all at once.
func NextStep(steps []*portal.ReminderStep, done []Done, dueDate, today portal.Date) (*portal.ReminderStep, bool) {
	ordered := append([]*portal.ReminderStep(nil), steps...)
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].Position < ordered[j].Position })
	doneOn := map[string]portal.Date{}
	for _, d := range done {
		doneOn[d.StepID] = d.On
	}
	var prevOn portal.Date
	prevOffset, hasPrev := 0, false
	for _, st := range ordered {
		if on, ok := doneOn[st.ID]; ok {
			prevOn, prevOffset, hasPrev = on, st.DayOffset, true
			continue
		}
		at := dueDate.AddDays(st.DayOffset)
		if hasPrev {
			if gap := prevOn.AddDays(st.DayOffset - prevOffset); gap.After(at) {
				at = gap
			}
		}
		if today.Before(at) {
			return nil, false
		}
		return st, true
	}
	return nil, false
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
