package main

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/ivr/desk"
	"github.com/huehotline/hotline/tickets"
	"github.com/huehotline/hotline/web"
)

// callbacks lets the console's agents call citizens back through the desk, once the IVR
// runs.
type callbacks struct {
	desk *atomic.Pointer[desk.Callbacks]
}

// CallBack starts a call back from an agent's phone, once the IVR runs.
func (c callbacks) CallBack(ctx context.Context, r web.CallbackRequest) (string, error) {
	cbs := c.desk.Load()
	if cbs == nil {
		return "", tickets.Errorf(tickets.ECONFLICT, "Tổng đài chưa kết nối với Asterisk; chưa gọi lại được.")
	}
	return cbs.Callback(ctx, desk.CallbackRequest{TicketID: r.TicketID, Agent: r.Agent, Number: r.Number, Lang: r.Lang, Actor: r.Actor,
		TicketRef: r.TicketRef})
}

// debugHandler serves the IVR's reaction times to admins: GET reads them, POST to
// /debug/ivr/reactions/reset clears them (the load tool does both).
func debugHandler(running *atomic.Pointer[ivr.App]) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/ivr/reactions", func(w http.ResponseWriter, r *http.Request) {
		app := running.Load()
		if app == nil {
			http.Error(w, "the IVR is not running yet", http.StatusServiceUnavailable)
			return
		}
		writeReactions(w, app.Reactions(false))
	})
	mux.HandleFunc("POST /debug/ivr/reactions/reset", func(w http.ResponseWriter, r *http.Request) {
		if app := running.Load(); app != nil {
			app.Reactions(true)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// firstAdmin creates the first user, admin, with a random password printed once, when the
// database has no user: the console can then be signed in to.
func firstAdmin(ctx context.Context, store *tickets.Store, out io.Writer) error {
	n, err := store.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password := tickets.NewPassword()
	u := &tickets.User{Username: "admin", DisplayName: "Quản trị", Role: tickets.RoleAdmin}
	if err := store.CreateUser(ctx, tickets.ActorSystem, u, password); err != nil {
		return err
	}
	_, err = io.WriteString(out, "\nThe console's first user: admin, password "+password+"\n"+
		"(shown once: sign in at the console, add the users, and change it under Tài khoản)\n\n")
	return err
}
