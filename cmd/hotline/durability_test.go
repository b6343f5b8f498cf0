package main_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/cmd/hotline/testcaller"
	"github.com/huehotline/hotline/tickets"
)

// sqlite3 runs Debian's sqlite3 shell on a database, as an operator looking at it would
// (its SQLite, 3.40, deletes the WAL on closing whenever it can take an exclusive lock on
// the database file), and returns what it printed.
func sqlite3(t *testing.T, dbPath, query string) string {
	t.Helper()
	out, err := exec.Command("sqlite3", dbPath, query).CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3 %s: %v\n%s", query, err, out)
	}
	return strings.TrimSpace(string(out))
}

// holdsDatabase checks that the serving hotline still holds its database as SQLite needs
// (its locks, and the WAL on disk being the one it writes to), after what.
func (h *hotline) holdsDatabase(what string) {
	h.t.Helper()
	if err := tickets.DatabaseHeld(h.cmd.Process.Pid, h.dbPath); err != nil {
		h.t.Errorf("after %s: %v", what, err)
	}
}

// seenWithin polls another process's view of the database (the sqlite3 shell) until
// query prints want.
func seenWithin(t *testing.T, dbPath, query, want string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		got := sqlite3(t, dbPath, query)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("another process reads %q from %s, want %q within %v", got, query, want, limit)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// What the hotline acknowledged survives other processes opening the database and then
// a crash, as an administrator runs it: while it serves, an admin adds a user from the
// shell and an operator reads the database with sqlite3; a caller finishes a symptom
// report and an agent opens a case in the console; both are seen by another process
// within a second; the hotline is killed with SIGKILL; both are in the database after.
// Before the fix (issue 21), the hotline had dropped its own SQLite locks by opening the
// database file outside SQLite, sqlite3 deleted the WAL on closing, and the report and
// the case were gone after the kill.
func TestAcknowledgedWritesSurviveOtherProcessesAndACrash(t *testing.T) {
	h := startHotline(t, "")
	h.holdsDatabase("start-up")

	// An admin adds a user from the shell, as the README says.
	add := exec.Command(binary, "users", "add", "lan", "--role", "agent", "--name", "Nguyễn Thị Lan")
	add.Env = append(os.Environ(), "HOTLINE_DB="+h.dbPath)
	add.Stdin = strings.NewReader(testPassword + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("users add beside the serving hotline: %v\n%s", err, out)
	}
	h.holdsDatabase("hotline users add")
	if got := sqlite3(t, h.dbPath, "SELECT COUNT(*) FROM users WHERE username = 'lan'"); got != "1" {
		t.Errorf("the user added: %q", got)
	}
	h.holdsDatabase("a read with sqlite3")

	// What may not run beside it refuses, in one sentence, and changes nothing.
	for _, args := range [][]string{{"migrate"}, {"seed", "--tickets", "10"}, {"serve"}} {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), "HOTLINE_DB="+h.dbPath, "HOTLINE_ADDR="+freeAddr(t),
			"ARI_URL="+ariURL, "ARI_USERNAME="+ariUser, "ARI_PASSWORD="+ariPass, "ARI_APPLICATION=hotline-second")
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 || !strings.Contains(string(out), "running hotline") && !strings.Contains(string(out), "another hotline") {
			t.Errorf("hotline %s beside a serving hotline: %v %q, want one sentence and status 2", args[0], err, out)
		}
	}
	h.holdsDatabase("the refused commands")

	// An agent opens a case in the console; the console answers that it is saved.
	cl := h.consoleUser("lan", tickets.RoleAgent, "")
	h.holdsDatabase("the agent's sign-in")
	s := h.store()
	ref := ticketFromConsole(t, h, s)
	status, body := consolePost(t, cl, "http://"+h.addr+"/tickets/"+ref+"/case", url.Values{"person_name": {"Trần Văn Bình"}, "language": {"vi"}})
	if status != 303 {
		t.Errorf("open a case in the console: %d\n%s", status, body)
	}
	seenWithin(t, h.dbPath, "SELECT COUNT(*) FROM cases WHERE person_name = 'Trần Văn Bình'", "1", time.Second)
	h.holdsDatabase("a case opened in the console")
	sqlite3(t, h.dbPath, "SELECT COUNT(*) FROM tickets")

	// A caller finishes a symptom report and hears that it is recorded.
	res := call(t, newCaller(t), testcaller.TestCall{From: "0905123456", Keys: []string{"2", "1", "2", "2", "2", "2", "0", "1"},
		Barge: 700 * time.Millisecond, HangupAfterKeys: -1, MaxDuration: 90 * time.Second})
	if !contains(res.Prompts(), "vi/ticket_created") || res.Ticket == "" {
		t.Errorf("the caller was not told the report is recorded: %+v", res)
	}
	seenWithin(t, h.dbPath, "SELECT COUNT(*) FROM tickets WHERE ref = '"+res.Ticket+"'", "1", time.Second)
	h.holdsDatabase("a report by phone")
	if code, body := getPage(t, cl, "http://"+h.addr+"/healthz"); code != 200 || !strings.HasPrefix(body, "ok") {
		t.Errorf("/healthz of a hotline that keeps what it is given: %d %q", code, body)
	}

	// A crash.
	h.cmd.Process.Kill()
	waitExit(t, h)
	if got := sqlite3(t, h.dbPath, "SELECT COUNT(*) FROM tickets WHERE ref = '"+res.Ticket+"'"); got != "1" {
		t.Errorf("the caller's report %s after the crash: %q rows, want 1", res.Ticket, got)
	}
	if got := sqlite3(t, h.dbPath, "SELECT COUNT(*) FROM cases WHERE person_name = 'Trần Văn Bình'"); got != "1" {
		t.Errorf("the case after the crash: %q rows, want 1", got)
	}
	if got := sqlite3(t, h.dbPath, "PRAGMA integrity_check"); got != "ok" {
		t.Errorf("integrity after the crash: %q", got)
	}
}

// ticketFromConsole files a ticket for the console's case to start from, as the IVR
// would, through the test's own store (another process again).
func ticketFromConsole(t *testing.T, h *hotline, s *tickets.Store) string {
	t.Helper()
	ctx := context.Background()
	n := "+84905123457"
	call := &tickets.Call{ChannelID: "durability-" + tickets.NewCallID(), CallerNumber: &n}
	if err := s.StartCall(ctx, call); err != nil {
		t.Fatal(err)
	}
	tk := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P2, CallerNumber: &n, CallID: &call.ID}
	if err := s.CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
		t.Fatal(err)
	}
	h.holdsDatabase("a ticket written by another process")
	return tk.Ref
}
