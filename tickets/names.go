package tickets

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// NameKey folds a Vietnamese name for search: lower case, without diacritics, single
// spaces ("Nguyễn Văn  Đức" becomes "nguyen van duc"), so that a name typed without
// accents on any keyboard still finds its person.
func NameKey(name string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	s, _, err := transform.String(t, name)
	if err != nil {
		s = name
	}
	s = strings.NewReplacer("đ", "d", "Đ", "D").Replace(s)
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
