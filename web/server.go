// Package web serves the call-centre console and the prompts Asterisk plays.
package web

import (
	"bytes"
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/huehotline/hotline/tickets"
)

//go:embed static
var static embed.FS

// Store is what the console reads from the domain's store.
type Store interface {
	ListTickets(ctx context.Context, actor tickets.Actor, f tickets.TicketFilter) (*tickets.TicketPage, error)
	ListCalls(ctx context.Context, f tickets.CallFilter) ([]*tickets.Call, error)
}

// Server is the console's HTTP handler.
type Server struct {
	Store  Store
	Sounds fs.FS // prompts laid out LANG/ID.wav
	Log    *slog.Logger
}

// Handler returns every route of the console, in one place.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleTickets)
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.Handle("GET /sounds/", http.StripPrefix("/sounds/", s.soundsHandler()))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusNotFound, "Không tìm thấy trang này.")
	})
	return mux
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// soundsHandler serves prompts to Asterisk's HTTP media cache. Prompts change only with
// a new build, so Asterisk may keep them for a while.
func (s *Server) soundsHandler() http.Handler {
	files := http.FileServerFS(s.Sounds)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		files.ServeHTTP(w, r)
	})
}

func (s *Server) handleTickets(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// Until sign-in exists (the console issue), this page shows what a supervisor would,
	// with phone numbers masked.
	viewer := tickets.Actor{Name: "anonymous", Role: tickets.RoleSupervisor}
	page, err := s.Store.ListTickets(ctx, viewer, tickets.TicketFilter{Limit: 100})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	calls, err := s.Store.ListCalls(ctx, tickets.CallFilter{Limit: 20})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var p TicketsPage
	for _, t := range page.Tickets {
		row := TicketRow{
			Ref:      t.Ref,
			Category: tickets.CategoryLabel(t.Category).Vi,
			Priority: t.Priority,
			Status:   t.Status,
			Caller:   "không rõ số",
			Keys:     t.IVRKeys,
			Created:  t.CreatedAt.In(tickets.Local).Format("02/01/2006 15:04:05"),
		}
		if t.CallerNumber != nil {
			row.Caller = tickets.MaskPhone(*t.CallerNumber)
		}
		p.Tickets = append(p.Tickets, row)
	}
	for _, c := range calls {
		row := CallRow{
			Started:  c.StartedAt.In(tickets.Local).Format("02/01/2006 15:04:05"),
			Caller:   "không rõ số",
			Language: c.Language,
			Keys:     c.Path.Keys(),
			Outcome:  c.Outcome,
		}
		if c.CallerNumber != nil {
			row.Caller = tickets.MaskPhone(*c.CallerNumber)
		}
		if c.EndedAt != nil {
			row.Duration = c.EndedAt.Sub(c.StartedAt).Round(time.Second).String()
		}
		p.Calls = append(p.Calls, row)
	}
	s.render(w, r, http.StatusOK, ticketsPage(p))
}

// statusFor maps a domain error code to an HTTP status, in one place.
func statusFor(err error) int {
	switch tickets.ErrorCode(err) {
	case tickets.EINVALID:
		return http.StatusBadRequest
	case tickets.ENOTFOUND:
		return http.StatusNotFound
	case tickets.ECONFLICT:
		return http.StatusConflict
	case tickets.EFORBIDDEN:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// fail shows an error page; only internal errors are logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusFor(err)
	if status == http.StatusInternalServerError {
		s.Log.Error("request failed", "path", r.URL.Path, "err", err)
	}
	s.renderError(w, r, status, tickets.ErrorMessage(err))
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, errorPage(status, msg))
}

// render renders into a buffer first, so a failed render never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.Log.Error("render page", "path", r.URL.Path, "err", err)
		http.Error(w, "Hệ thống gặp lỗi khi hiển thị trang.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

func statusText(status int) string {
	return strconv.Itoa(status) + " " + http.StatusText(status)
}
