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
// ticket's unit) and written to the access log, under the ticket's reference; a fetch
// from another site is refused (it would write a listening in the user's name).
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
	// The subject is the ticket's reference, so that the ticket's entries are found
	// together; a message whose ticket is not written yet goes by its own number.
	subject, phone := fmt.Sprintf("recording %d", rec.ID), (*string)(nil)
	if rec.TicketID != nil {
		if tk, err := s.cfg.Store.GetTicket(r.Context(), me.Actor, *rec.TicketID); err == nil {
			subject, phone = tk.Ref, tk.CallerNumber
			if phone == nil {
				phone = tk.ContactPhone // a withheld number linked to the caller's
			}
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
	// Every request that can return audio is logged, whatever its Range: a player asks in
	// several parts, but any one part (bytes=0-999999999 is all of it) is a listening.
	if r.Method != http.MethodHead {
		if err := s.logAccess(r, me, tickets.AccessRecording, subject, phone); err != nil {
			s.fail(w, r, me, err)
			return
		}
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", rec.CreatedAt, f)
}
