package tickets_test

import (
	"testing"

	"github.com/huehotline/hotline/tickets"
)

// Days are typed as people in Huế write them, day first; the console's links write them
// as stored.
func TestParseDay(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"10/08/2021", "2021-08-10"},
		{"10/8/2021", "2021-08-10"},
		{" 1/8/2021 ", "2021-08-01"},
		{"10-08-2021", "2021-08-10"},
		{"10.08.2021", "2021-08-10"},
		{"2021-08-10", "2021-08-10"},
		{"29/02/2024", "2024-02-29"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := tickets.ParseDay(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v, want %q", got, err, tc.want)
			}
		})
	}
	for _, in := range []string{"", "08/10", "2021-13-45", "31/02/2021", "29/02/2021", "10/08/21", "mai", "10/08/2021/1", "32/01/2021"} {
		t.Run("Invalid "+in, func(t *testing.T) {
			_, err := tickets.ParseDay(in)
			if tickets.ErrorCode(err) != tickets.EINVALID {
				t.Errorf("got %v, want an invalid error", err)
			}
		})
	}
	if got, want := tickets.DayText("2021-08-10"), "10/08/2021"; got != want {
		t.Errorf("DayText: got %q, want %q", got, want)
	}
}
