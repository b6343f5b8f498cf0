package ivr

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// What callers hear is the supervisors' to change (tickets: the prompts' versions and
// their schedule): the App keeps the set live now, read again when a supervisor changes
// something (PromptsChanged), when a schedule's time comes, and every half minute (for a
// change made on another instance). A call takes the set live when it starts and keeps
// it to its end: no caller hears a menu changed halfway. Each version has its own URL,
// whose bytes never change, so that Asterisk's media cache never plays a stale file.

// PromptSource is where the live versions are kept (the store).
type PromptSource interface {
	LivePrompts(ctx context.Context, at time.Time) ([]*tickets.PromptLive, error)
	NextPromptChange(ctx context.Context, after time.Time) (*time.Time, error)
}

// promptsRecheck is how often the live set is read again without being told.
const promptsRecheck = 30 * time.Second

// Prompts is the version of every prompt callers hear at one moment: those a supervisor
// made live, and the embedded version of the others.
type Prompts struct {
	base     string // where Asterisk fetches prompts: http://.../sounds
	builtin  func(lang, id string) time.Duration
	versions map[string]promptVersion // by lang/id
}

// promptVersion is a version a supervisor made live: its path under the sounds URL and
// its length.
type promptVersion struct {
	path   string
	length time.Duration
	id     int64
	number int
}

// newPrompts returns the set of the live entries given (none: the embedded versions).
func newPrompts(base string, builtin func(lang, id string) time.Duration, live []*tickets.PromptLive) *Prompts {
	ps := &Prompts{base: strings.TrimSuffix(base, "/"), builtin: builtin, versions: map[string]promptVersion{}}
	for _, l := range live {
		if l.VersionID == nil {
			continue
		}
		ps.versions[l.Lang+"/"+l.Prompt] = promptVersion{path: VersionPath(*l.VersionID, l.Lang, l.Prompt),
			length: time.Duration(l.DurationMS) * time.Millisecond, id: *l.VersionID, number: l.Number}
	}
	return ps
}

// VersionPath is the path, under the sounds URL, of a version of a prompt: its own, so
// that a new version never hides behind an old one in Asterisk's media cache.
func VersionPath(versionID int64, lang, id string) string {
	return fmt.Sprintf("v%d/%s/%s.wav", versionID, lang, id)
}

// live reports whether a prompt plays in this set: a supervisor's version, or an
// embedded one; an optional prompt (the urgent message) only in the first case.
func (ps *Prompts) live(p PromptRef) bool {
	_, ok := ps.versions[p.Lang+"/"+p.ID]
	return ok || !p.Optional
}

// playable leaves out of prompts the optional ones not live.
func (ps *Prompts) playable(prompts []PromptRef) []PromptRef {
	out := prompts[:0:0]
	for _, p := range prompts {
		if ps.live(p) {
			out = append(out, p)
		}
	}
	return out
}

// URI is where Asterisk fetches a prompt from (sound:http://...).
func (ps *Prompts) URI(p PromptRef) string {
	if v, ok := ps.versions[p.Lang+"/"+p.ID]; ok {
		return "sound:" + ps.base + "/" + v.path
	}
	return "sound:" + ps.base + "/" + p.Lang + "/" + p.ID + ".wav"
}

// Version is the version of a prompt this set plays: a supervisor's (its id and number),
// or the embedded WAV (nil, 1).
func (ps *Prompts) Version(p PromptRef) (id *int64, number int) {
	if v, ok := ps.versions[p.Lang+"/"+p.ID]; ok {
		id := v.id
		return &id, v.number
	}
	return nil, 1
}

// Length is how long a prompt plays, or 0 if it is not known.
func (ps *Prompts) Length(p PromptRef) time.Duration {
	if v, ok := ps.versions[p.Lang+"/"+p.ID]; ok {
		return v.length
	}
	return ps.builtin(p.Lang, p.ID)
}

// Limit is how long a playback of prompts may take before its end is taken as lost: its
// length and half as much again, and 5 s; two minutes when its length is not known.
func (ps *Prompts) Limit(prompts []PromptRef) time.Duration {
	var d time.Duration
	for _, p := range prompts {
		pd := ps.Length(p)
		if pd == 0 {
			return 2 * time.Minute
		}
		d += pd
	}
	return d*3/2 + 5*time.Second
}

// String lists the versions a supervisor made live, lang/id=path, for the log.
func (ps *Prompts) String() string {
	keys := make([]string, 0, len(ps.versions))
	for k, v := range ps.versions {
		keys = append(keys, k+"="+v.path)
	}
	slices.Sort(keys)
	return strings.Join(keys, " ")
}
