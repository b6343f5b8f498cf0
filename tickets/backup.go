package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/mattn/go-sqlite3"
)

// DatabaseCopy is what CopyDatabase made: a SQLite file holding the database as it was
// at one moment.
type DatabaseCopy struct {
	Path       string
	Migrations []string // the schema's applied migrations, in the copy
	Pages      int
}

// CopyDatabase writes a copy of the database as it is at one moment to a new SQLite file
// at dst (which must not exist), while the hotline goes on writing. It uses SQLite's
// online backup API in one step: the step reads the source in one read transaction, so
// the copy is one snapshot, and in WAL mode writers are not held up meanwhile. SQLite
// opens both files (the rule of store_files.go: nothing else opens the database's
// files). The copy is checked with PRAGMA integrity_check before it is handed back.
func (s *Store) CopyDatabase(ctx context.Context, dst string) (*DatabaseCopy, error) {
	// The copy holds what the database holds: made empty with mode 0600 before SQLite
	// opens it.
	f, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("copy database: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("copy database: %w", err)
	}
	out, err := sql.Open("sqlite3", "file:"+dst+"?_journal_mode=DELETE&_synchronous=FULL")
	if err != nil {
		return nil, fmt.Errorf("copy database: %w", err)
	}
	defer out.Close()
	dstConn, err := out.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy database: %w", err)
	}
	defer dstConn.Close()
	srcConn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy database: %w", err)
	}
	defer srcConn.Close()
	c := &DatabaseCopy{Path: dst}
	err = srcConn.Raw(func(src any) error {
		return dstConn.Raw(func(dc any) error {
			from, ok1 := src.(*sqlite3.SQLiteConn)
			to, ok2 := dc.(*sqlite3.SQLiteConn)
			if !ok1 || !ok2 {
				return errors.New("the database is not SQLite")
			}
			b, err := to.Backup("main", from, "main")
			if err != nil {
				return err
			}
			done, err := b.Step(-1)
			c.Pages = b.PageCount()
			if ferr := b.Finish(); err == nil {
				err = ferr
			}
			if err == nil && !done {
				err = errors.New("the backup ended before the last page")
			}
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("copy database: %w", err)
	}
	var check string
	if err := dstConn.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil {
		return nil, fmt.Errorf("check the database's copy: %w", err)
	}
	if check != "ok" {
		return nil, fmt.Errorf("the database's copy fails SQLite's integrity check: %s", check)
	}
	rows, err := dstConn.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("migrations of the database's copy: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		c.Migrations = append(c.Migrations, name)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := dstConn.Close(); err != nil {
		return nil, fmt.Errorf("copy database: %w", err)
	}
	if err := out.Close(); err != nil {
		return nil, fmt.Errorf("copy database: %w", err)
	}
	return c, nil
}

// ClaimBackup takes on day's nightly backup (a local day, 2026-12-08) for this hotline.
// It reports false when the day's backup is done, or claimed by another less than
// staleAfter ago; a claim older than that, never finished, is taken over.
func (s *Store) ClaimBackup(ctx context.Context, day string, staleAfter time.Duration) (bool, error) {
	claimed := false
	err := s.inTx(ctx, func(t *tx) error {
		var row struct {
			ClaimedAt  time.Time  `db:"claimed_at"`
			FinishedAt *time.Time `db:"finished_at"`
		}
		err := t.GetContext(ctx, &row, t.Rebind(`SELECT claimed_at, finished_at FROM backup_runs WHERE day = ?`), day)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = t.ExecContext(ctx, t.Rebind(`INSERT INTO backup_runs (day, claimed_at) VALUES (?, ?)`), day, t.now)
		case err != nil:
		case row.FinishedAt != nil || t.now.Sub(row.ClaimedAt) < staleAfter:
			return nil
		default:
			_, err = t.ExecContext(ctx, t.Rebind(`UPDATE backup_runs SET claimed_at = ? WHERE day = ?`), t.now, day)
		}
		claimed = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim the backup of %s: %w", day, err)
	}
	return claimed, nil
}

// FinishBackup records that day's nightly backup was written: the archive's file name
// and size.
func (s *Store) FinishBackup(ctx context.Context, day, archive string, bytes int64) error {
	err := s.inTx(ctx, func(t *tx) error {
		_, err := t.ExecContext(ctx, t.Rebind(`UPDATE backup_runs SET finished_at = ?, archive = ?, bytes = ? WHERE day = ?`),
			t.now, archive, bytes, day)
		return err
	})
	if err != nil {
		return fmt.Errorf("record the backup of %s: %w", day, err)
	}
	return nil
}
