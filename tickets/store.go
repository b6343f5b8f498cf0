package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"

	"github.com/huehotline/hotline/migrations"
)

// Store keeps the domain in a SQL database (SQLite by default).
type Store struct {
	db      *sqlx.DB
	path    string
	writeMu *sync.Mutex // shared by every Store of this file in the process
	// Now is the store's clock; tests replace it to fix time.
	Now func() time.Time
	// SLA sets tickets' due times by priority.
	SLA SLA
	// Policy sets the rules of suspected-case follow-up.
	Policy Policy
	// Login throttles sign-ins.
	Login LoginPolicy
	// CallPolicy sets the rules of automated follow-up calls.
	CallPolicy CallPolicy
	// Recordings is the folder the recordings' paths are relative to, where ErasePerson
	// deletes a person's files ("": it deletes none).
	Recordings string
	// FlagThreshold is how many distinct citizens one user may open in a clock hour
	// before the access log flags it on the incident register; 0 is DefaultFlagThreshold.
	FlagThreshold int
}

// Option changes how OpenStore opens the database.
type Option func(*options)

type options struct {
	busyTimeout time.Duration
	synchronous string
	asFound     bool
}

// AsFound opens the database as it is: no migration applied, nothing added. It is for a
// tool that only reads the database beside a serving hotline (hotline backup), which
// must not upgrade the schema under a hotline of another version.
func AsFound() Option { return func(o *options) { o.asFound = true } }

// Relaxed makes commits durable against a crash of the process but not of the machine
// (SQLite's synchronous=NORMAL in WAL mode: no sync to disk at each commit). It is for
// writes that are allowed to lose the last moment on a power cut, such as the progress
// of calls in progress; a store opened without it syncs every commit.
func Relaxed() Option { return func(o *options) { o.synchronous = "NORMAL" } }

// BusyTimeout sets how long a write waits for another writer's lock before it fails with
// "database is locked" (default 10 s). The IVR's store waits less, so that a locked
// database turns a caller's report into a spooled one within seconds rather than
// leaving the caller in silence.
func BusyTimeout(d time.Duration) Option { return func(o *options) { o.busyTimeout = d } }

// OpenStore opens (creating if needed) the SQLite database at path and applies the
// migrations. Writers take the database lock at BEGIN (immediate transactions), so two
// writers never deadlock upgrading a read lock. Commits are durable against power loss
// (WAL with synchronous=FULL): a ticket a caller finished must survive anything. The
// database holds personal data: it and its WAL and shared-memory files are readable by
// the hotline's user only.
func OpenStore(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{busyTimeout: 10 * time.Second, synchronous: "FULL"}
	for _, opt := range opts {
		opt(&o)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	if err := privateFiles(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", o.synchronous)
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", fmt.Sprint(o.busyTimeout.Milliseconds()))
	q.Set("_txlock", "immediate")
	q.Set("_stmt_cache_size", "64")
	db, err := sqlx.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Connections are kept: opening one costs far more than a query (SQLite reads the
	// schema anew on each), and database/sql keeps only two idle by default, so that
	// under load most queries paid for a connection of their own.
	db.SetMaxIdleConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := &Store{db: db, path: path, writeMu: writeLock(path), Now: time.Now, SLA: DefaultSLA(),
		Policy: DefaultPolicy(), Login: DefaultLoginPolicy(), CallPolicy: DefaultCallPolicy()}
	if o.asFound {
		return s, nil
	}
	if _, err := migrations.Apply(ctx, db.DB); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database %s: %w", path, err)
	}
	if err := s.firstArticles(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("first articles of %s: %w", path, err)
	}
	return s, nil
}

var (
	writeLocksMu sync.Mutex
	writeLocks   = map[string]*sync.Mutex{}
)

// writeLock returns the lock that the writers of one database file in this process
// take in turn. SQLite lets one writer in at a time anyway; queueing them here rather
// than in SQLite's busy handler (which sleeps 1, 2, 5, 10 ms... between tries) keeps a
// caller's ticket from waiting out a sleep behind another write.
func writeLock(path string) *sync.Mutex {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	writeLocksMu.Lock()
	defer writeLocksMu.Unlock()
	if writeLocks[path] == nil {
		writeLocks[path] = &sync.Mutex{}
	}
	return writeLocks[path]
}

// privateFiles makes the database readable by its owner only, without ever opening it
// outside SQLite. SQLite gives the WAL and shared-memory files the database file's mode,
// so a database that does not exist yet is created empty with mode 0600 first: no SQLite
// connection of this process can hold a file that did not exist. An existing one is only
// chmod-ed (a database made before this rule), which, unlike an open and a close, leaves
// the process's locks alone: closing any descriptor of a file drops every POSIX lock the
// process holds on it, SQLite's included, and another process then takes itself for the
// database's last user, checkpoints and deletes the WAL this one still writes to.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return fmt.Errorf("create database %s: %w", path, err)
		}
	case !errors.Is(err, os.ErrExist):
		return fmt.Errorf("create database %s: %w", path, err)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Chmod(path+suffix, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("make database %s private: %w", path+suffix, err)
		}
	}
	return nil
}

// DB is the database handle, for what keeps its own table in the same database (the
// console's sessions).
func (s *Store) DB() *sql.DB { return s.db.DB }

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// tx is a write transaction and the time it is taken at.
type tx struct {
	*sqlx.Tx
	now time.Time
}

// begin starts a write transaction stamped with the store's clock.
func (s *Store) begin(ctx context.Context) (*tx, error) {
	t, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return &tx{Tx: t, now: s.Now().UTC()}, nil
}

// inTx runs fn in one transaction, committing when it returns nil. The process's
// writers of the database take turns (writeLock).
func (s *Store) inTx(ctx context.Context, fn func(*tx) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	t, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	if err := fn(t); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapConstraint(err))
	}
	return nil
}

// mapConstraint turns SQLite constraint errors into domain errors by their codes.
func mapConstraint(err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) || se.Code != sqlite3.ErrConstraint {
		return err
	}
	switch se.ExtendedCode {
	case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
		return Errorf(ECONFLICT, "Bản ghi đã tồn tại.")
	case sqlite3.ErrConstraintForeignKey:
		return Errorf(EINVALID, "Bản ghi liên quan không tồn tại.")
	default:
		return Errorf(EINVALID, "Dữ liệu không hợp lệ.")
	}
}

// notFound maps sql.ErrNoRows to a domain error naming what was looked for.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return Errorf(ENOTFOUND, "Không tìm thấy %s.", what)
	}
	return err
}

// sqlxQueryer is what reads need: the database or a transaction.
type sqlxQueryer interface {
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
	Rebind(query string) string
}
