package ivr_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/ivr"
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
	r := ivr.NewREST(srv.URL+"/ari", "u", "p", 300*time.Millisecond)
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
	r := ivr.NewREST(srv.URL+"/ari", "hotline", "secret", time.Second)
	if err := r.Answer(context.Background(), "gone"); !ivr.IsNotFound(err) {
		t.Errorf("answer a gone channel: %v, want not found", err)
	}
	if err := r.StopPlayback(context.Background(), "pb"); err != nil {
		t.Errorf("stop playback: %v", err)
	}
	bad := ivr.NewREST(srv.URL+"/ari", "hotline", "wrong", time.Second)
	err := bad.Ping(context.Background())
	if se, ok := err.(*ivr.StatusError); !ok || se.Status != http.StatusUnauthorized {
		t.Errorf("wrong password: %v", err)
	}
}
