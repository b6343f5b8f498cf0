package tickets_test

import (
	"testing"

	"github.com/huehotline/hotline/tickets"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"OK/national", "0905123456", "+84905123456"},
		{"OK/spaces", "0905 123 456", "+84905123456"},
		{"OK/dots", "0905.123.456", "+84905123456"},
		{"OK/dashes", "0905-123-456", "+84905123456"},
		{"OK/e164", "+84905123456", "+84905123456"},
		{"OK/e164 spaced", "+84 905 123 456", "+84905123456"},
		{"OK/84 prefix", "84905123456", "+84905123456"},
		{"OK/0084 prefix", "0084905123456", "+84905123456"},
		{"OK/old viettel 0168", "01681234567", "+84381234567"},
		{"OK/old mobifone 0121", "0121 123 4567", "+84791234567"},
		{"OK/old vinaphone 0123", "+84 123 123 4567", "+84831234567"},
		{"OK/old vietnamobile 0188", "01881234567", "+84581234567"},
		{"OK/old gmobile 0199", "01991234567", "+84591234567"},
		{"OK/Hue landline", "0234 3822 123", "+842343822123"},
		{"OK/landline 84", "842343822123", "+842343822123"},
		{"OK/03 mobile", "0387654321", "+84387654321"},
		{"OK/07 mobile", "0701234567", "+84701234567"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tickets.NormalizePhone(tt.in)
			if err != nil {
				t.Fatalf("NormalizePhone(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizePhoneInvalid(t *testing.T) {
	for _, in := range []string{
		"", "anonymous", "12345", "090512345", "09051234567", "+1 202 555 0101",
		"0105123456", "0905123456x", "1900 1075", "016812345678", "sipp",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := tickets.NormalizePhone(in)
			if err == nil {
				t.Fatalf("NormalizePhone(%q) = %q, want an error", in, got)
			}
			if code := tickets.ErrorCode(err); code != tickets.EINVALID {
				t.Errorf("error code = %q, want %q", code, tickets.EINVALID)
			}
			if tickets.ErrorMessage(err) == "" {
				t.Error("error has no message for the user")
			}
		})
	}
}

func TestFormatPhone(t *testing.T) {
	tests := []struct{ in, want, masked string }{
		{"+84905123456", "0905 123 456", "0905 *** 456"},
		{"+842343822123", "0234 3822 123", "0234 *** 123"},
		{"unknown", "unknown", "***"},
	}
	for _, tt := range tests {
		if got := tickets.FormatPhone(tt.in); got != tt.want {
			t.Errorf("FormatPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := tickets.MaskPhone(tt.in); got != tt.masked {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.masked)
		}
	}
}

// ParsePhoneQuery takes a number as people type it into a search box, or its last six
// digits, and nothing else.
func TestParsePhoneQuery(t *testing.T) {
	tests := []struct {
		in            string
		number, last6 string
	}{
		{"0905 123 456", "+84905123456", ""},
		{"905123456", "+84905123456", ""},
		{"905.123.456", "+84905123456", ""},
		{"+84 0905 123 456", "+84905123456", ""},
		{"840905123456", "+84905123456", ""},
		{"234 3822 123", "+842343822123", ""},
		{"1681234567", "+84381234567", ""},
		{"123 456", "", "123456"},
		{"123-456", "", "123456"},
		{"Nguyễn Văn An", "", ""},
		{"HL-260001", "", ""},
		{"12345", "", ""},
		{"1234567", "", ""},
		{"1900 1075", "", ""},
		{"0905 *** 456", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := tickets.ParsePhoneQuery(tt.in)
			if want := tt.number != "" || tt.last6 != ""; ok != want {
				t.Fatalf("ParsePhoneQuery(%q) ok = %v, want %v (%+v)", tt.in, ok, want, got)
			}
			if got.Number != tt.number || got.Last6 != tt.last6 {
				t.Errorf("ParsePhoneQuery(%q) = %+v, want number %q, last six %q", tt.in, got, tt.number, tt.last6)
			}
		})
	}
}
