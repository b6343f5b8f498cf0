package main

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/tickets"
)

// handleCallback starts a call back to the citizen of a ticket (form values ticket, the
// reference, and agent, an agent's phone on duty) and answers 202 with the call's ID; the
// result goes on the ticket when the call ends. The number called is the ticket's, never
// one from the request.
func handleCallback(w http.ResponseWriter, r *http.Request, app *ivr.App, store *tickets.Store, queue *ivr.Queue, token string) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, msg string) { reply(status, map[string]string{"error": msg}) }
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Hotline-Token")), []byte(token)) != 1 {
		fail(http.StatusUnauthorized, "Thiếu hoặc sai mã điều khiển (X-Hotline-Token).")
		return
	}
	agent := r.FormValue("agent")
	if !queue.OnDuty(agent) {
		fail(http.StatusBadRequest, "Máy "+agent+" không có trong danh sách tổng đài viên trực (HOTLINE_AGENTS).")
		return
	}
	tk, err := store.FindTicketByRef(r.Context(), tickets.ActorSystem, r.FormValue("ticket"))
	if err != nil {
		status := http.StatusInternalServerError
		if tickets.ErrorCode(err) == tickets.ENOTFOUND {
			status = http.StatusNotFound
		}
		fail(status, tickets.ErrorMessage(err))
		return
	}
	number := tk.ContactPhone
	if number == nil {
		number = tk.CallerNumber
	}
	if number == nil {
		fail(http.StatusConflict, "Phiếu "+tk.Ref+" không có số điện thoại để gọi lại.")
		return
	}
	lang := "vi"
	if tk.IVRAnswers["lang"] == "en" {
		lang = "en"
	}
	id, err := app.Callback(r.Context(), ivr.CallbackRequest{TicketID: tk.ID, Agent: agent, Number: *number, Lang: lang})
	if err != nil {
		status := http.StatusInternalServerError
		switch tickets.ErrorCode(err) {
		case tickets.EINVALID:
			status = http.StatusBadRequest
		case tickets.ECONFLICT:
			status = http.StatusServiceUnavailable
		}
		fail(status, tickets.ErrorMessage(err))
		return
	}
	reply(http.StatusAccepted, map[string]string{"call_id": id, "ticket": tk.Ref})
}
