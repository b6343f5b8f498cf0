package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// What may run beside a serving hotline on its SQLite database: `users add` (one small
// transaction, waiting its turn behind the hotline's writes), `purge` (transactions of a
// hundred rows, each waiting its turn; it refuses only beside migrate or seed), and any
// reader or backup
// (sqlite3, its .backup). What may not: a second `serve`, `migrate` (it would change the
// schema under a running hotline; serve migrates when it starts) and `seed` (minutes of
// writes that would send callers' reports to the spool). Those take the database for
// themselves with a lock on a file of their own beside it (DB-serve.lock, flock(2)):
// never a lock on the database's own files, which belong to SQLite alone.

// exclusiveUse is a command's hold on a database that nothing else of the hotline may
// change the shape of meanwhile. Close releases it (so does the end of the process).
type exclusiveUse struct{ f *os.File }

// takeDatabase takes the database at dbPath for command, or says in one sentence which
// other command has it.
func takeDatabase(dbPath, command string) (*exclusiveUse, error) {
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o750); err != nil {
		return nil, settingErrorf("HOTLINE_DB %q cannot be used: %v.", dbPath, err)
	}
	path := dbPath + "-serve.lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, settingErrorf("HOTLINE_DB %q cannot be used: %v.", dbPath, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, settingErrorf("HOTLINE_DB %q cannot be locked: %v.", dbPath, err)
		}
		return nil, busyDatabase(dbPath, command, strings.TrimSpace(string(holder)))
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d %s\n", os.Getpid(), command)
	return &exclusiveUse{f: f}, nil
}

// busyDatabase says why command cannot run now, holder being "PID COMMAND" of whoever
// holds the database.
func busyDatabase(dbPath, command, holder string) error {
	pid, other, _ := strings.Cut(holder, " ")
	if other == "" {
		other = "another hotline command"
	}
	switch {
	case other == "serve" && command == "serve":
		return settingErrorf("HOTLINE_DB %q is served by another hotline (pid %s): one hotline serves a SQLite database.", dbPath, pid)
	case other == "serve" && command == "migrate":
		return settingErrorf("HOTLINE_DB %q is served by a running hotline (pid %s): stop it first; serve applies the migrations itself when it starts.", dbPath, pid)
	case other == "serve":
		return settingErrorf("HOTLINE_DB %q is served by a running hotline (pid %s): stop it before `hotline %s`.", dbPath, pid, command)
	default:
		return settingErrorf("HOTLINE_DB %q is in use by `hotline %s` (pid %s): wait for it to finish.", dbPath, other, pid)
	}
}

// Close releases the database.
func (u *exclusiveUse) Close() error { return u.f.Close() }
