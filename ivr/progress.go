package ivr

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// progressEvery is how often the calls' progress is written: seldom enough that its
// syncs to disk rarely hold up a ticket being written, often enough that a crash loses
// only the last second of a call.
const progressEvery = time.Second

// ProgressStore takes the progress of calls in progress: what a crash may lose without
// harm, since a call open at a crash is closed then as interrupted.
type ProgressStore interface {
	SaveCallsProgress(ctx context.Context, calls []*tickets.Call) error
}

// progressWriter writes the progress of the calls in batches. Each call hands over a
// copy of its record as it moves through the menus; one writer commits the latest copy
// of every call in one transaction every second. A crash loses at most a second of what
// a caller said, fifty callers cost one sync a second rather than dozens, and no caller
// waits for the database between two prompts.
type progressWriter struct {
	store   ProgressStore
	log     *slog.Logger
	mu      sync.Mutex
	pending map[string]*tickets.Call
	saved   map[string]bool // calls whose record the database has
	failing bool            // the last write failed (logged once until one succeeds)
}

func newProgressWriter(store ProgressStore, log *slog.Logger) *progressWriter {
	return &progressWriter{store: store, log: log, pending: map[string]*tickets.Call{}, saved: map[string]bool{}}
}

// note queues a copy of a call's record for the next write.
func (p *progressWriter) note(rec tickets.Call) {
	p.mu.Lock()
	p.pending[rec.ID] = &rec
	p.mu.Unlock()
}

// drop forgets a call's queued progress: its final record is written now.
func (p *progressWriter) drop(id string) {
	p.mu.Lock()
	delete(p.pending, id)
	delete(p.saved, id)
	p.mu.Unlock()
}

// loop writes the queued progress until ctx ends, then once more.
func (p *progressWriter) loop(ctx context.Context) {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			p.write(context.Background())
			return
		case <-t.C:
			p.write(ctx)
		}
	}
}

func (p *progressWriter) write(ctx context.Context) {
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
	err := p.store.SaveCallsProgress(wctx, batch)
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
			p.log.Info("calls' progress is written again")
		}
		p.failing = false
		return
	}
	if !p.failing {
		p.log.Warn("write the calls' progress; trying again", "calls", len(batch), "err", err)
	}
	p.failing = true
	for _, c := range batch {
		if _, newer := p.pending[c.ID]; !newer {
			p.pending[c.ID] = c // tried again with the next batch
		}
	}
}
