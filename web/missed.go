package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/huehotline/hotline/tickets"
)

// maxMarkAll bounds one "mark all handled": the worklist's filtered set, a page at a
// time, up to this many tickets.
const maxMarkAll = 2000

// handleTicketHandled marks one ticket of the missed-call worklist handled: its row goes
// from the list (htmx), or the list is shown again.
func (s *Server) handleTicketHandled(w http.ResponseWriter, r *http.Request, me *viewer) {
	tk, err := s.loadTicket(r, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	n, err := s.cfg.Store.ResolveMissedCalls(r.Context(), me.Actor, []int64{tk.ID}, r.PostFormValue("note"))
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	if n == 0 && tk.Category != tickets.CategoryMissedCall {
		s.renderError(w, r, me, http.StatusConflict, "Phiếu "+tk.Ref+" không phải cuộc gọi nhỡ; hãy xử lý phiếu trên trang của phiếu.")
		return
	}
	if n == 0 {
		// Say what the ticket is now: someone else's, or no longer open.
		msg := "Phiếu " + tk.Ref + " không còn mở, hoặc đang do người khác xử lý."
		if now, err := s.cfg.Store.GetTicket(r.Context(), me.Actor, tk.ID); err == nil {
			switch {
			case !tickets.IsOpen(now.Status):
				msg = "Phiếu " + tk.Ref + " đã “" + tickets.StatusLabel(now.Status).Vi + "”; không cần đánh dấu nữa."
			case now.AssigneeUserID != nil:
				msg = "Phiếu " + tk.Ref + " đang do " + s.names(r, me).user(*now.AssigneeUserID) + " xử lý; người đó hoặc giám sát viên đánh dấu."
			}
		}
		s.renderError(w, r, me, http.StatusConflict, msg)
		return
	}
	if isHTMX(r) {
		w.WriteHeader(http.StatusOK) // the row is replaced by nothing
		return
	}
	http.Redirect(w, r, "/tickets?view=missed&done=1", http.StatusSeeOther)
}

// handleMissedHandled marks every ticket of the worklist's filtered set handled, in two
// steps: it first says how many it will resolve and asks (the page with the question),
// then resolves those it counted, once confirmed.
func (s *Server) handleMissedHandled(w http.ResponseWriter, r *http.Request, me *viewer) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, me, http.StatusBadRequest, "Yêu cầu không hợp lệ.")
		return
	}
	// The worklist's filters, but never a category: it is missed calls only (and the
	// store resolves nothing else).
	q := url.Values{}
	for _, k := range []string{"q", "status", "priority", "area", "assignee", "from", "to"} {
		if v := r.PostForm.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	q.Set("view", "missed")
	if r.PostForm.Get("confirm") == "yes" {
		ids, err := parseIDs(r.PostForm.Get("ids"))
		if err != nil {
			s.renderError(w, r, me, http.StatusBadRequest, "Danh sách phiếu không hợp lệ; hãy tải lại danh sách rồi làm lại.")
			return
		}
		n, err := s.cfg.Store.ResolveMissedCalls(r.Context(), me.Actor, ids, r.PostForm.Get("note"))
		if err != nil {
			s.fail(w, r, me, err)
			return
		}
		s.log.Info("missed calls marked handled", "username", me.User.Username, "tickets", n, "confirmed", len(ids))
		q.Set("done", strconv.Itoa(n))
		q.Set("asked", strconv.Itoa(len(ids)))
		seeOther(w, r, "/tickets?"+q.Encode())
		return
	}
	_, _, f, err := s.ticketFilter(q, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	list, err := s.worklist(r.Context(), me, f)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	ask := &MarkAllConfirm{Back: "/tickets?" + q.Encode()}
	var ids []string
	for _, t := range list {
		if me.Actor.MayMarkHandled(t) {
			ids = append(ids, strconv.FormatInt(t.ID, 10))
		} else {
			ask.Others++
		}
	}
	ask.Count, ask.IDs = len(ids), strings.Join(ids, ",")
	p, _, err := s.ticketsPage(r, me, q)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	p.MarkAll = ask
	s.render(w, r, http.StatusOK, ticketsPage(p))
}

// parseIDs reads a comma-separated list of ticket ids (at most maxMarkAll).
func parseIDs(s string) ([]int64, error) {
	var ids []int64
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("ticket id %q", f)
		}
		ids = append(ids, id)
	}
	if len(ids) > maxMarkAll {
		return nil, fmt.Errorf("%d tickets, more than %d", len(ids), maxMarkAll)
	}
	return ids, nil
}

// worklist collects the tickets a filter matches, page by page, up to maxMarkAll.
func (s *Server) worklist(ctx context.Context, me *viewer, f tickets.TicketFilter) ([]*tickets.Ticket, error) {
	var list []*tickets.Ticket
	f.Limit, f.After = 200, ""
	for len(list) < maxMarkAll {
		page, err := s.cfg.Store.ListTickets(ctx, me.Actor, f)
		if err != nil {
			return nil, err
		}
		list = append(list, page.Tickets...)
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	if len(list) > maxMarkAll {
		list = list[:maxMarkAll]
	}
	return list, nil
}

// handleTicketCaller links a ticket of a withheld or unknown number to the number the
// caller is known by: the caller panel then shows that number's history, and callbacks
// go to it.
func (s *Server) handleTicketCaller(w http.ResponseWriter, r *http.Request, me *viewer) {
	phone := r.PostFormValue("phone")
	s.ticketAction(w, r, me, "caller", "Đã gắn phiếu với số "+phone+".", func(ctx context.Context, tk *tickets.Ticket) error {
		if phone == "" {
			return tickets.Errorf(tickets.EINVALID, "Hãy nhập số điện thoại của người gọi.")
		}
		return s.cfg.Store.EditTicket(ctx, me.Actor, tk.ID, tickets.TicketEdit{ContactPhone: &phone}, "Gắn với người gọi đã có.")
	})
}
