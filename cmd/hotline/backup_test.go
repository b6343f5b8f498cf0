package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/coder/websocket"

	"github.com/huehotline/hotline/sounds/soundstest"
	"github.com/huehotline/hotline/tickets"
)

// fakeARI answers the little a hotline asks of Asterisk while no call comes: the ping,
// the event filter, empty lists, and an event WebSocket that stays open. With it `hotline
// serve` runs its console and its nightly jobs, without the sandbox Asterisk.
func fakeARI(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/events") {
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			for {
				if _, _, err := c.Read(r.Context()); err != nil {
					return
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			io.WriteString(w, "[]")
		} else {
			io.WriteString(w, "{}")
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/ari"
}

// run runs the hotline binary and returns its exit status and what it printed.
func run(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// oneSentence reports whether a refusal is status 2 and one line.
func oneSentence(code int, out string) bool {
	return code == 2 && strings.Count(strings.TrimSpace(out), "\n") == 0
}

// committed is what the writer beside the hotline committed, in order.
type committed struct {
	mu         sync.Mutex
	refs       []string
	recordings []*tickets.Recording
}

func (c *committed) snapshot() ([]string, []*tickets.Recording) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.refs...), append([]*tickets.Recording(nil), c.recordings...)
}

// writeCalls files calls, tickets and voice messages into the hotline's database from
// another process's store (the test's), as fast as they go, until stop closes.
func writeCalls(t *testing.T, s *tickets.Store, recordings string, c *committed, stop <-chan struct{}) <-chan error {
	errs := make(chan error, 1)
	wav := soundstest.WAV(300*time.Millisecond, 2000)
	go func() {
		defer close(errs)
		ctx := context.Background()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			n := "+84905123457"
			call := &tickets.Call{ChannelID: "backup-" + tickets.NewCallID(), CallerNumber: &n}
			if err := s.StartCall(ctx, call); err != nil {
				errs <- err
				return
			}
			tk := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P2, CallerNumber: &n, CallID: &call.ID}
			if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
				errs <- err
				return
			}
			var rec *tickets.Recording
			if i%5 == 0 { // a voice message: its file first, then its row, as the IVR does
				rel := fmt.Sprintf("2026/12/08/%s.wav", call.ID)
				p := filepath.Join(recordings, filepath.FromSlash(rel))
				os.MkdirAll(filepath.Dir(p), 0o750)
				if err := os.WriteFile(p, append(wav, []byte(call.ID)...), 0o600); err != nil {
					errs <- err
					return
				}
				rec = &tickets.Recording{CallID: &call.ID, Kind: tickets.RecordingVoiceMessage, Path: rel, DurationMS: 300}
				if err := s.AddRecording(ctx, rec); err != nil {
					errs <- err
					return
				}
			}
			c.mu.Lock()
			c.refs = append(c.refs, tk.Ref)
			if rec != nil {
				c.recordings = append(c.recordings, rec)
			}
			c.mu.Unlock()
		}
	}()
	return errs
}

// A backup made while a serving hotline's database is written to holds everything
// committed before it started, restores into an empty folder only, with the right key
// only, and the restored folder serves: /healthz answers ok, the console shows the
// tickets and plays the voice messages. The serving hotline (on a stand-in for ARI)
// also makes its nightly backup at start, its time (00:00) having passed.
func TestBackupWhileWriting(t *testing.T) {
	ari := fakeARI(t)
	root := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(root, "backup-key.txt")
	os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600)
	recipient := "HOTLINE_BACKUP_RECIPIENT=" + id.Recipient().String()
	db := filepath.Join(root, "live", "hotline.db")
	nightly := filepath.Join(root, "nightly")
	h := launchHotline(t, db, "ARI_URL="+ari, "HOTLINE_FOLLOWUP_CONCURRENT=0",
		"HOTLINE_BACKUP_DIR="+nightly, recipient, "HOTLINE_BACKUP_AT=00:00")
	waitFor(t, h, 20*time.Second, "the nightly backup", func() bool { return strings.Contains(h.logText(), `msg="nightly backup written"`) })
	if files, _ := filepath.Glob(filepath.Join(nightly, "hotline-*.age")); len(files) != 1 {
		t.Errorf("nightly backups: %v, want one", files)
	}

	var c committed
	stop := make(chan struct{})
	errs := writeCalls(t, h.store(), filepath.Join(root, "live", "recordings"), &c, stop)
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
	}()
	waitFor(t, h, 20*time.Second, "30 tickets written", func() bool { refs, _ := c.snapshot(); return len(refs) >= 30 })

	refs, recs := c.snapshot() // committed before the backup starts
	archive := filepath.Join(root, "out", "hotline.age")
	os.MkdirAll(filepath.Dir(archive), 0o700)
	env := []string{"HOTLINE_DB=" + db, recipient}
	code, out := run(t, env, "backup", archive)
	after, _ := c.snapshot()
	close(stop)
	if err := <-errs; err != nil {
		t.Fatalf("writing beside the hotline: %v", err)
	}
	if code != 0 || !strings.Contains(out, "backup written") {
		t.Fatalf("hotline backup: %d %s", code, out)
	}
	if len(after) == len(refs) {
		t.Errorf("no ticket was written while the backup ran (%d before and after)", len(refs))
	}
	t.Logf("%s; %d tickets committed before the backup, %d when it ended", strings.TrimSpace(out), len(refs), len(after))
	if st, err := os.Stat(archive); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the archive: %v %v, want mode 600", st, err)
	}
	h.holdsDatabase("hotline backup")

	// Refusals, each in one sentence.
	if code, out := run(t, []string{"HOTLINE_DB=" + db, "HOTLINE_BACKUP_RECIPIENT="}, "backup", filepath.Join(root, "out", "x.age")); !oneSentence(code, out) || !strings.Contains(out, "HOTLINE_BACKUP_RECIPIENT") {
		t.Errorf("backup without a recipient: %d %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(root, "out", "x.age")); err == nil {
		t.Error("a backup was written without a recipient")
	}
	if code, out := run(t, env, "backup", archive); !oneSentence(code, out) {
		t.Errorf("backup over an archive: %d %q", code, out)
	}
	other, _ := age.GenerateX25519Identity()
	otherFile := filepath.Join(root, "other-key.txt")
	os.WriteFile(otherFile, []byte(other.String()+"\n"), 0o600)
	if code, out := run(t, nil, "backup", "--check", archive, "--identity", otherFile); !oneSentence(code, out) || !strings.Contains(out, "identity") {
		t.Errorf("check with another key: %d %q", code, out)
	}
	raw, _ := os.ReadFile(archive)
	raw[len(raw)/2] ^= 1
	changed := filepath.Join(root, "out", "changed.age")
	os.WriteFile(changed, raw, 0o600)
	if code, out := run(t, nil, "backup", "--check", changed, "--identity", keyFile); !oneSentence(code, out) || !strings.Contains(out, "changed") {
		t.Errorf("check of a changed archive: %d %q", code, out)
	}

	if code, out := run(t, nil, "backup", "--check", archive, "--identity", keyFile); code != 0 || !strings.Contains(out, "is whole") {
		t.Fatalf("backup --check: %d %s", code, out)
	}
	restored := filepath.Join(root, "restored")
	if code, out := run(t, nil, "restore", "--identity", keyFile, archive, restored); code != 0 {
		t.Fatalf("restore: %d %s", code, out)
	}
	if code, out := run(t, nil, "restore", "--identity", keyFile, archive, restored); !oneSentence(code, out) || !strings.Contains(out, "not empty") {
		t.Errorf("restore into a folder not empty: %d %q", code, out)
	}

	// Everything committed before the backup started is there, whole.
	rdb := filepath.Join(restored, "hotline.db")
	if got := sqlite3(t, rdb, "PRAGMA integrity_check"); got != "ok" {
		t.Errorf("the restored database's integrity: %q", got)
	}
	s, err := tickets.OpenStore(context.Background(), rdb)
	if err != nil {
		t.Fatal(err)
	}
	found, err := s.FindTicketsByRef(context.Background(), tickets.ActorSystem, refs)
	s.Close()
	if err != nil || len(found) != len(refs) {
		t.Errorf("restored %d of the %d tickets committed before the backup (%v)", len(found), len(refs), err)
	}
	for _, r := range recs {
		want, _ := os.ReadFile(filepath.Join(root, "live", "recordings", r.Path))
		got, err := os.ReadFile(filepath.Join(restored, "recordings", r.Path))
		if err != nil || string(got) != string(want) {
			t.Errorf("restored voice message %s: %d bytes, %v; want %d", r.Path, len(got), err, len(want))
		}
	}

	// The restored folder serves.
	h2 := launchHotline(t, rdb, "ARI_URL="+ari, "HOTLINE_FOLLOWUP_CONCURRENT=0", "ARI_APPLICATION=hotline-restored")
	cl := h2.consoleUser("restorer", tickets.RoleSupervisor, "")
	if code, body := getPage(t, cl, "http://"+h2.addr+"/healthz"); code != 200 || !strings.HasPrefix(body, "ok") {
		t.Errorf("/healthz of the restored hotline: %d %q", code, body)
	}
	last := refs[len(refs)-1]
	// Found by its reference: the list's first page holds only as many tickets as it
	// shows, in the triage queue's order, not necessarily the newest.
	if code, body := getPage(t, cl, "http://"+h2.addr+"/tickets?view=all&q="+last); code != 200 || !strings.Contains(body, last) {
		t.Errorf("the restored hotline's tickets: %d, the last one backed up (%s) not found", code, last)
	}
	if len(recs) > 0 {
		r := recs[len(recs)-1]
		want, _ := os.ReadFile(filepath.Join(root, "live", "recordings", r.Path))
		if code, body := getPage(t, cl, fmt.Sprintf("http://%s/recordings/%d", h2.addr, r.ID)); code != 200 || body != string(want) {
			t.Errorf("the restored hotline plays voice message %d: %d, %d bytes, want %d", r.ID, code, len(body), len(want))
		}
	}
}
