// Package sounds holds the hotline's recorded prompts, one 8 kHz mono WAV per prompt and
// language, generated from prompts.tsv by generate.sh and embedded in the binary so that
// the hotline can serve them to Asterisk over HTTP.
package sounds

import (
	"embed"
	"io/fs"
	"strings"
	"sync"
	"time"
)

//go:embed vi/*.wav en/*.wav prompts.tsv
var files embed.FS

// Languages are the languages prompts exist in, the default first.
var Languages = []string{"vi", "en"}

// FS returns the prompts as a file system laid out LANG/ID.wav.
func FS() fs.FS { return files }

// Has reports whether prompt id exists in lang.
func Has(lang, id string) bool {
	_, err := fs.Stat(files, lang+"/"+id+".wav")
	return err == nil
}

var durations = sync.OnceValue(func() map[string]time.Duration {
	m := map[string]time.Duration{}
	for _, lang := range Languages {
		entries, _ := fs.ReadDir(files, lang)
		for _, e := range entries {
			b, err := fs.ReadFile(files, lang+"/"+e.Name())
			if err != nil || len(b) < 44 {
				continue
			}
			// 8 kHz, 16-bit mono: 16,000 bytes a second after the 44-byte header.
			m[lang+"/"+strings.TrimSuffix(e.Name(), ".wav")] = time.Duration(len(b)-44) * time.Second / 16000
		}
	}
	return m
})

// Duration returns how long a prompt plays, or 0 if it does not exist.
func Duration(lang, id string) time.Duration { return durations()[lang+"/"+id] }

// Entry is one prompt of prompts.tsv: its id and its text in each language that has it.
type Entry struct {
	ID   string
	Text map[string]string
}

// Catalog returns every prompt of prompts.tsv, in its order: what callers can hear.
var Catalog = sync.OnceValue(func() []Entry {
	b, err := fs.ReadFile(files, "prompts.tsv")
	if err != nil {
		return nil
	}
	var out []Entry
	for i, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		cols := strings.Split(line, "\t")
		if i == 0 || len(cols) < 2 || cols[0] == "" {
			continue // the header
		}
		e := Entry{ID: cols[0], Text: map[string]string{}}
		for j, lang := range Languages {
			if j+1 < len(cols) && strings.TrimSpace(cols[j+1]) != "" {
				e.Text[lang] = cols[j+1]
			}
		}
		out = append(out, e)
	}
	return out
})
