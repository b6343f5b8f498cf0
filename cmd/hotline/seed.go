package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/huehotline/hotline/tickets"
)

func runSeed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	dbPath := fs.String("db", env("HOTLINE_DB", "./data/hotline.db"), "SQLite database file to fill; must have no calls yet (HOTLINE_DB)")
	n := fs.Int("tickets", 1_000_000, "tickets to create")
	calls := fs.Int("calls", 0, "calls to create (default twice the tickets)")
	days := fs.Int("days", 730, "days the data spans, ending today")
	seed := fs.Uint64("seed", 2021, "random seed; the same seed makes the same data")
	if err := fs.Parse(args); err != nil {
		return settingErrorf("%v", err)
	}
	ctx := context.Background()
	use, err := takeDatabase(*dbPath, "seed")
	if err != nil {
		return err
	}
	defer use.Close()
	store, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	last := ""
	password := tickets.NewPassword()
	err = store.Seed(ctx, tickets.SeedOptions{
		Tickets: *n, Calls: *calls, Days: *days, Seed: *seed, Password: password,
		Progress: func(stage string, done, total int) {
			if stage != last || done == total || done%100_000 < 5000 {
				fmt.Fprintf(os.Stderr, "\r%-18s %9d / %-9d %3d%%  %6.1fs", stage, done, total, 100*done/max(total, 1), time.Since(start).Seconds())
				if done == total {
					fmt.Fprintln(os.Stderr)
				}
				last = stage
			}
		},
	})
	if err != nil {
		return err
	}
	fmt.Printf("seeded %s with %d tickets in %.0fs; users admin, supervisor01, agent01, officer-<unit code>, password %s (shown once)\n",
		*dbPath, *n, time.Since(start).Seconds(), password)
	return nil
}
