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
// ticket's unit) and written to the access log by the store (LogRecordingPlay); a fetch
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
	// several parts, but any one part (bytes=0-999999999 is all of it) is a listening. The
	// store writes the entry under the ticket's reference, with the citizen's number read
	// from the ticket itself: an officer's play of a hidden reporter's message is logged
	// with the reporter's number, which the officer never sees.
	if r.Method != http.MethodHead {
		if !fromConsole(r) {
			s.fail(w, r, me, notFromConsole)
			return
		}
		if _, err := s.cfg.Store.LogRecordingPlay(r.Context(), me.Actor, rec.ID, remoteAddr(r)); err != nil {
			if code := tickets.ErrorCode(err); code != tickets.ENOTFOUND && code != tickets.EFORBIDDEN {
				err = errors.Join(errAccessLog, err)
			}
			s.fail(w, r, me, err)
			return
		}
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", rec.CreatedAt, f)
}
