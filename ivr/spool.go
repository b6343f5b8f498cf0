package ivr

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/huehotline/hotline/tickets"
)

// Spool keeps the reports of calls that the database could not take (locked, full,
// gone) as files on the hotline's own disk, one per call, until they are replayed into
// the database. A report is on disk, synced, before the caller hears that it was
// recorded.
type Spool struct {
	Dir string
}

// Put writes a call's report, replacing the one written before for the same call: a
// temporary file, synced, renamed over the old one, and the folder synced.
func (s *Spool) Put(r *tickets.CallReport) error {
	if s == nil || s.Dir == "" {
		return errors.New("no spool folder is configured")
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("spool folder: %w", err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("spool call %s: %w", r.Call.ID, err)
	}
	tmp, err := os.CreateTemp(s.Dir, r.Call.ID+".*.part")
	if err != nil {
		return fmt.Errorf("spool call %s: %w", r.Call.ID, err)
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.Write(b); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(s.Dir, r.Call.ID+".json"))
	}
	if err == nil {
		err = syncDir(s.Dir)
	}
	if err != nil {
		return fmt.Errorf("spool call %s: %w", r.Call.ID, err)
	}
	return nil
}

// Pending lists the IDs of the calls whose reports wait in the spool, oldest file name
// first.
func (s *Spool) Pending() ([]string, error) {
	if s == nil || s.Dir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read spool: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// Get reads the report of a call from the spool.
func (s *Spool) Get(callID string) (*tickets.CallReport, error) {
	b, err := os.ReadFile(filepath.Join(s.Dir, callID+".json"))
	if err != nil {
		return nil, fmt.Errorf("read spooled call %s: %w", callID, err)
	}
	var r tickets.CallReport
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read spooled call %s: %w", callID, err)
	}
	return &r, nil
}

// Remove deletes a call's report once the database has it.
func (s *Spool) Remove(callID string) error {
	err := os.Remove(filepath.Join(s.Dir, callID+".json"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return syncDir(s.Dir)
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
