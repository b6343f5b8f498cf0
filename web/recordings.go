package web

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/huehotline/hotline/tickets"
)

// handleRecording plays a voice message from the hotline's storage, with ranges so that
// the browser's player can seek. Every fetch is checked against the user's rights (the
// ticket's unit) and written to the access log.
func (s *Server) handleRecording(w http.ResponseWriter, r *http.Request, me *viewer) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.renderError(w, r, me, http.StatusNotFound, "Không tìm thấy ghi âm.")
		return
	}
	rec, err := s.cfg.Store.GetRecording(r.Context(), me.Actor, id)
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	if !filepath.IsLocal(filepath.FromSlash(rec.Path)) || s.cfg.Recordings == "" {
		s.fail(w, r, me, fmt.Errorf("recording %d has a path outside the storage folder", rec.ID))
		return
	}
	var phone *string
	if rec.TicketID != nil {
		if tk, err := s.cfg.Store.GetTicket(r.Context(), me.Actor, *rec.TicketID); err == nil {
			phone = tk.CallerNumber
		}
	}
	// Range requests come in several parts for one listening: log the first.
	if r.Header.Get("Range") == "" || r.Header.Get("Range") == "bytes=0-" {
		if err := s.logAccess(r, me, tickets.AccessRecording, fmt.Sprintf("recording %d", rec.ID), phone); err != nil {
			s.fail(w, r, me, err)
			return
		}
	}
	f, err := os.Open(filepath.Join(s.cfg.Recordings, filepath.FromSlash(rec.Path)))
	if errors.Is(err, fs.ErrNotExist) {
		s.log.Error("recording file missing", "recording", rec.ID)
		s.renderError(w, r, me, http.StatusNotFound, "Tệp ghi âm không còn trong kho lưu trữ.")
		return
	}
	if err != nil {
		s.fail(w, r, me, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", rec.CreatedAt, f)
}
