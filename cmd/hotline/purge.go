package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/huehotline/hotline/ivr"
	"github.com/huehotline/hotline/tickets"
)

// purgeNightly runs the retention purge once a night, at purgeAt (Huế time) or at the
// first look after it (the hotline was down then): it looks at start and every five
// minutes, like the reports' freeze. The night's run is claimed in the database
// (purge_runs.night), so it happens once whoever looks.
func purgeNightly(ctx context.Context, store *tickets.Store, purgeAt time.Duration, recordings, spool string, log *slog.Logger) {
	for {
		now := store.Now()
		if tickets.ClockOf(now) >= purgeAt {
			if err := purgeNight(ctx, store, tickets.Day(now), recordings, spool, log); err != nil && ctx.Err() == nil {
				log.Error("nightly purge", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Minute):
		}
	}
}

// purgeNight runs the night's purge unless it ran already, and logs its counts.
func purgeNight(ctx context.Context, store *tickets.Store, night, recordings, spool string, log *slog.Logger) error {
	start := time.Now()
	run, err := store.Purge(ctx, tickets.PurgeOptions{Source: "serve", Night: night, RecordingsDir: recordings,
		Spool: spoolPurger(store, spool)})
	if run != nil {
		log.Info("nightly purge", append([]any{"night", night, "took_ms", time.Since(start).Milliseconds()}, purgeCounts(run)...)...)
	}
	return err
}

// purgeCounts are a run's counts as log attributes: numbers of rows and files, never
// what they held.
func purgeCounts(run *tickets.PurgeRun) []any {
	var attrs []any
	for _, k := range tickets.RetentionKinds {
		attrs = append(attrs, k.Code, run.Counts[k.Code])
	}
	return attrs
}

// spoolPurger deletes from the spool folder the call reports older than their time that
// the database holds (replayed, their removal lost to a crash), and the temporary files
// of writes cut short. A report the database does not hold yet is never deleted: it is a
// caller's report still waiting.
func spoolPurger(store *tickets.Store, dir string) func(ctx context.Context, before time.Time, dryRun bool) (int, error) {
	return func(ctx context.Context, before time.Time, dryRun bool) (int, error) {
		if dir == "" {
			return 0, nil
		}
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("read spool: %w", err)
		}
		var old, parts []string
		for _, e := range entries {
			info, err := e.Info()
			if err != nil || !info.Mode().IsRegular() || !info.ModTime().Before(before) {
				continue
			}
			if id, ok := strings.CutSuffix(e.Name(), ".json"); ok {
				old = append(old, id)
			} else if strings.HasSuffix(e.Name(), ".part") {
				parts = append(parts, e.Name())
			}
		}
		replayed, err := store.CallsReplayed(ctx, old)
		if err != nil {
			return 0, err
		}
		n := len(parts)
		for _, id := range old {
			if replayed[id] {
				n++
			}
		}
		if dryRun {
			return n, nil
		}
		sp := &ivr.Spool{Dir: dir}
		for _, id := range old {
			if replayed[id] {
				if err := sp.Remove(id); err != nil {
					return 0, fmt.Errorf("purge spool: %w", err)
				}
			}
		}
		for _, name := range parts {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return 0, fmt.Errorf("purge spool: %w", err)
			}
		}
		return n, nil
	}
}

// runPurge is `hotline purge [--dry-run]`: the retention purge now, from the shell. It is
// a writer like `users add` (small transactions, each waiting its turn behind the
// hotline's writes), so it may run beside a serving hotline; it refuses only while
// `migrate` or `seed` holds the database. A dry run says what would go, changing nothing.
func runPurge(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("purge", flag.ContinueOnError)
	dbPath := fs.String("db", env("HOTLINE_DB", "./data/hotline.db"), "SQLite database file (HOTLINE_DB)")
	recordings := fs.String("recordings", env("HOTLINE_RECORDINGS", ""), "folder of voice messages (HOTLINE_RECORDINGS; default: recordings beside the database)")
	spool := fs.String("spool", env("HOTLINE_SPOOL", ""), "folder of spooled call reports (HOTLINE_SPOOL; default: spool beside the database)")
	dryRun := fs.Bool("dry-run", false, "count what is past its time, changing nothing")
	if err := fs.Parse(args); err != nil {
		return settingErrorf("%v", err)
	}
	if *recordings == "" {
		*recordings = filepath.Join(filepath.Dir(*dbPath), "recordings")
	}
	if *spool == "" {
		*spool = filepath.Join(filepath.Dir(*dbPath), "spool")
	}
	if err := notBesideExclusive(*dbPath); err != nil {
		return err
	}
	ctx := context.Background()
	store, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	run, err := store.Purge(ctx, tickets.PurgeOptions{Source: "shell", DryRun: *dryRun, RecordingsDir: *recordings,
		Spool: spoolPurger(store, *spool)})
	if run != nil {
		verb := "purged"
		if *dryRun {
			verb = "past their time (dry run, nothing changed)"
		}
		fmt.Fprintf(stdout, "%s:\n", verb)
		for _, k := range tickets.RetentionKinds {
			fmt.Fprintf(stdout, "  %-15s %d\n", k.Code, run.Counts[k.Code])
		}
	}
	return err
}

// notBesideExclusive refuses while a command that takes the database for itself
// (migrate, seed) holds it; a serving hotline is fine.
func notBesideExclusive(dbPath string) error {
	holder, err := os.ReadFile(dbPath + "-serve.lock")
	if err != nil {
		return nil
	}
	_, command, _ := strings.Cut(strings.TrimSpace(string(holder)), " ")
	if command == "serve" || command == "" {
		return nil
	}
	use, err := takeDatabase(dbPath, "purge")
	if err != nil {
		return err
	}
	return use.Close()
}
