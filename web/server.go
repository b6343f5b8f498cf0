// Package web serves the call-centre console and the prompts Asterisk plays.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
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
	ListCalls(ctx context.Context, actor tickets.Actor, f tickets.CallFilter) ([]*tickets.Call, error)
	RecordingsOf(ctx context.Context, actor tickets.Actor, ticketIDs []int64) (map[int64][]*tickets.Recording, error)
	GetRecording(ctx context.Context, actor tickets.Actor, id int64) (*tickets.Recording, error)
}

// Server is the console's HTTP handler.
type Server struct {
	Store  Store
	Sounds fs.FS // prompts laid out LANG/ID.wav
	Log    *slog.Logger
	// Recordings is the folder voice messages are kept in (tickets.Recording.Path is
	// relative to it).
	Recordings string
}

// viewer is who the console acts for. Until sign-in exists (the console issue), pages
// show what a supervisor would, with phone numbers masked.
var viewer = tickets.Actor{Name: "anonymous", Role: tickets.RoleSupervisor}

// Handler returns every route of the console, in one place.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleTickets)
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /recordings/{id}", s.handleRecording)
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
	page, err := s.Store.ListTickets(ctx, viewer, tickets.TicketFilter{Limit: 100})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	calls, err := s.Store.ListCalls(ctx, viewer, tickets.CallFilter{Limit: 20})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids := make([]int64, len(page.Tickets))
	for i, t := range page.Tickets {
		ids[i] = t.ID
	}
	recs, err := s.Store.RecordingsOf(ctx, viewer, ids)
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
		for _, rec := range recs[t.ID] {
			row.Recordings = append(row.Recordings, RecordingLink{
				URL: "/recordings/" + strconv.FormatInt(rec.ID, 10), Duration: rec.Duration().Round(time.Second).String()})
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

// handleRecording plays a voice message from the hotline's storage, with ranges so
// that the browser's player can seek.
func (s *Server) handleRecording(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "Không tìm thấy ghi âm.")
		return
	}
	rec, err := s.Store.GetRecording(r.Context(), viewer, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !filepath.IsLocal(filepath.FromSlash(rec.Path)) || s.Recordings == "" {
		s.fail(w, r, fmt.Errorf("recording %d has a path outside the storage folder", rec.ID))
		return
	}
	f, err := os.Open(filepath.Join(s.Recordings, filepath.FromSlash(rec.Path)))
	if errors.Is(err, fs.ErrNotExist) {
		s.Log.Error("recording file missing", "recording", rec.ID)
		s.renderError(w, r, http.StatusNotFound, "Tệp ghi âm không còn trong kho lưu trữ.")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", rec.CreatedAt, f)
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
