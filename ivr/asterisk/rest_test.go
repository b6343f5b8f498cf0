package asterisk_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/ivr/asterisk"
)

// A stalled Asterisk cannot freeze a call: every command gives up after its time limit
// (the pinned ari library has none).
func TestRESTTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	r := asterisk.NewREST(srv.URL+"/ari", "u", "p", 300*time.Millisecond)
	start := time.Now()
	err := r.Answer(context.Background(), "chan-1")
	if err == nil {
		t.Fatal("Answer against a stalled server returned no error")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("gave up after %v, want about 300ms", took)
	}
}

func TestRESTStatusErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "hotline" || p != "secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/answer") {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"Channel not found"}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	r := asterisk.NewREST(srv.URL+"/ari", "hotline", "secret", time.Second)
	if err := r.Answer(context.Background(), "gone"); !asterisk.IsNotFound(err) {
		t.Errorf("answer a gone channel: %v, want not found", err)
	}
	if err := r.StopPlayback(context.Background(), "pb"); err != nil {
		t.Errorf("stop playback: %v", err)
	}
	bad := asterisk.NewREST(srv.URL+"/ari", "hotline", "wrong", time.Second)
	err := bad.Ping(context.Background())
	if se, ok := err.(*asterisk.StatusError); !ok || se.Status != http.StatusUnauthorized {
		t.Errorf("wrong password: %v", err)
	}
}

// No error of an ARI command holds a citizen's number, whatever fails: the log gets
// errors. A request that gets no answer named the whole URL, whose query carries the
// endpoint dialled (endpoint=PJSIP/0905123456@carrier); a stored recording of a call
// taken during an outage carries the caller's number in its name.
func TestRESTErrorsHoldNoNumber(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/ari/recordings/stored/") {
			http.Error(w, `{"message":"Recording not found"}`, http.StatusNotFound)
			return
		}
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close() // no answer at all
	}))
	defer srv.Close()
	r := asterisk.NewREST(srv.URL+"/ari", "u", "p", 2*time.Second)
	ctx := context.Background()
	_, createErr := r.CreateChannel(ctx, "PJSIP/0905123456@carrier", "hotline", "cb-1", "", nil)
	originateErr := r.Originate(ctx, "PJSIP/0905123456@carrier", "hotline-followup", "fu-1", "19001075", 40*time.Second, map[string]string{"HOTLINE_AGI": "x"})
	_, fetchErr := r.FetchStoredRecording(ctx, "hotline-outage/20261204T120000Z-1733340000-vi-0905123456", io.Discard)
	deleteErr := r.DeleteStoredRecording(ctx, "hotline-outage/20261204T120000Z-1733340000-call-0905123456")
	for name, err := range map[string]error{"create channel": createErr, "originate": originateErr, "fetch recording": fetchErr, "delete recording": deleteErr} {
		if name == "delete recording" && err == nil {
			continue // a recording already gone is not an error
		}
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if strings.Contains(err.Error(), "905123456") {
			t.Errorf("%s: error holds the number: %v", name, err)
		}
		if !strings.Contains(err.Error(), "ari ") {
			t.Errorf("%s: error does not say what failed: %v", name, err)
		}
	}
	// A channel id stays readable: it is what an operator looks for in Asterisk's log.
	if err := r.Answer(ctx, "1733340000.123"); err == nil || !strings.Contains(err.Error(), "1733340000.123") {
		t.Errorf("answer: %v, want the channel id in it", err)
	}
}
