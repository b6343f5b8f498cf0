package tickets

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/jmoiron/sqlx"
)

// The anonymity of a community report's reporter (Ticket.ReporterHidden) is kept here, in
// what the store gives a ward or commune officer, so that every page, list, search,
// export and live event built on the store inherits it. A ticket hides its reporter when
// it is filed as a community report, or when the call centre makes it one later
// (EditTicket); nothing ever un-hides one. To an officer:
//
//   - a repeat link says "the same caller": none is shown to or from a ticket whose
//     reporter is hidden;
//   - a merge says "the same matter": it is shown between two tickets that both hide
//     their reporter, or both do not, never across (and MergeTickets no longer makes one
//     across);
//   - the caller's history and searches by number or name never return a ticket through
//     its hidden reporter (ListTickets);
//   - a ticket whose reporter is hidden carries none of their numbers: not the caller's,
//     not the number to call back, not the one keyed in the IVR, not those an agent
//     linked the call to in its trail.

// hiddenNumber is what an officer reads in place of a hidden reporter's number.
const hiddenNumber = "ẩn danh"

// hideReporters takes out of tickets read for an actor what would say who reported a
// ticket whose reporter is hidden from them: the reporter's numbers, and the links that
// would tie the ticket to another.
func hideReporters(ctx context.Context, q sqlxQueryer, actor Actor, list ...*Ticket) error {
	if !actor.scoped() {
		return nil
	}
	var linked []int64
	for _, tk := range list {
		if tk.ReporterHidden {
			tk.CallerID, tk.CallerNumber, tk.ContactPhone = nil, nil, nil
			if _, ok := tk.IVRAnswers["callback"]; ok {
				answers := maps.Clone(tk.IVRAnswers)
				delete(answers, "callback")
				tk.IVRAnswers = answers
			}
		}
		for _, id := range []*int64{tk.RepeatOfID, tk.MergedIntoID} {
			if id != nil {
				linked = append(linked, *id)
			}
		}
	}
	if len(linked) == 0 {
		return nil
	}
	marks, err := ticketMarks(ctx, q, "id", linked)
	if err != nil {
		return err
	}
	hidden := map[int64]bool{}
	for _, m := range marks {
		hidden[m.ID] = m.Hidden
	}
	for _, tk := range list {
		if tk.RepeatOfID != nil && (tk.ReporterHidden || hidden[*tk.RepeatOfID]) {
			tk.RepeatOfID = nil
		}
		if tk.MergedIntoID != nil && tk.ReporterHidden != hidden[*tk.MergedIntoID] {
			tk.MergedIntoID = nil
		}
	}
	return nil
}

// ticketMark is whether a ticket hides its reporter, by id and reference.
type ticketMark struct {
	ID     int64  `db:"id"`
	Ref    string `db:"ref"`
	Hidden bool   `db:"reporter_hidden"`
}

// ticketMarks reads whether the tickets of some ids or references (column "id" or "ref",
// never user input) hide their reporter.
func ticketMarks[K int64 | string](ctx context.Context, q sqlxQueryer, column string, keys []K) ([]ticketMark, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	query, args, err := sqlx.In(`SELECT id, ref, reporter_hidden FROM tickets WHERE `+column+` IN (?)`, keys)
	if err != nil {
		return nil, fmt.Errorf("linked tickets: %w", err)
	}
	var marks []ticketMark
	if err := q.SelectContext(ctx, &marks, q.Rebind(query), args...); err != nil {
		return nil, fmt.Errorf("linked tickets: %w", err)
	}
	return marks, nil
}

// otherTicket is what an officer reads in place of the reference of a ticket they may
// not be pointed to.
const otherTicket = "(phiếu khác)"

// hideTrailLinks takes out of a ticket's trail, as an actor reads it, the events and
// references that would tie the ticket to another across the anonymity rule: a repeat
// of, or repeated by, a ticket that hides its reporter; a merge with a ticket on the
// other side of the rule; such a reference in a note. In the trail of a ticket whose
// reporter is hidden (all of it on that side), the numbers an agent linked the call to
// read hiddenNumber.
func hideTrailLinks(ctx context.Context, q sqlxQueryer, actor Actor, tk *Ticket, evs []*Event) ([]*Event, error) {
	if !actor.scoped() {
		return evs, nil
	}
	var refs []string
	for _, e := range evs {
		for _, s := range []string{e.OldValue, e.NewValue, e.Note} {
			for _, r := range ticketRefIn.FindAllString(s, -1) {
				// A reference is one in any case: "hl-260001" in a note names HL-260001.
				if r = strings.ToUpper(r); r != tk.Ref {
					refs = append(refs, r)
				}
			}
		}
	}
	marks, err := ticketMarks(ctx, q, "ref", refs)
	if err != nil {
		return nil, err
	}
	hiddenRef := map[string]bool{}
	for _, m := range marks {
		hiddenRef[m.Ref] = m.Hidden
	}
	hide := func(ref string, repeat bool) bool {
		ref = strings.ToUpper(ref)
		if ref == tk.Ref {
			return false
		}
		h, known := hiddenRef[ref]
		switch {
		case !known: // a reference of no ticket: nothing to tie, unless the ticket is hidden
			return tk.ReporterHidden
		case repeat:
			return h || tk.ReporterHidden
		}
		return h != tk.ReporterHidden
	}
	out := make([]*Event, 0, len(evs))
	for _, e := range evs {
		repeat := e.Kind == "repeat" || e.Kind == "repeated"
		if (repeat || e.Kind == "merged") && IsTicketRef(e.NewValue) && hide(e.NewValue, repeat) {
			continue
		}
		mask := func(s string) string {
			return ticketRefIn.ReplaceAllStringFunc(s, func(r string) string {
				if hide(r, repeat) {
					return otherTicket
				}
				return r
			})
		}
		c := *e
		c.OldValue, c.NewValue, c.Note = mask(e.OldValue), mask(e.NewValue), mask(e.Note)
		if tk.ReporterHidden && e.Field == "contact_phone" {
			for _, v := range []*string{&c.OldValue, &c.NewValue} {
				if *v != "" {
					*v = hiddenNumber
				}
			}
		}
		out = append(out, &c)
	}
	return out, nil
}
