package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

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

// handleMissedHandled marks every ticket of the worklist's filtered set handled.
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
	_, _, f, err := s.ticketFilter(q, me)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	ids, err := s.worklistIDs(r.Context(), me, f)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	n, err := s.cfg.Store.ResolveMissedCalls(r.Context(), me.Actor, ids, r.PostForm.Get("note"))
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	s.log.Info("missed calls marked handled", "username", me.User.Username, "tickets", n)
	q.Set("done", strconv.Itoa(n))
	seeOther(w, r, "/tickets?"+q.Encode())
}

// worklistIDs collects the tickets a filter matches, page by page.
func (s *Server) worklistIDs(ctx context.Context, me *viewer, f tickets.TicketFilter) ([]int64, error) {
	var ids []int64
	f.Limit, f.After = 200, ""
	for len(ids) < maxMarkAll {
		page, err := s.cfg.Store.ListTickets(ctx, me.Actor, f)
		if err != nil {
			return nil, err
		}
		for _, t := range page.Tickets {
			ids = append(ids, t.ID)
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	return ids, nil
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
