package tickets_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// sqliteShell runs Debian's sqlite3 shell on the database, as an operator looking at it
// would, and returns what it printed. Its SQLite (3.40) is older than this build's: it
// deletes the WAL on closing whenever it can take an exclusive lock on the database file,
// without first asking whether another process holds the shared memory.
func sqliteShell(t *testing.T, path, query string) string {
	t.Helper()
	bin, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Fatalf("this test needs Debian's sqlite3 shell (make deps installs it): %v", err)
	}
	out, err := exec.Command(bin, path, query).CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3 %s: %v\n%s", query, err, out)
	}
	return string(out)
}

// otherProcess runs this test binary again as another process that does one thing to the
// database (TestOtherProcessHelper), as an admin's `hotline users add` or an operator's
// sqlite3 would, and returns what it printed.
func otherProcess(t *testing.T, do, path string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOtherProcessHelper$")
	cmd.Env = append(os.Environ(), "HOTLINE_TEST_OTHER="+do, "HOTLINE_TEST_DB="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("other process (%s): %v\n%s", do, err, out)
	}
	return string(out)
}

// TestOtherProcessHelper is the other process of otherProcess; it does nothing in a
// normal run.
func TestOtherProcessHelper(t *testing.T) {
	path := os.Getenv("HOTLINE_TEST_DB")
	ctx := context.Background()
	switch os.Getenv("HOTLINE_TEST_OTHER") {
	case "":
		t.Skip("run by otherProcess only")
	case "add-user": // hotline users add
		s, err := tickets.OpenStore(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		u := &tickets.User{Username: fmt.Sprintf("u%d", time.Now().UnixNano()), Role: tickets.RoleAgent}
		if err := s.CreateUser(ctx, tickets.ActorSystem, u, "a long password"); err != nil {
			t.Fatal(err)
		}
		s.Close()
	case "read": // a program of its own with this build's SQLite
		db, err := sql.Open("sqlite3", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		db.Close()
		fmt.Printf("tickets=%d\n", n)
	default:
		t.Fatalf("unknown HOTLINE_TEST_OTHER %q", os.Getenv("HOTLINE_TEST_OTHER"))
	}
}

// Another process opening and closing the database while the hotline has it open (an
// admin adding a user, an operator reading it) takes nothing from the hotline: the
// hotline keeps its SQLite locks, the WAL it writes to stays the one on disk, and what it
// commits afterwards is seen by the next process. Before the fix the second OpenStore
// of the process (serve opens four) dropped its locks, the other process deleted the WAL
// on closing, and the ticket written afterwards was invisible to every other process.
func TestOtherProcessLeavesTheStoreWhole(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hotline.db")
	// The handles serve opens on one file.
	var stores []*tickets.Store
	for _, opts := range [][]tickets.Option{nil, {tickets.Relaxed()}, {tickets.BusyTimeout(2 * time.Second), tickets.Relaxed()}, {tickets.BusyTimeout(2 * time.Second)}} {
		s, err := tickets.OpenStore(ctx, path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	for i, s := range stores {
		if err := s.StartCall(ctx, &tickets.Call{ChannelID: fmt.Sprint("c", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := stores[0].CheckFiles(ctx); err != nil {
		t.Errorf("after opening the stores: %v", err)
	}
	otherProcess(t, "add-user", path)
	otherProcess(t, "read", path)
	sqliteShell(t, path, "SELECT COUNT(*) FROM calls")
	if err := stores[0].CheckFiles(ctx); err != nil {
		t.Errorf("after another process opened and closed the database: %v", err)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("the WAL on disk: %v", err)
	}
	for i := range 3 {
		tk := &tickets.Ticket{Category: tickets.CategorySymptomReport, Priority: tickets.P2, Summary: "sốt"}
		if err := stores[3].CreateTicket(ctx, tickets.ActorIVR, tk); err != nil {
			t.Fatal(err)
		}
		if got, want := otherProcess(t, "read", path), fmt.Sprintf("tickets=%d\n", i+1); !strings.Contains(got, want) {
			t.Errorf("another process reads %q after the ticket was committed, want %q", got, want)
		}
		if got, want := sqliteShell(t, path, "SELECT COUNT(*) FROM tickets"), fmt.Sprintf("%d\n", i+1); got != want {
			t.Errorf("sqlite3 reads %q tickets after the ticket was committed, want %q", got, want)
		}
	}
	if err := stores[0].CheckFiles(ctx); err != nil {
		t.Errorf("at the end: %v", err)
	}
}

// CheckFiles sees the defect it is there for: a descriptor of the database opened and
// closed in the process drops the process's SQLite locks, and the check says so.
func TestCheckFilesSeesLostLocks(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2021, 8, 10, 2, 0, 0, 0, time.UTC)
	s := openStore(t, &now)
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatalf("a new store: %v", err)
	}
	f, err := os.Open(s.Path()) // what privateFiles did, and what no code may do
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	err = s.CheckWritable(ctx)
	if err == nil || !strings.Contains(err.Error(), "no SQLite lock") {
		t.Errorf("after an open and a close outside SQLite: %v, want the lost lock", err)
	}
}
