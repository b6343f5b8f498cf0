package ivr

import (
	"context"
	"sync"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// progressEvery is how often the calls' progress is written: seldom enough that its
// syncs to disk rarely hold up a ticket being written, often enough that a crash loses
// only the last second of a call.
const progressEvery = time.Second

// progress writes the progress of the calls in batches. Each call hands over a copy of
// its record as it moves through the menus; one writer commits the latest copy of every
// call in one transaction every second. A crash loses at most a second of what a caller
// said, fifty callers cost one sync a second rather than dozens, and no caller waits for
// the database between two prompts.
type progress struct {
	mu      sync.Mutex
	pending map[string]*tickets.Call
	saved   map[string]bool // calls whose record the database has
	failing bool            // the last write failed (logged once until one succeeds)
}

// noteProgress queues a copy of a call's record for the next write.
func (a *App) noteProgress(rec tickets.Call) {
	a.progress.mu.Lock()
	a.progress.pending[rec.ID] = &rec
	a.progress.mu.Unlock()
}

// dropProgress forgets a call's queued progress: its final record is written now.
func (a *App) dropProgress(id string) {
	a.progress.mu.Lock()
	delete(a.progress.pending, id)
	delete(a.progress.saved, id)
	a.progress.mu.Unlock()
}

// recordSaved reports whether a call's record is known to be in the database.
func (a *App) recordSaved(id string) bool {
	a.progress.mu.Lock()
	defer a.progress.mu.Unlock()
	return a.progress.saved[id]
}

// progressLoop writes the queued progress until ctx ends, then once more.
func (a *App) progressLoop(ctx context.Context) {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			a.writeProgress(context.Background())
			return
		case <-t.C:
			a.writeProgress(ctx)
		}
	}
}

func (a *App) writeProgress(ctx context.Context) {
	p := &a.progress
	p.mu.Lock()
	batch := make([]*tickets.Call, 0, len(p.pending))
	for _, c := range p.pending {
		batch = append(batch, c)
	}
	clear(p.pending)
	p.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := a.cfg.Progress.SaveCallsProgress(wctx, batch)
	cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		for _, c := range batch {
			if c.EndedAt == nil {
				p.saved[c.ID] = true
			}
		}
		if p.failing {
			a.cfg.Log.Info("calls' progress is written again")
		}
		p.failing = false
		return
	}
	if !p.failing {
		a.cfg.Log.Warn("write the calls' progress; trying again", "calls", len(batch), "err", err)
	}
	p.failing = true
	for _, c := range batch {
		if _, newer := p.pending[c.ID]; !newer {
			p.pending[c.ID] = c // tried again with the next batch
		}
	}
}
