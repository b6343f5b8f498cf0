// Package sounds holds the hotline's recorded prompts, one 8 kHz mono WAV per prompt and
// language, generated from prompts.tsv by generate.sh and embedded in the binary so that
// the hotline can serve them to Asterisk over HTTP.
package sounds

import (
	"embed"
	"io/fs"
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
